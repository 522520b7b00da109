//! Demo data for `seed-demo` and `serve --demo`: accounts of every role and organisations with
//! Kazakh and Russian names, at a chosen scale, so the same tool feeds the benchmarks. Each
//! capability adds its step here. Every demo account has the password [`DEMO_PASSWORD`].

pub mod openings;

use crate::reports::tally::Metric;
use chrono::Datelike;
use diesel::{QueryDsl, RunQueryDsl};
use indicatif::{ProgressBar, ProgressStyle};

use crate::{
    accounts::{self, model::NewAccount},
    db::{Db, DbError, schema::accounts as accounts_table},
    error::AppError,
    kz,
    organisations::queries::{self as orgs, Organisation},
};

/// The password of every demo account (demo data only; listed in README).
pub const DEMO_PASSWORD: &str = "Demo-Almaty-2026";
/// The domain of every demo email address.
pub const DEMO_DOMAIN: &str = "demo.social-jobs.kz";

/// Demo data hold accounts with a public password: production refuses them.
pub fn refused_in(settings: &crate::config::Settings) -> Option<&'static str> {
    (settings.env == crate::config::Environment::Production).then_some(
        "demo data are refused in production: every demo account has the public password in the README",
    )
}

/// How much demo data to make.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoScale {
    /// Number of demo seekers to create.
    #[arg(long, default_value_t = 200)]
    pub seekers: u32,
    /// Number of published demo openings (jobs and courses, 3:2).
    #[arg(long, default_value_t = 60)]
    pub openings: u32,
    /// Demo wages start here; set from the configuration, not the command line.
    #[arg(skip = crate::config::Settings::default().minimum_wage_tiyn)]
    pub minimum_wage_tiyn: i64,
}

