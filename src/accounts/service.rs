//! Account use cases. Each is one transaction; emails are queued in it through `notify`; password
//! hashing runs on a blocking thread before the transaction, never inside it.

use chrono::{Duration, Utc};
use serde::Serialize;

use super::{
    model::{Account, NewAccount, Role},
    password::{self, PasswordProblem},
    queries,
    ratelimit::{self, Limit},
    tokens,
};
use crate::access::{Caller, Permission};
use crate::context::Ctx;
use crate::locale::Locale;
use crate::{
    audit::{self, Actor, AuditEvent},
    db::now,
    db::{Db, DbConnection},
    error::AppError,
    messages::{FieldMsg, Msg},
    notifications::{EmailAddress, EmailTemplate, notify},
};

const VERIFY_EMAIL: &str = "verify_email";
const PASSWORD_RESET: &str = "password_reset";

fn field(name: &str, msg: FieldMsg) -> AppError {
    AppError::field(name, msg)
}

fn password_error(name: &str, p: PasswordProblem) -> AppError {
    field(name, p.field_msg())
}

/// Records an event an account caused about itself (the actor is that account).
fn audit_self(
    c: &mut DbConnection,
    actor: &Actor,
    account_id: &str,
    action: &str,
    after: Option<serde_json::Value>,
) -> diesel::QueryResult<()> {
    let actor = Actor {
        account_id: Some(account_id.to_owned()),
        ..actor.clone()
    };
    audit::record(
        c,
        &actor,
        AuditEvent {
            action,
            entity: "account",
            entity_id: account_id,
            before: None,
            after,
        },
    )
}

/// Hashes on a blocking thread, a bounded number at a time.
async fn hash_password(ctx: &Ctx, password: String) -> Result<String, AppError> {
    let _permit = ctx
        .auth
        .hashing
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::Internal(anyhow::anyhow!("hashing failed: {e}")))
}

async fn verify_password(ctx: &Ctx, password: String, hash: String) -> Result<bool, AppError> {
    let _permit = ctx
        .auth
        .hashing
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    tokio::task::spawn_blocking(move || password::verify(&password, &hash))
        .await
        .map_err(|e| AppError::Internal(e.into()))
}

/// A page's link with its token, opening in the language the email is written in.
fn link(ctx: &Ctx, path: &str, token: &str, locale: crate::locale::Locale) -> String {
    format!(
        "{}/{path}?lang={}&token={token}",
        ctx.settings.public_url.trim_end_matches('/'),
        locale.code()
    )
}

/// Tokens handed out at sign-in and refresh.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub refresh_token: String,
    /// Seconds until the refresh token expires.
    pub refresh_expires_in: i64,
    /// Given on sign-in: keep it on the device and send it with later sign-ins to this account
    /// (`device_token`), so that someone else's failed guesses never lock this device out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_token: Option<String>,
}

/// Issues a refresh token in `family` and an access token, inside the caller's transaction.
fn issue_tokens(
    ctx: &Ctx,
    conn: &mut DbConnection,
    account: &Account,
    role: Role,
    family: &str,
) -> Result<TokenPair, AppError> {
    let ttl = Duration::days(i64::from(ctx.settings.refresh_token_ttl_days));
    let (refresh, digest) = tokens::new_opaque();
    let issued = now();
    queries::insert_refresh(conn, &account.id, family, &digest, issued, issued + ttl)?;
    let access = ctx
        .auth
        .tokens
        .issue(&account.id, role)
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(TokenPair {
        access_token: access,
        token_type: "Bearer".into(),
        expires_in: ctx.auth.tokens.ttl_secs(),
        refresh_token: refresh,
        refresh_expires_in: ttl.num_seconds(),
        device_token: None,
    })
}

