//! Profile use cases.

use actix_web::web::Data;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{
    profile::{self, Availability, Employment, ProfileInput},
    queries::{self, ProfileRow},
};
use crate::{
    audit::{self, AuditEvent},
    error::AppError,
    http::{
        auth::{CurrentUser, Permission},
        problem::{FieldMsg, Msg},
    },
    kz::{self, Sex},
    startup::AppState,
};

/// A profile as its owner sees it (IIN and IBAN in full).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProfileView {
    pub iin: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub full_name: String,
    pub phone: String,
    pub district: String,
    pub skills: Vec<String>,
    pub languages: Vec<String>,
    pub availability: Availability,
    pub iban: Option<String>,
    pub updated_at: DateTime<Utc>,
}

fn list(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

impl From<ProfileRow> for ProfileView {
    fn from(r: ProfileRow) -> Self {
        ProfileView {
            sex: if r.sex == "male" {
                Sex::Male
            } else {
                Sex::Female
            },
            availability: Availability {
                employment: Employment::parse(&r.employment).unwrap_or(Employment::Any),
                hours_per_week: r.hours_per_week,
                needs_childcare: r.needs_childcare,
            },
            skills: list(&r.skills),
            languages: list(&r.languages),
            iin: r.iin,
            birth_date: r.birth_date,
            full_name: r.full_name,
            phone: r.phone,
            district: r.district,
            iban: r.iban,
            updated_at: r.updated_at.and_utc(),
        }
    }
}

/// What the audit log keeps of a profile: no full IIN or IBAN.
fn audit_view(r: &ProfileRow) -> serde_json::Value {
    serde_json::json!({
        "iin": kz::mask_id(&r.iin),
        "full_name": r.full_name,
        "district": r.district,
        "phone": r.phone,
        "employment": r.employment,
        "hours_per_week": r.hours_per_week,
        "needs_childcare": r.needs_childcare,
        "iban": r.iban.as_deref().map(kz::mask_iban),
    })
}

pub async fn get(state: &Data<AppState>, user: &CurrentUser) -> Result<ProfileView, AppError> {
    user.require(Permission::ManageOwnProfile)?;
    let id = user.account_id.clone();
    state
        .db
        .run(move |c| {
            queries::find(c, &id)?
                .map(ProfileView::from)
                .ok_or(AppError::NotFound)
        })
        .await
}

/// Creates or replaces the seeker's profile.
pub async fn put(
    state: &Data<AppState>,
    user: &CurrentUser,
    input: ProfileInput,
) -> Result<ProfileView, AppError> {
    user.require(Permission::ManageOwnProfile)?;
    let today = Utc::now()
        .with_timezone(&chrono_tz::Asia::Almaty)
        .date_naive();
    let p = profile::validate(input, today).map_err(|errors| AppError::Validation {
        detail: Msg::JsonBodyInvalid,
        errors,
    })?;
    let (id, actor) = (user.account_id.clone(), user.actor.clone());
    state
        .db
        .transaction(move |c| {
            if !crate::organisations::queries::district_exists(c, &p.district)? {
                return Err(AppError::field("district", FieldMsg::DistrictUnknown));
            }
            if queries::iin_taken_by_other(c, p.iin.as_str(), &id)? {
                return Err(AppError::Conflict(Msg::IinTaken));
            }
            let now = crate::db::now();
            let before = queries::find(c, &id)?;
            let row = ProfileRow {
                account_id: id.clone(),
                iin: p.iin.as_str().to_owned(),
                birth_date: p.iin.birth_date,
                sex: p.iin.sex.as_str().to_owned(),
                full_name: p.full_name,
                phone: p.phone,
                district: p.district,
                skills: serde_json::to_string(&p.skills)
                    .map_err(|e| AppError::Internal(e.into()))?,
                languages: serde_json::to_string(&p.languages)
                    .map_err(|e| AppError::Internal(e.into()))?,
                employment: p.availability.employment.as_str().to_owned(),
                hours_per_week: p.availability.hours_per_week,
                needs_childcare: p.availability.needs_childcare,
                iban: p.iban.map(|i| i.as_str().to_owned()),
                created_at: before.as_ref().map_or(now, |b| b.created_at),
                updated_at: now,
            };
            match &before {
                Some(_) => queries::update(c, &row)?,
                None => queries::insert(c, &row)?,
            }
            audit::record(
                c,
                &actor,
                AuditEvent {
                    action: if before.is_some() {
                        "profile.updated"
                    } else {
                        "profile.created"
                    },
                    entity: "seeker_profile",
                    entity_id: &id,
                    before: before.as_ref().map(audit_view),
                    after: Some(audit_view(&row)),
                },
            )?;
            Ok(ProfileView::from(row))
        })
        .await
}