impl Default for DemoScale {
    fn default() -> Self {
        DemoScale {
            seekers: 200,
            openings: 60,
            minimum_wage_tiyn: crate::config::Settings::default().minimum_wage_tiyn,
        }
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct DemoReport {
    pub accounts: usize,
    pub organisations: usize,
    pub households: usize,
    pub openings: usize,
    pub applications: usize,
    /// Offers made by the demo's completed matching round.
    pub offers: usize,
    /// Course enrollments with last month's attendance, and the stipend payouts made for it (in
    /// one settled batch).
    pub enrollments: usize,
    pub payouts: usize,
    /// Job placements with wage reports (confirmed, returned, submitted, some months unreported)
    /// and the wage subsidies made from them (the oldest month paid in a settled batch).
    pub placements: usize,
    pub wage_reports: usize,
    pub subsidies: usize,
    /// True when demo data was there already and nothing was added.
    pub already_seeded: bool,
}

/// A demo organisation: kind, name, district, approved.
type DemoOrg = (&'static str, &'static str, &'static str, bool);

/// (account email local part, role, the organisation it registered).
const STAFF_AND_MEMBERS: &[(&str, &str, Option<DemoOrg>)] = &[
    ("admin", "admin", None),
    ("caseworker", "caseworker", None),
    (
        "employer.tazalyq",
        "employer",
        Some(("employer", "ТОО «Алматы Тазалық»", "almaly", true)),
    ),
    (
        "employer.bakytty",
        "employer",
        Some(("employer", "ИП «Бақытты отбасы» тігін цехы", "auezov", true)),
    ),
    (
        "employer.zhasyl",
        "employer",
        Some((
            "employer",
            "ТОО «Жасыл қала» (озеленение)",
            "bostandyk",
            true,
        )),
    ),
    (
        "employer.damdi",
        "employer",
        Some((
            "employer",
            "ТОО «Дәмді ас» (школьное питание)",
            "almaly",
            true,
        )),
    ),
    (
        "employer.bereke",
        "employer",
        Some(("employer", "ТОО «Береке Маркет»", "turksib", true)),
    ),
    (
        "employer.pending",
        "employer",
        Some(("employer", "ТОО «Новая пекарня»", "turksib", false)),
    ),
    (
        "provider.college",
        "provider",
        Some((
            "provider",
            "Алматинский колледж сервиса и технологий",
            "zhetysu",
            true,
        )),
    ),
    (
        "provider.bolashak",
        "provider",
        Some(("provider", "«Болашақ» оқу орталығы", "medeu", true)),
    ),
];

/// Whether the database has no accounts yet (`serve --demo` seeds only then).
pub async fn is_empty(db: &Db) -> Result<bool, DbError> {
    let n: i64 = db
        .run(|c| {
            accounts_table::table
                .count()
                .get_result(c)
                .map_err(DbError::from)
        })
        .await?;
    Ok(n == 0)
}

/// A valid resident-entity BIN for demo organisation `n`.
fn demo_bin(n: u32) -> String {
    (0..100u32)
        .find_map(|k| {
            let body = format!("2604400{:04}", (n * 37 + k) % 10_000);
            let digits: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
            let first: [u8; 11] = digits.try_into().ok()?;
            kz::check_digit(&first).map(|c| format!("{body}{c}"))
        })
        .unwrap_or_default()
}

pub async fn seed(db: &Db, scale: &DemoScale, show_progress: bool) -> Result<DemoReport, AppError> {
    if !is_empty(db).await? {
        return Ok(DemoReport {
            already_seeded: true,
            ..DemoReport::default()
        });
    }
    // One hash for every demo account: hashing 100,000 passwords would take an hour.
    let hash = tokio::task::spawn_blocking(|| accounts::password::hash(DEMO_PASSWORD))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::Internal(anyhow::anyhow!("hashing: {e}")))?;
    let bar = if show_progress {
        ProgressBar::new(u64::from(scale.seekers) + STAFF_AND_MEMBERS.len() as u64).with_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} accounts {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        )
    } else {
        ProgressBar::hidden()
    };
    let account = |email: String, role: &str, hash: &str| {
        let now = db.now();
        NewAccount {
            id: uuid::Uuid::now_v7().to_string(),
            email,
            password_hash: hash.to_owned(),
            role: role.to_owned(),
            locale: if role == "admin" || role == "caseworker" {
                "ru".into()
            } else {
                "kk".into()
            },
            email_verified_at: Some(now),
            tokens_valid_after: now,
            created_at: now,
            updated_at: now,
        }
    };
    let members: Vec<(NewAccount, Option<Organisation>)> = STAFF_AND_MEMBERS
        .iter()
        .enumerate()
        .map(|(i, (local, role, org))| {
            let acc = account(format!("{local}@{DEMO_DOMAIN}"), role, &hash);
            let org = org.map(|(kind, name, district, approved)| {
                let now = db.now();
                Organisation {
                    id: uuid::Uuid::now_v7().to_string(),
                    kind: kind.into(),
                    name: name.into(),
                    bin: demo_bin(i as u32),
                    district: district.into(),
                    contact_name: "Айгерім Сейітқызы".into(),
                    contact_phone: format!("+7 701 555 00 {:02}", i),
                    contact_email: format!("{local}@{DEMO_DOMAIN}"),
                    status: if approved {
                        "approved".into()
                    } else {
                        "pending".into()
                    },
                    approved_at: approved.then_some(now),
                    approved_by: None,
                    created_by: acc.id.clone(),
                    created_at: now,
                    updated_at: now,
                    iban: None,
                    bank_changed_at: None,
                }
            });
            (acc, org)
        })
        .collect();
    let organisations = members.iter().filter(|(_, o)| o.is_some()).count();
    let mut posters = openings::Posters {
        employers: vec![],
        providers: vec![],
    };
    for (acc, org) in &members {
        if let Some(org) = org.as_ref().filter(|o| o.status == "approved") {
            let who = (org.id.clone(), acc.id.clone());
            match org.kind.as_str() {
                "employer" => posters.employers.push(who),
                _ => posters.providers.push(who),
            }
        }
    }
    db.transaction(move |c| {
        for (acc, org) in &members {
            accounts::queries::insert_account(c, acc)?;
            if let Some(org) = org {
                orgs::insert(c, org)?;
                accounts::queries::set_organisation(c, &acc.id, &org.id, org.created_at)?;
            }
        }
        Ok::<_, AppError>(())
    })
    .await?;
    bar.inc(STAFF_AND_MEMBERS.len() as u64);
    bar.set_message("seekers");
    let mut made = 0u32;
    while made < scale.seekers {
        // Many rows a statement, 10,000 a transaction: the rows of one batch are all in memory.
        let batch = (scale.seekers - made).min(10_000);
        let rows: Vec<NewAccount> = (made..made + batch)
            .map(|i| account(format!("seeker{}@{DEMO_DOMAIN}", i + 1), "seeker", &hash))
            .collect();
        db.transaction(move |c| {
            accounts::queries::insert_accounts(c, &rows)?;
            Ok::<_, AppError>(())
        })
        .await?;
        made += batch;
        bar.inc(u64::from(batch));
    }
    bar.set_message("programmes and households");
    let (households, jobs_programme, courses_programme) = db
        .transaction(move |c| seed_programmes_and_households(c, made))
        .await?;
    bar.finish_with_message("accounts done");
    let bar = if show_progress {
        ProgressBar::new(u64::from(scale.openings)).with_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} openings")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        )
    } else {
        ProgressBar::hidden()
    };
    let posters = std::sync::Arc::new(posters);
    let today = db.today();
    let mut openings_made = 0;
    let mut from = 0;
    while from < scale.openings {
        let to = (from + 500).min(scale.openings);
        let (p, jp, cp, wage) = (
            posters.clone(),
            jobs_programme.clone(),
            courses_programme.clone(),
            scale.minimum_wage_tiyn,
        );
        openings_made += db
            .transaction(move |c| openings::seed(c, from, to, &p, &jp, &cp, wage, today))
            .await?;
        bar.inc(u64::from(to - from));
        from = to;
    }
    bar.finish();
    let (applications, offers) = seed_round(db, &jobs_programme).await?;
    let (enrollments, payouts) = seed_stipends(db, &courses_programme).await?;
    let (placements, wage_reports, subsidies) = seed_subsidies(db, &jobs_programme).await?;
    // A bulk load leaves the planner without statistics until autovacuum (or, on SQLite, never).
    db.analyze(true).await?;
    Ok(DemoReport {
        accounts: STAFF_AND_MEMBERS.len() + scale.seekers as usize,
        organisations,
        households,
        openings: openings_made,
        applications,
        offers,
        enrollments,
        payouts,
        placements,
        wage_reports,
        subsidies,
        already_seeded: false,
    })
}