/// Creates the one-time token and queues the email that carries it.
fn send_verification(
    ctx: &Ctx,
    conn: &mut DbConnection,
    account: &Account,
) -> Result<(), AppError> {
    let (token, digest) = tokens::new_opaque();
    let issued = now();
    let hours = ctx.settings.verify_email_ttl_hours;
    let id = queries::insert_one_time(
        conn,
        &account.id,
        VERIFY_EMAIL,
        &digest,
        issued,
        issued + Duration::hours(i64::from(hours)),
    )?;
    let to =
        EmailAddress::parse(&account.email).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    let data = serde_json::json!({ "link": link(ctx, "verify-email", &token, account.locale()), "expires_hours": hours });
    notify(
        conn,
        &to,
        EmailTemplate::VerifyEmail,
        account.locale(),
        data,
        &format!("verify_email:{id}"),
    )?;
    Ok(())
}

#[derive(Debug)]
pub struct Registration {
    pub email: EmailAddress,
    pub password: String,
    pub role: Role,
    pub locale: Locale,
}

/// Registers a seeker, employer or provider and emails a verification link. The answer is the same
/// whether or not the email was registered already (the owner of an existing account is emailed
/// instead), so registration does not reveal who has an account.
pub async fn register(ctx: &Ctx, r: Registration, actor: Actor) -> Result<(), AppError> {
    if !r.role.self_service() {
        return Err(field("role", FieldMsg::RoleNotAllowed));
    }
    password::check_new(&r.password, r.email.as_str())
        .map_err(|p| password_error("password", p))?;
    // Per client address, counted before the (deliberately slow) hash: a script cannot fill the
    // accounts table or the outbox. The default is generous, because a whole neighbourhood may
    // share a carrier's address, or a queue of mothers the employment centre's Wi-Fi.
    if let Some(ip) = actor.client_ip.as_deref() {
        let s = &ctx.settings;
        let limit = Limit {
            bucket: format!("register:ip:{}", tokens::digest(ip)),
            max: s.registrations_per_address,
            window: Duration::seconds(s.registration_window_secs as i64),
        };
        ctx.db
            .transaction(move |c| ratelimit::take(c, std::slice::from_ref(&limit), now()))
            .await?;
    }
    let hash = hash_password(ctx, r.password).await?;
    let st = ctx.clone();
    ctx.db
        .transaction(move |c| {
            let ctx = &st;
            if let Some(existing) = queries::by_email(c, r.email.as_str())? {
                let day = now().date();
                let page = format!(
                    "{}/password-reset",
                    ctx.settings.public_url.trim_end_matches('/')
                );
                let data = serde_json::json!({ "link": page });
                notify(
                    c,
                    &r.email,
                    EmailTemplate::AccountExists,
                    existing.locale(),
                    data,
                    &format!("account_exists:{}:{day}", existing.id),
                )?;
                return Ok(());
            }
            let at = now();
            let account = NewAccount {
                id: uuid::Uuid::now_v7().to_string(),
                email: r.email.as_str().to_owned(),
                password_hash: hash,
                role: r.role.as_str().to_owned(),
                locale: r.locale.code().to_owned(),
                email_verified_at: None,
                tokens_valid_after: at,
                created_at: at,
                updated_at: at,
            };
            queries::insert_account(c, &account)?;
            let account = queries::by_id(c, &account.id)?.ok_or(AppError::NotFound)?;
            send_verification(ctx, c, &account)?;
            audit_self(
                c,
                &actor,
                &account.id,
                "account.registered",
                Some(serde_json::json!({ "role": account.role, "locale": account.locale })),
            )?;
            Ok(())
        })
        .await
}

pub async fn verify_email(db: &Db, token: String, actor: Actor) -> Result<(), AppError> {
    db.transaction(move |c| {
        let at = now();
        let account_id = queries::use_one_time(c, VERIFY_EMAIL, &tokens::digest(&token), at)?
            .ok_or(AppError::BadRequest(Msg::TokenInvalid))?;
        queries::mark_email_verified(c, &account_id, at)?;
        audit_self(c, &actor, &account_id, "account.email_verified", None).map_err(AppError::from)
    })
    .await
}