/// Each eligible demo seeker applies to three jobs (two in or near her district first), and one
/// round of the jobs programme runs to the end, so offers and explanations are there at once.
async fn seed_round(db: &Db, jobs_programme: &str) -> Result<(usize, usize), AppError> {
    use crate::matching::{applications, queries::RoundRow, rounds};
    let programme = jobs_programme.to_owned();
    let (applied, round) = db
        .transaction(move |c| {
            let today = crate::seekers::service::almaty_today();
            let openings = crate::openings::service::published_in(
                c,
                &programme,
                crate::openings::model::OpeningKind::Job,
            )?;
            let seekers: Vec<String> = accounts_table::table
                .filter(diesel::ExpressionMethods::eq(
                    accounts_table::role,
                    "seeker",
                ))
                .order(accounts_table::created_at)
                .select(accounts_table::id)
                .limit(30)
                .load(c)?;
            let mut applied = 0;
            for (i, seeker) in seekers.iter().enumerate() {
                let eligible = crate::seekers::service::decisions(c, seeker, today)?
                    .iter()
                    .any(|d| d.programme_id == programme && d.eligible);
                if !eligible || openings.is_empty() {
                    continue;
                }
                // Popular openings get several applicants, so the round has ties to explain.
                for k in 0..3 {
                    let o = &openings[(i / 3 + k * 2) % openings.len().min(8)];
                    if applications::submit(c, seeker, &o.id, None, 5).is_ok() {
                        applied += 1;
                    }
                }
            }
            let programme_row =
                crate::programmes::service::find(c, &programme)?.ok_or(AppError::NotFound)?;
            let round = RoundRow {
                id: uuid::Uuid::now_v7().to_string(),
                programme_id: programme.clone(),
                kind: "job".into(),
                status: "running".into(),
                seed: 20_261_129,
                rules_version: programme_row.version,
                algorithm: rounds::ALGORITHM.into(),
                progress: 0,
                seekers: 0,
                applications: 0,
                offers: 0,
                error: None,
                started_by: "seed-demo".into(),
                created_at: crate::db::now(),
                finished_at: None,
            };
            rounds::start_in(c, &round)?;
            Ok::<_, AppError>((applied, round.id))
        })
        .await?;
    rounds::run(db, &crate::config::Settings::default(), &round).await?;
    let offers = db
        .run(move |c| {
            crate::matching::queries::round(c, &round)
                .map_err(AppError::from)
                .map(|r| r.map_or(0, |r| r.offers as usize))
        })
        .await?;
    Ok((applied, offers))
}