fn login_limits(ctx: &Ctx, email: &str, ip: Option<&str>) -> Vec<Limit> {
    let s = &ctx.settings;
    let window = Duration::seconds(s.login_failure_window_secs as i64);
    let mut limits = vec![Limit {
        bucket: format!("login:email:{}", tokens::digest(email)),
        max: s.login_failures_per_account,
        window,
    }];
    if let Some(ip) = ip {
        limits.push(Limit {
            bucket: format!("login:ip:{}", tokens::digest(ip)),
            max: s.login_failures_per_address,
            window,
        });
    }
    limits
}

/// The one limit on a device that signed in to this account before: its own failures only.
fn device_limit(ctx: &Ctx, device_token: &str) -> Limit {
    let s = &ctx.settings;
    Limit {
        bucket: format!("login:device:{}", tokens::digest(device_token)),
        max: s.login_failures_per_account,
        window: Duration::seconds(s.login_failure_window_secs as i64),
    }
}

/// Signs in with email and password. Failed attempts count per account and per client address;
/// past either limit even the right password gets 429 until the window has passed. A device that
/// signed in to this account before (it presents the `device_token` it was given) counts only its
/// own failures: a guesser hammering her account, or sharing her carrier's address, does not lock
/// her out, and a guesser without the token gains nothing from it.
pub async fn login(
    ctx: &Ctx,
    email: String,
    password: String,
    device_token: Option<String>,
    actor: Actor,
) -> Result<TokenPair, AppError> {
    let email = email.trim().to_lowercase();
    let limits = login_limits(ctx, &email, actor.client_ip.as_deref());
    // Her own failures are forgiven when she gets in.
    let email_bucket = limits.first().map(|l| l.bucket.clone());
    let st = ctx.clone();
    // Counted before the password is hashed, atomically: every attempt is a failure until it
    // succeeds, so parallel guesses cannot all pass the check before any is counted.
    let (account, taken, trusted) = ctx
        .db
        .transaction(move |c| {
            let account = queries::by_email(c, &email)?;
            let trusted = match (&account, device_token.as_deref()) {
                (Some(a), Some(t)) => st
                    .auth
                    .devices
                    .valid_for(t, &a.id, a.tokens_valid_after, now())
                    .then(|| device_limit(&st, t)),
                _ => None,
            };
            let checked = match &trusted {
                Some(device) => std::slice::from_ref(device),
                None => limits.as_slice(),
            };
            let taken = ratelimit::take(c, checked, now())?;
            Ok::<_, AppError>((account, taken, trusted))
        })
        .await?;
    let hash = account
        .as_ref()
        .map_or_else(|| ctx.auth.dummy_hash.clone(), |a| a.password_hash.clone());
    let matches = verify_password(ctx, password, hash).await?;
    let known_id = account.as_ref().map(|a| a.id.clone());
    let usable = account.filter(|a| matches && a.disabled_at.is_none());
    let st = ctx.clone();
    let outcome = ctx
        .db
        .transaction(move |c| {
            let Some(account) = usable else {
                // The failure was counted before the hash.
                let entity_id = known_id.as_deref().unwrap_or("unknown");
                audit::record(
                    c,
                    &actor,
                    AuditEvent {
                        action: "auth.login_failed",
                        entity: "account",
                        entity_id,
                        before: None,
                        after: None,
                    },
                )?;
                // Commit the counted failure, then answer 401.
                return Ok::<_, AppError>(None);
            };
            let role = account
                .role()
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown role")))?;
            // Her own failures are forgiven, and this attempt counts against nobody.
            ratelimit::give_back(c, &taken)?;
            if let Some(bucket) = &email_bucket {
                queries::clear_rate_events(c, bucket)?;
            }
            if let Some(device) = &trusted {
                queries::clear_rate_events(c, &device.bucket)?;
            }
            let mut pair = issue_tokens(&st, c, &account, role, &uuid::Uuid::now_v7().to_string())?;
            pair.device_token = Some(st.auth.devices.issue(&account.id, now()));
            audit_self(c, &actor, &account.id, "auth.login_succeeded", None)?;
            Ok(Some(pair))
        })
        .await?;
    outcome.ok_or(AppError::Unauthorized(Msg::InvalidCredentials))
}