/// A valid KZ IBAN (ISO 13616 mod-97) for demo account `n`.
pub fn demo_iban(n: u32) -> String {
    let bban = format!("125KZT{:010}", 5_004_100_000u64 + u64::from(n));
    // Move "KZ00" to the end, letters to numbers (A = 10 … Z = 35), and take the remainder.
    let digits: String = format!("{bban}KZ00")
        .chars()
        .map(|c| c.to_digit(36).map_or(String::new(), |d| d.to_string()))
        .collect();
    let rem = digits
        .bytes()
        .fold(0u32, |acc, b| (acc * 10 + u32::from(b - b'0')) % 97);
    format!("KZ{:02}{bban}", 98 - rem)
}

/// Course stipends end to end: eligible demo mothers get course places through a round, two
/// months of attendance are recorded and closed, the payout cycle runs, the older month's batch is
/// exported and settled by a bank confirmation, and last month's payouts wait `scheduled`. Rows
/// are written directly where a person would act.
async fn seed_stipends(db: &Db, courses_programme: &str) -> Result<(usize, usize), AppError> {
    use crate::{
        attendance::queries as marks,
        matching::{applications, queries as m, queries::RoundRow, rounds},
        openings::{model::OpeningKind, service as openings},
    };
    let programme = courses_programme.to_owned();
    let round = db
        .transaction(move |c| {
            let courses = openings::published_in(c, &programme, OpeningKind::Course)?;
            let Some(course) = courses.first() else {
                return Ok::<_, AppError>(None);
            };
            let today = crate::seekers::service::almaty_today();
            let seekers: Vec<String> = accounts_table::table
                .filter(diesel::ExpressionMethods::eq(
                    accounts_table::role,
                    "seeker",
                ))
                .order(accounts_table::created_at)
                .select(accounts_table::id)
                .limit(30)
                .load(c)?;
            for seeker in &seekers {
                let eligible = crate::seekers::service::decisions(c, seeker, today)?
                    .iter()
                    .any(|d| d.programme_id == programme && d.eligible);
                if eligible {
                    let _ = applications::submit(c, seeker, &course.id, None, 5);
                }
            }
            let version = crate::programmes::service::find(c, &programme)?.map_or(1, |p| p.version);
            let round = RoundRow {
                id: uuid::Uuid::now_v7().to_string(),
                programme_id: programme.clone(),
                kind: "course".into(),
                status: "running".into(),
                seed: 20_261_130,
                rules_version: version,
                algorithm: rounds::ALGORITHM.into(),
                progress: 0,
                seekers: 0,
                applications: 0,
                offers: 0,
                error: None,
                started_by: "seed-demo".into(),
                created_at: crate::db::now(),
                finished_at: None,
            };
            rounds::start_in(c, &round)?;
            Ok(Some(round.id))
        })
        .await?;
    let Some(round) = round else {
        return Ok((0, 0));
    };
    let settings = crate::config::Settings::default();
    rounds::run(db, &settings, &round).await?;
    let enrolled = db
        .transaction(move |c| {
            let now = crate::db::now();
            // The last two months, three sessions each; the mothers come to all but some are late
            // once. Both months are closed: the older one is paid through the bank below, last
            // month's payouts stay `scheduled`, so the demo shows both.
            let today = crate::seekers::service::almaty_today();
            let month = |back: u32| {
                today
                    .checked_sub_months(chrono::Months::new(back))
                    .and_then(|d| d.with_day(1))
                    .unwrap_or(today)
            };
            let months = [month(2), month(1)];
            let period =
                |first: chrono::NaiveDate| format!("{:04}-{:02}", first.year(), first.month());
            let offers: Vec<m::OfferRow> = crate::db::schema::offers::table
                .filter(diesel::ExpressionMethods::eq(
                    crate::db::schema::offers::round_id,
                    &round,
                ))
                .select(diesel::SelectableHelper::as_select())
                .load(c)?;
            let mut sessions = Vec::new();
            let mut enrolled = 0;
            for (k, o) in offers.iter().enumerate() {
                if !openings::take_place(c, &o.opening_id)? {
                    continue;
                }
                // The demo tells a history: this course has run since the older month, and she
                // has been on it from its first day (sessions lie within a course's dates, and a
                // month before her enrollment is owed nothing).
                let since = months[0];
                if sessions.is_empty() {
                    ran_since(c, &o.opening_id, since, today)?;
                }
                let enrolled_at = since.and_hms_opt(3, 0, 0).unwrap_or(now);
                m::decide_offer(c, &o.id, "accepted", now)?;
                m::set_status(c, &o.application_id, &["offered"], "accepted", now)?;
                let e = m::EnrollmentRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    offer_id: o.id.clone(),
                    seeker_id: o.seeker_id.clone(),
                    opening_id: o.opening_id.clone(),
                    status: "active".into(),
                    created_at: enrolled_at,
                    updated_at: enrolled_at,
                };
                m::insert_enrollment(c, &e)?;
                // The history counts in the city's figures in the month it tells of.
                let then = period(since);
                let mut tally = crate::reports::tally::Tally::new();
                tally.add(c, &o.opening_id, &then, Metric::OffersAccepted, 1, 0)?;
                tally.add(c, &o.opening_id, &then, Metric::Enrollments, 1, 0)?;
                tally.save(c)?;
                if sessions.is_empty() {
                    for first in months {
                        for day in [2u64, 9, 16] {
                            let date = first + chrono::Days::new(day);
                            let at = |h| {
                                crate::openings::calendar::almaty_to_utc(
                                    date,
                                    chrono::NaiveTime::from_hms_opt(h, 0, 0).unwrap_or_default(),
                                )
                            };
                            let (Some(s), Some(t)) = (at(10), at(13)) else {
                                continue;
                            };
                            sessions.push(openings::add_session(c, &o.opening_id, s, t)?.id);
                        }
                    }
                }
                for (j, session) in sessions.iter().enumerate() {
                    let status = if k % 3 == 1 && j % 3 == 2 {
                        "late"
                    } else {
                        "present"
                    };
                    marks::insert(
                        c,
                        &marks::AttendanceRow {
                            session_id: session.clone(),
                            enrollment_id: e.id.clone(),
                            status: status.into(),
                            note: None,
                            recorded_by: "seed-demo".into(),
                            recorded_at: now,
                        },
                    )?;
                }
                enrolled += 1;
            }
            if let Some(o) = offers.first() {
                for first in months {
                    marks::close(c, &o.opening_id, &period(first), "seed-demo", now)?;
                }
            }
            Ok::<_, AppError>((enrolled, period(months[0])))
        })
        .await?;
    let (enrolled, period) = enrolled;
    let run = crate::payouts::cycle::run(db, &settings, None).await?;
    // The older month's batch goes to the bank and comes back paid.
    settle(db, period, "DEMO-").await?;
    Ok((enrolled, run.created))
}

/// Wage subsidies end to end: six of the demo round's job offers are accepted and the placements
/// began three months ago (one ended last month). Their employers report each month: the oldest
/// month is confirmed and paid through a settled batch; of the next, one report was returned with
/// a note (above the declared wage) and one month is unreported (overdue); of last month some
/// reports wait in the case workers' queue and the others are due. Rows are written directly
/// where a person would act.
async fn seed_subsidies(db: &Db, jobs_programme: &str) -> Result<(usize, usize, usize), AppError> {
    use crate::{
        matching::queries as m,
        openings::service as openings,
        subsidies::queries::{self as reports, WageReportRow},
    };
    let programme = jobs_programme.to_owned();
    let seeded = db
        .transaction(move |c| {
            let now = crate::db::now();
            let today = crate::seekers::service::almaty_today();
            let month = |back: u32| {
                today
                    .checked_sub_months(chrono::Months::new(back))
                    .and_then(|d| d.with_day(1))
                    .unwrap_or(today)
            };
            let period =
                |first: chrono::NaiveDate| format!("{:04}-{:02}", first.year(), first.month());
            let caseworker =
                crate::accounts::queries::by_email(c, &format!("caseworker@{DEMO_DOMAIN}"))?
                    .map(|a| a.id)
                    .unwrap_or_default();
            let offers: Vec<m::OfferRow> = crate::db::schema::offers::table
                .filter(diesel::ExpressionMethods::eq(
                    crate::db::schema::offers::status,
                    "pending",
                ))
                .order(crate::db::schema::offers::id)
                .select(diesel::SelectableHelper::as_select())
                .load(c)?;
            let mut placed = Vec::new();
            for o in offers {
                if placed.len() == 6 {
                    break;
                }
                let Some(facts) = openings::facts_of(c, &o.opening_id)? else {
                    continue;
                };
                if facts.programme_id != programme || !openings::take_place(c, &o.opening_id)? {
                    continue;
                }
                let k = placed.len();
                let started = month(3) + chrono::Days::new(4);
                // The last one was hired on permanent staff in the middle of last month.
                let ended = (k == 5).then(|| month(1) + chrono::Days::new(13));
                m::decide_offer(c, &o.id, "accepted", now)?;
                m::set_status(c, &o.application_id, &["offered"], "accepted", now)?;
                let row = m::PlacementRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    offer_id: o.id.clone(),
                    seeker_id: o.seeker_id.clone(),
                    opening_id: o.opening_id.clone(),
                    status: if ended.is_some() { "ended" } else { "active" }.into(),
                    started_on: Some(started),
                    ended_on: ended,
                    end_reason: ended.map(|_| "hired".to_owned()),
                    created_at: now,
                    updated_at: now,
                };
                m::insert_placement(c, &row)?;
                let mut tally = crate::reports::tally::Tally::new();
                let (then, p) = (
                    crate::reports::tally::period_of_date(started),
                    &o.opening_id,
                );
                tally.add(c, p, &then, Metric::OffersAccepted, 1, 0)?;
                tally.add(c, p, &then, Metric::PlacementsStarted, 1, 0)?;
                if let Some(d) = ended {
                    let ended_in = crate::reports::tally::period_of_date(d);
                    tally.add(c, p, &ended_in, Metric::PlacementsEnded("hired"), 1, 0)?;
                }
                tally.save(c)?;
                crate::organisations::queries::set_bank_account(
                    c,
                    &facts.organisation_id,
                    &demo_iban(900 + k as u32),
                    now,
                )?;
                placed.push((row, facts));
            }
            let mut made = 0;
            let declared_of =
                |f: &crate::openings::service::OpeningFacts| f.wage_monthly_tiyn.unwrap_or(0);
            for (k, (p, facts)) in placed.iter().enumerate() {
                let member = crate::accounts::service::member_contacts(c, &facts.organisation_id)?
                    .into_iter()
                    .next()
                    .map(|(id, _, _)| id)
                    .unwrap_or_default();
                for (back, first) in [(3u32, month(3)), (2, month(2)), (1, month(1))] {
                    // (status, gross, flags, note); None: not reported.
                    let declared = declared_of(facts);
                    let report = match (back, k) {
                        // Her first month began on the 5th: paid for the days worked.
                        (3, _) => Some(("confirmed", declared * 27 / 30, "[]", None)),
                        (2, 1) => Some((
                            "returned",
                            declared + 1_500_000,
                            r#"["above_declared_wage"]"#,
                            Some(
                                "Зарплата выше заявленной в вакансии: приложите приказ о надбавке.",
                            ),
                        )),
                        (2, 2) => None,
                        (2, _) => Some(("confirmed", declared, "[]", None)),
                        (1, k) if k % 2 == 0 => Some(("submitted", declared, "[]", None)),
                        _ => None,
                    };
                    let Some((status, gross, flags, note)) = report else {
                        continue;
                    };
                    let decided = status != "submitted";
                    reports::insert(
                        c,
                        &WageReportRow {
                            id: uuid::Uuid::now_v7().to_string(),
                            placement_id: p.id.clone(),
                            organisation_id: facts.organisation_id.clone(),
                            period: period(first),
                            days_worked: if back == 3 { 11 } else { 13 },
                            gross_wage_tiyn: gross,
                            payroll_reference: format!("ВЕД-{}-{:03}", period(first), k + 1),
                            status: status.into(),
                            flags: flags.into(),
                            decision_note: note.map(str::to_owned),
                            submitted_by: member.clone(),
                            decided_by: decided.then(|| caseworker.clone()),
                            decided_at: decided.then_some(now),
                            created_at: now,
                            updated_at: now,
                        },
                    )?;
                    made += 1;
                }
            }
            Ok::<_, AppError>((placed.len(), made, period(month(3))))
        })
        .await?;
    let (placements, made, oldest) = seeded;
    let settings = crate::config::Settings::default();
    let run = crate::subsidies::cycle::run(db, &settings, None).await?;
    // The oldest month's subsidies go to the bank and come back paid.
    settle(db, oldest, "DEMO-S").await?;
    Ok((placements, made, run.created))
}