/// Exchanges a refresh token for a new pair. A token presented twice means it was stolen (or the
/// client is confused): the whole family is revoked, ending both holders' sessions.
pub async fn refresh(ctx: &Ctx, token: String, actor: Actor) -> Result<TokenPair, AppError> {
    let st = ctx.clone();
    let outcome = ctx
        .db
        .transaction(move |c| {
            let at = now();
            let Some(found) = queries::refresh_by_hash(c, &tokens::digest(&token))? else {
                return Ok::<_, AppError>(None);
            };
            if found.revoked_at.is_some() || found.expires_at <= at {
                return Ok(None);
            }
            if !queries::use_refresh(c, &found.id, at)? {
                queries::revoke_family(c, &found.family_id, at)?;
                audit_self(
                    c,
                    &actor,
                    &found.account_id,
                    "auth.refresh_token_reused",
                    Some(serde_json::json!({ "revoked_family": found.family_id })),
                )?;
                return Ok(None);
            }
            let account = queries::by_id(c, &found.account_id)?.filter(|a| a.disabled_at.is_none());
            let Some(account) = account else {
                return Ok(None);
            };
            let role = account
                .role()
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown role")))?;
            issue_tokens(&st, c, &account, role, &found.family_id).map(Some)
        })
        .await?;
    outcome.ok_or(AppError::Unauthorized(Msg::TokenInvalid))
}

/// Ends the session the refresh token belongs to. Unknown tokens are ignored (the result is the same).
pub async fn logout(db: &Db, token: String, actor: Actor) -> Result<(), AppError> {
    db.transaction(move |c| {
        if let Some(found) = queries::refresh_by_hash(c, &tokens::digest(&token))? {
            queries::revoke_family(c, &found.family_id, now())?;
            audit_self(c, &actor, &found.account_id, "auth.logout", None)?;
        }
        Ok(())
    })
    .await
}

/// Emails a single-use reset link if the account exists; answers the same either way.
pub async fn request_password_reset(
    ctx: &Ctx,
    email: String,
    actor: Actor,
) -> Result<(), AppError> {
    let email = email.trim().to_lowercase();
    let s = &ctx.settings;
    let window = Duration::seconds(s.reset_window_secs as i64);
    let mut limits = vec![Limit {
        bucket: format!("reset:email:{}", tokens::digest(&email)),
        max: s.reset_requests_per_email,
        window,
    }];
    if let Some(ip) = actor.client_ip.as_deref() {
        limits.push(Limit {
            bucket: format!("reset:ip:{}", tokens::digest(ip)),
            max: s.reset_requests_per_address,
            window,
        });
    }
    let st = ctx.clone();
    ctx
        .db
        .transaction(move |c| {
            let at = now();
            ratelimit::take(c, &limits, at)?;
            let Some(account) = queries::by_email(c, &email)?.filter(|a| a.disabled_at.is_none()) else {
                return Ok(());
            };
            queries::expire_one_time(c, &account.id, PASSWORD_RESET, at)?;
            let (token, digest) = tokens::new_opaque();
            let minutes = st.settings.password_reset_ttl_minutes;
            let id = queries::insert_one_time(c, &account.id, PASSWORD_RESET, &digest, at, at + Duration::minutes(i64::from(minutes)))?;
            let to = EmailAddress::parse(&account.email).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
            let data = serde_json::json!({ "link": link(&st, "password-reset", &token, account.locale()), "expires_minutes": minutes });
            notify(c, &to, EmailTemplate::PasswordReset, account.locale(), data, &format!("password_reset:{id}"))?;
            audit_self(c, &actor, &account.id, "auth.password_reset_requested", None)
            .map_err(AppError::from)
        })
        .await
}