/// A month's batch goes to the bank and comes back paid, line by line (`reference` numbers the
/// bank's references).
async fn settle(db: &Db, period: String, reference: &'static str) -> Result<(), AppError> {
    let public_url = crate::config::Settings::default().public_url;
    db.transaction(move |c| {
        let actor = crate::audit::Actor::default();
        let Ok(batch) = crate::payouts::batches::create_in(c, &actor, "seed-demo", &period) else {
            return Ok::<_, AppError>(());
        };
        let file = crate::payouts::batches::export_in(c, &actor, &batch.id)?;
        let mut confirmation = String::from("payout_id,status,amount_kzt,reference,reason\n");
        for (n, line) in file.lines().skip(1).enumerate() {
            let cols: Vec<&str> = line.split(',').collect();
            if let (Some(id), Some(amount)) = (cols.get(1), cols.get(6)) {
                confirmation.push_str(&format!("{id},paid,{amount},{reference}{n:04},\n"));
            }
        }
        crate::payouts::batches::confirm_text_in(c, &actor, &batch.id, &confirmation, &public_url)?;
        Ok(())
    })
    .await
}

/// Moves a demo course's dates so that it has run since `first` (deadline a week before) and is
/// still running `today`.
fn ran_since(
    c: &mut crate::db::DbConnection,
    opening_id: &str,
    first: chrono::NaiveDate,
    today: chrono::NaiveDate,
) -> Result<(), AppError> {
    use crate::openings::queries;
    let Some(mut row) = queries::find(c, opening_id)? else {
        return Ok(());
    };
    row.application_deadline = first - chrono::Days::new(7);
    row.start_date = first;
    row.end_date = Some(
        row.end_date
            .unwrap_or(today)
            .max(today + chrono::Days::new(30)),
    );
    queries::update(c, &row)?;
    Ok(())
}

/// The example programme pair, and profiles with households for the first seekers, spread across the
/// priority tiers: large low-income families (verified), single mothers (pending), families above the
/// income line (unverified). Returns the number of households.
fn seed_programmes_and_households(
    c: &mut crate::db::DbConnection,
    seekers: u32,
) -> Result<(usize, String, String), AppError> {
    use chrono::NaiveDate;

    use crate::seekers::{
        household::{self, Income, IncomeSource, Member, Relation},
        queries::{HouseholdRow, ProfileRow},
    };

    let jobs = crate::programmes::service::insert(
        c,
        &crate::programmes::examples::social_jobs(crate::db::today()),
        None,
        true,
    )?;
    let courses = crate::programmes::service::insert(
        c,
        &crate::programmes::examples::short_courses(crate::db::today()),
        None,
        true,
    )?;
    const NAMES: [&str; 6] = [
        "Айгүл Сейітқызы",
        "Гүлнар Әбдіқызы",
        "Мария Иванова",
        "Динара Жұмабаева",
        "Сәуле Нұрланқызы",
        "Ольга Ким",
    ];
    const DISTRICTS: [&str; 4] = ["alatau", "auezov", "turksib", "nauryzbay"];
    let today = crate::db::today();
    let now = crate::db::now();
    let ids: Vec<String> = accounts_table::table
        .filter(diesel::ExpressionMethods::eq(
            accounts_table::role,
            "seeker",
        ))
        .order(accounts_table::created_at)
        .select(accounts_table::id)
        .limit(i64::from(seekers.min(30)))
        .load(c)?;
    let mut made = 0;
    for (i, account_id) in ids.iter().enumerate() {
        let birth = NaiveDate::from_ymd_opt(
            1984 + (i % 10) as i32,
            1 + (i % 12) as u32,
            1 + (i % 27) as u32,
        )
        .unwrap_or_default();
        // A woman born in the 1900s: century/sex digit 4; the serial makes it unique.
        let Some(iin) = (0..50u32).find_map(|k| {
            let body = format!(
                "{}4{:04}",
                birth.format("%y%m%d"),
                (i as u32 * 53 + k) % 10_000
            );
            let digits: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
            let first: [u8; 11] = digits.try_into().ok()?;
            kz::check_digit(&first).map(|d| format!("{body}{d}"))
        }) else {
            continue;
        };
        let (children, salary, spouse, status) = match i % 3 {
            0 => (5, 9_000_000, true, "verified"), // large family, low income
            1 => (2, 6_000_000, false, "pending"), // single mother, low income
            _ => (1, 60_000_000, true, "unverified"), // above the income line
        };
        let mut members = vec![Member {
            relation: Relation::Myself,
            birth_date: birth,
            disability: false,
            incomes: vec![Income {
                source: IncomeSource::Salary,
                monthly_tiyn: salary,
            }],
        }];
        if spouse {
            members.push(Member {
                relation: Relation::Spouse,
                birth_date: birth,
                disability: i % 6 == 0,
                incomes: vec![],
            });
        }
        for k in 0..children {
            let year = 2010 + ((i + k * 2) % 14) as i32;
            members.push(Member {
                relation: Relation::Child,
                birth_date: NaiveDate::from_ymd_opt(year, 6, 1).unwrap_or_default(),
                disability: false,
                incomes: vec![],
            });
        }
        let derived = household::derive(&members, today);
        crate::seekers::queries::insert(
            c,
            &ProfileRow {
                account_id: account_id.clone(),
                iin,
                birth_date: birth,
                sex: "female".into(),
                full_name: NAMES[i % NAMES.len()].into(),
                name_key: crate::seekers::profile::name_key(NAMES[i % NAMES.len()]),
                phone: format!("+7701{:07}", 1_000_000 + i),
                district: DISTRICTS[i % DISTRICTS.len()].into(),
                skills: r#"["тігін","тазалық","кассир"]"#.into(),
                languages: r#"["kk","ru"]"#.into(),
                employment: "part_time".into(),
                hours_per_week: 20 + (i % 3) as i32 * 10,
                needs_childcare: children > 2,
                // Every demo mother can be paid: a valid KZ IBAN of her own.
                iban: Some(demo_iban(i as u32)),
                created_at: now,
                updated_at: now,
            },
        )?;
        crate::seekers::queries::save_household(
            c,
            &HouseholdRow {
                id: uuid::Uuid::now_v7().to_string(),
                account_id: account_id.clone(),
                members: serde_json::to_string(&members)
                    .map_err(|e| AppError::Internal(e.into()))?,
                member_count: derived.members,
                minors: derived.minors,
                total_income_tiyn: derived.total_income_tiyn,
                per_capita_income_tiyn: derived.per_capita_income_tiyn,
                has_disability: derived.has_disability,
                status: status.into(),
                submitted_at: (status != "unverified").then_some(now),
                decided_at: (status == "verified").then_some(now),
                decided_by: None,
                decision_note: None,
                created_at: now,
                updated_at: now,
            },
            false,
        )?;
        made += 1;
    }
    Ok((made, jobs.id, courses.id))
}