/// Sets a new password with an emailed reset token (single use, 1 hour) and ends every session.
pub async fn confirm_password_reset(
    ctx: &Ctx,
    token: String,
    new_password: String,
    actor: Actor,
) -> Result<(), AppError> {
    let digest = tokens::digest(&token);
    let peek = digest.clone();
    // The account is needed before hashing (the rule compares the password with the email).
    let account = ctx
        .db
        .run(
            move |c| match queries::valid_one_time(c, PASSWORD_RESET, &peek, now())? {
                Some(id) => queries::by_id(c, &id).map_err(AppError::from),
                None => Ok(None),
            },
        )
        .await?
        .ok_or(AppError::BadRequest(Msg::TokenInvalid))?;
    password::check_new(&new_password, &account.email)
        .map_err(|p| password_error("new_password", p))?;
    let hash = hash_password(ctx, new_password).await?;
    ctx.db
        .transaction(move |c| {
            let at = now();
            let account_id = queries::use_one_time(c, PASSWORD_RESET, &digest, at)?
                .ok_or(AppError::BadRequest(Msg::TokenInvalid))?;
            queries::set_password(c, &account_id, &hash, at)?;
            queries::revoke_all_refresh(c, &account_id, at)?;
            queries::expire_one_time(c, &account_id, PASSWORD_RESET, at)?;
            audit_self(c, &actor, &account_id, "auth.password_reset", None).map_err(AppError::from)
        })
        .await
}

/// Changes the signed-in account's password; every session (this one included) ends.
pub async fn change_password(
    ctx: &Ctx,
    user: &Caller,
    current: String,
    new_password: String,
) -> Result<(), AppError> {
    let id = user.account_id.clone();
    // Counted before the hash, as sign-in is: a stolen access token must not become a way to
    // guess the password at leisure.
    let s = &ctx.settings;
    let limit = Limit {
        bucket: format!("password_change:{id}"),
        max: s.login_failures_per_account,
        window: Duration::seconds(s.login_failure_window_secs as i64),
    };
    let (account, taken) = ctx
        .db
        .transaction(move |c| {
            let taken = ratelimit::take(c, std::slice::from_ref(&limit), now())?;
            Ok::<_, AppError>((queries::by_id(c, &id)?, taken))
        })
        .await?;
    let account = account.ok_or(AppError::NotFound)?;
    if !verify_password(ctx, current, account.password_hash.clone()).await? {
        return Err(field("current_password", FieldMsg::WrongPassword));
    }
    ctx.db
        .transaction(move |c| ratelimit::give_back(c, &taken))
        .await?;
    password::check_new(&new_password, &account.email)
        .map_err(|p| password_error("new_password", p))?;
    let hash = hash_password(ctx, new_password).await?;
    let actor = user.actor.clone();
    ctx.db
        .transaction(move |c| {
            let at = now();
            queries::set_password(c, &account.id, &hash, at)?;
            queries::revoke_all_refresh(c, &account.id, at)?;
            queries::expire_one_time(c, &account.id, PASSWORD_RESET, at)?;
            audit::record(
                c,
                &actor,
                AuditEvent {
                    action: "auth.password_changed",
                    entity: "account",
                    entity_id: &account.id,
                    before: None,
                    after: None,
                },
            )
            .map_err(AppError::from)
        })
        .await
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrganisationSummary {
    pub id: String,
    pub name: String,
    pub kind: String,
    /// `pending` until an admin approves it; members act for it only once `approved`.
    pub status: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub locale: Locale,
    pub email_verified: bool,
    pub organisation: Option<OrganisationSummary>,
    pub created_at: chrono::DateTime<Utc>,
}

pub async fn me(db: &Db, user: &Caller) -> Result<Me, AppError> {
    let id = user.account_id.clone();
    let (account, organisation) = db
        .run(move |c| {
            let account = queries::by_id(c, &id)?.ok_or(AppError::NotFound)?;
            let organisation = match &account.organisation_id {
                Some(org) => crate::organisations::service::summary(c, org)?,
                None => None,
            };
            Ok::<_, AppError>((account, organisation))
        })
        .await?;
    Ok(Me {
        role: user.role,
        locale: account.locale(),
        email_verified: account.email_verified_at.is_some(),
        organisation,
        created_at: account.created_at.and_utc(),
        email: account.email,
        id: account.id,
    })
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StaffPage {
    pub items: Vec<StaffMember>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Case workers and admins, newest first (admins).
pub async fn list_staff(
    db: &Db,
    admin: &Caller,
    cursor: Option<String>,
    limit: i64,
) -> Result<StaffPage, AppError> {
    admin.require(Permission::ManageStaff)?;
    let after = crate::paging::instant_and_id(cursor)?;
    db.run(move |c| {
        let mut rows = queries::staff(c, after, limit + 1)?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = more
            .then(|| rows.last())
            .flatten()
            .map(|a| crate::paging::of_instant_and_id(a.created_at, &a.id));
        let items = rows
            .into_iter()
            .filter_map(|a| {
                Some(StaffMember {
                    role: a.role()?,
                    disabled: a.disabled_at.is_some(),
                    email: a.email,
                    id: a.id,
                })
            })
            .collect();
        Ok(StaffPage { items, next_cursor })
    })
    .await
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StaffMember {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub disabled: bool,
}

/// Creates a case worker or admin with a password the admin hands over; their email counts as
/// verified (the admin vouches for it).
pub async fn create_staff(
    ctx: &Ctx,
    admin: &Caller,
    email: EmailAddress,
    password: String,
    role: Role,
    locale: Locale,
) -> Result<StaffMember, AppError> {
    admin.require(Permission::ManageStaff)?;
    if !role.is_staff() {
        return Err(field("role", FieldMsg::RoleNotAllowed));
    }
    password::check_new(&password, email.as_str()).map_err(|p| password_error("password", p))?;
    let hash = hash_password(ctx, password).await?;
    let actor = admin.actor.clone();
    ctx.db
        .transaction(move |c| insert_staff(c, &actor, &email, hash, role, locale))
        .await
}

fn insert_staff(
    c: &mut DbConnection,
    actor: &Actor,
    email: &EmailAddress,
    hash: String,
    role: Role,
    locale: Locale,
) -> Result<StaffMember, AppError> {
    if queries::email_exists(c, email.as_str())? {
        return Err(AppError::Conflict(Msg::EmailAlreadyRegistered));
    }
    let at = now();
    let id = uuid::Uuid::now_v7().to_string();
    queries::insert_account(
        c,
        &NewAccount {
            id: id.clone(),
            email: email.as_str().to_owned(),
            password_hash: hash,
            role: role.as_str().to_owned(),
            locale: locale.code().to_owned(),
            email_verified_at: Some(at),
            tokens_valid_after: at,
            created_at: at,
            updated_at: at,
        },
    )?;
    audit::record(
        c,
        actor,
        AuditEvent {
            action: "staff.created",
            entity: "account",
            entity_id: &id,
            before: None,
            after: Some(serde_json::json!({ "role": role.as_str() })),
        },
    )?;
    Ok(StaffMember {
        id,
        email: email.as_str().to_owned(),
        role,
        disabled: false,
    })
}

/// The first administrator, from the `create-admin` command (no one is signed in yet).
pub async fn create_first_admin(
    db: &crate::db::Db,
    email: EmailAddress,
    password: String,
) -> Result<StaffMember, AppError> {
    password::check_new(&password, email.as_str()).map_err(|p| password_error("password", p))?;
    let hash = tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::Internal(anyhow::anyhow!("hashing failed: {e}")))?;
    let actor = Actor {
        account_id: None,
        client_ip: None,
        request_id: Some("cli:create-admin".into()),
    };
    db.transaction(move |c| insert_staff(c, &actor, &email, hash, Role::Admin, Locale::Ru))
        .await
}

/// Disables a staff account and ends its sessions at once.
pub async fn disable_staff(db: &Db, admin: &Caller, id: String) -> Result<StaffMember, AppError> {
    admin.require(Permission::ManageStaff)?;
    if id == admin.account_id {
        return Err(AppError::Conflict(Msg::CannotDisableYourself));
    }
    let actor = admin.actor.clone();
    db.transaction(move |c| {
        let account = queries::by_id(c, &id)?.ok_or(AppError::NotFound)?;
        let role = account
            .role()
            .filter(|r| r.is_staff())
            .ok_or(AppError::NotFound)?;
        let at = now();
        if account.disabled_at.is_none() {
            queries::disable(c, &id, at)?;
            queries::revoke_all_refresh(c, &id, at)?;
            audit::record(
                c,
                &actor,
                AuditEvent {
                    action: "staff.disabled",
                    entity: "account",
                    entity_id: &id,
                    before: Some(serde_json::json!({ "disabled": false })),
                    after: Some(serde_json::json!({ "disabled": true })),
                },
            )?;
        }
        Ok(StaffMember {
            id: account.id,
            email: account.email,
            role,
            disabled: true,
        })
    })
    .await
}

/// Where and in which language to write to an account, for other capabilities' emails (inside their
/// transaction).
pub fn contact(
    conn: &mut DbConnection,
    account_id: &str,
) -> Result<Option<(EmailAddress, Locale)>, AppError> {
    Ok(queries::by_id(conn, account_id)?
        .and_then(|a| EmailAddress::parse(&a.email).ok().map(|e| (e, a.locale()))))
}

/// The account an email address belongs to, if any (for other capabilities, in their
/// transaction).
pub fn account_of_address(
    conn: &mut DbConnection,
    address: &str,
) -> diesel::QueryResult<Option<String>> {
    Ok(queries::by_email(conn, address)?.map(|a| a.id))
}

/// The accounts at these addresses (as stored: trimmed, case-folded), by address.
pub fn accounts_of_addresses(
    conn: &mut DbConnection,
    addresses: &[String],
) -> diesel::QueryResult<std::collections::HashMap<String, String>> {
    let mut out = std::collections::HashMap::with_capacity(addresses.len());
    for chunk in addresses.chunks(1000) {
        for (id, email) in queries::ids_by_emails(conn, chunk)? {
            out.insert(email, id);
        }
    }
    Ok(out)
}

/// Where and in which language to write to each (enabled) member of an organisation.
pub fn member_contacts(
    conn: &mut DbConnection,
    organisation_id: &str,
) -> Result<Vec<(String, EmailAddress, Locale)>, AppError> {
    Ok(queries::members_of(conn, organisation_id)?
        .into_iter()
        .filter_map(|a| {
            let locale = a.locale();
            EmailAddress::parse(&a.email)
                .ok()
                .map(|e| (a.id, e, locale))
        })
        .collect())
}

/// Where to email those of many accounts whose address is confirmed and that are not disabled.
pub fn verified_contacts(
    conn: &mut DbConnection,
    account_ids: &[String],
) -> Result<std::collections::HashMap<String, (EmailAddress, Locale)>, AppError> {
    let mut out = std::collections::HashMap::with_capacity(account_ids.len());
    for chunk in account_ids.chunks(1000) {
        for a in queries::by_ids(conn, chunk)? {
            if a.email_verified_at.is_none() || a.disabled_at.is_some() {
                continue;
            }
            if let Ok(e) = EmailAddress::parse(&a.email) {
                let locale = a.locale();
                out.insert(a.id, (e, locale));
            }
        }
    }
    Ok(out)
}

/// Where to email many accounts, in their languages (loaded in chunks).
pub fn contacts(
    conn: &mut DbConnection,
    account_ids: &[String],
) -> Result<std::collections::HashMap<String, (EmailAddress, Locale)>, AppError> {
    let mut out = std::collections::HashMap::with_capacity(account_ids.len());
    for chunk in account_ids.chunks(1000) {
        for a in queries::by_ids(conn, chunk)? {
            if let Ok(e) = EmailAddress::parse(&a.email) {
                let locale = a.locale();
                out.insert(a.id, (e, locale));
            }
        }
    }
    Ok(out)
}

/// The organisation the account belongs to, if any (404 for an unknown account).
pub fn organisation_of(
    conn: &mut DbConnection,
    account_id: &str,
) -> Result<Option<String>, AppError> {
    Ok(queries::by_id(conn, account_id)?
        .ok_or(AppError::NotFound)?
        .organisation_id)
}

/// Makes the account a member of the organisation (inside the caller's transaction).
pub fn join_organisation(
    conn: &mut DbConnection,
    account_id: &str,
    organisation_id: &str,
) -> Result<(), AppError> {
    queries::set_organisation(conn, account_id, organisation_id, now())?;
    Ok(())
}

/// The caller an account is, for the adapters that authenticate it (the API's bearer token, the
/// cabinet's session cookie): `None` when it is disabled, its role unknown, or the session began
/// (`session_began`) before its password last changed.
pub fn caller_of(
    account: Account,
    org_status: Option<String>,
    session_began: chrono::NaiveDateTime,
    mut actor: Actor,
) -> Option<Caller> {
    // Compared to the millisecond, the precision access tokens carry.
    let ms = |t: chrono::NaiveDateTime| t.and_utc().timestamp_millis();
    if account.disabled_at.is_some() || ms(session_began) < ms(account.tokens_valid_after) {
        return None;
    }
    let role = account.role()?;
    actor.account_id = Some(account.id.clone());
    Some(Caller {
        role,
        locale: account.locale(),
        email_verified: account.email_verified_at.is_some(),
        organisation_approved: org_status.as_deref() == Some("approved"),
        organisation_id: account.organisation_id,
        email: account.email,
        account_id: account.id,
        actor,
    })
}

/// Who a cabinet session is: its cookie holds a refresh token that is only looked up, never
/// rotated, so the session is as revocable as the app's (sign-out, password change or reset,
/// a disabled account, reuse of a stolen token) and ends when that token expires.
pub async fn cabinet_caller(
    db: &Db,
    token: String,
    actor: Actor,
) -> Result<Option<Caller>, AppError> {
    db.run(move |c| {
        let Some(found) = queries::refresh_by_hash(c, &tokens::digest(&token))? else {
            return Ok(None);
        };
        if found.revoked_at.is_some() || found.used_at.is_some() || found.expires_at <= now() {
            return Ok(None);
        }
        Ok(queries::with_organisation_status(c, &found.account_id)?
            .and_then(|(account, org)| caller_of(account, org, found.created_at, actor)))
    })
    .await
}

/// The account behind a session and its organisation's status, for the authentication extractor.
pub fn session_account(
    conn: &mut DbConnection,
    account_id: &str,
) -> Result<Option<(Account, Option<String>)>, AppError> {
    Ok(queries::with_organisation_status(conn, account_id)?)
}

// --- erasure ---

/// What an erased account's address becomes: not an email address (it has no `@`), so no email
/// can be queued to it and no one can sign in with it, and unique as the column requires.
pub fn erased_placeholder(account_id: &str) -> String {
    format!("erased:{account_id}")
}

/// Whether an account was erased (its address is the placeholder).
pub fn is_erased(email: &str) -> bool {
    email.starts_with("erased:")
}

/// Her account after erasure, for the erasure's last email: where it went and in which language.
#[derive(Debug, Clone)]
pub struct ErasedAccount {
    pub email: EmailAddress,
    pub locale: Locale,
}

/// Erases the account's personal data inside the caller's transaction: the address becomes a
/// placeholder, the password unusable, the account disabled (every session ends at once), and
/// its refresh and one-time tokens and rate-limit counters go. The row stays, holding only ids
/// and dates, so that what other records say about "account X" keeps its counts. Returns the
/// address and language it had (for the last email), or `None` for an unknown or already
/// erased account.
pub fn erase_account(
    c: &mut DbConnection,
    account_id: &str,
) -> Result<Option<ErasedAccount>, AppError> {
    let Some(account) = queries::by_id(c, account_id)? else {
        return Ok(None);
    };
    if is_erased(&account.email) {
        return Ok(None);
    }
    let at = now();
    // Not a PHC string: `password::verify` finds no match for any password.
    queries::erase(
        c,
        account_id,
        &erased_placeholder(account_id),
        "!erased",
        at,
    )?;
    queries::delete_tokens(c, account_id)?;
    let digest = tokens::digest(&account.email);
    for bucket in [
        format!("login:email:{digest}"),
        format!("reset:email:{digest}"),
        format!("password_change:{account_id}"),
    ] {
        queries::clear_rate_events(c, &bucket)?;
    }
    let locale = account.locale();
    Ok(EmailAddress::parse(&account.email)
        .ok()
        .map(|email| ErasedAccount { email, locale }))
}
