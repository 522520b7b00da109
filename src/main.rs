//! The `social-jobs` command: serve, migrate, openapi, create-admin, seed-demo.

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};

use social_jobs::{
    clock::Clock,
    config::Settings,
    demo::{self, DemoScale},
    http,
    startup::{self, Application},
    telemetry,
};

#[derive(Parser)]
#[command(
    version,
    about = "Social jobs and stipended courses for low-income families"
)]
struct Cli {
    /// An optional TOML settings file (the environment still wins over it).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service (the default).
    Serve {
        /// On an empty database, load the demo data first.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI description (YAML).
    Openapi,
    /// Enqueue one run of a periodic job now (workers of a running `serve` pick it up).
    RunJob {
        /// A name from the schedule, e.g. purge_finished_jobs.
        name: String,
    },
    /// Create the first administrator; the password is read from standard input.
    CreateAdmin {
        #[arg(long)]
        email: String,
    },
    /// Load realistic demo data.
    SeedDemo {
        #[command(flatten)]
        scale: DemoScale,
    },
}

/// glibc gives each thread that finds the others' arenas busy an arena of its own (up to 8 per
/// core) and keeps what was freed in each: under browse load `serve` on SQLite (SQLite's page
/// caches move between the pool's threads) held 148 MB, 96 MB with two arenas at the same
/// speed. mimalloc instead held 260 MB (it commits whole segments per thread), 117 MB tuned and
/// a third slower. Set before any thread starts, so every arena created after obeys it.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn limit_malloc_arenas() {
    // An environment setting (MALLOC_ARENA_MAX) wins: glibc read it before main.
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets an allocator parameter; no other thread exists yet.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn limit_malloc_arenas() {}

fn main() -> ExitCode {
    limit_malloc_arenas();
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        // Needs neither settings nor a database.
        return match http::openapi().to_yaml() {
            Ok(yaml) => {
                print!("{yaml}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let settings = match Settings::load(cli.config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    telemetry::init(settings.log_format, &settings.log_level);
    let result = actix_web::rt::System::new().block_on(run(cli.command, settings));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "stopped with an error");
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Option<Command>, settings: Settings) -> anyhow::Result<()> {
    match command.unwrap_or(Command::Serve { demo: false }) {
        Command::Serve { demo } => {
            if demo && let Some(why) = demo::refused_in(&settings) {
                anyhow::bail!(why);
            }
            let settings_wage = settings.minimum_wage_tiyn;
            let app = Application::build(settings, Clock::system()).await?;
            if demo && demo::is_empty(app.db()).await? {
                let scale = DemoScale {
                    minimum_wage_tiyn: settings_wage,
                    ..DemoScale::default()
                };
                let report = demo::seed(app.db(), &scale, false)
                    .await
                    .map_err(|e| anyhow::anyhow!(describe(&e)))?;
                tracing::info!(
                    ?report,
                    "demo data loaded (the demo password is in the README)"
                );
            }
            tracing::info!(
                "docs at http://127.0.0.1:{}/docs/ (health: /health, readiness: /ready)",
                app.port()
            );
            app.run_until_stopped().await?;
        }
        Command::Migrate => {
            let db = startup::connect(&settings, Clock::system())?;
            let applied = db.migrate().await?;
            println!(
                "applied {} migration(s) on {}",
                applied.len(),
                db.backend().name()
            );
        }
        Command::Openapi => unreachable_openapi(),
        Command::RunJob { name } => {
            let db = startup::connect(&settings, Clock::system())?;
            db.migrate().await?;
            let schedule: Vec<String> = settings.schedule.keys().cloned().collect();
            match social_jobs::jobs::service::run_now(&db, &schedule, &name).await {
                Ok(job) => println!("enqueued {} as job {}", job.kind, job.job_id),
                Err(_) => anyhow::bail!(
                    "no periodic job is named '{name}'; configured: {}",
                    schedule.join(", ")
                ),
            }
        }
        Command::CreateAdmin { email } => {
            let email = social_jobs::notifications::EmailAddress::parse(&email)
                .map_err(|e| anyhow::anyhow!("--email: {e}"))?;
            let mut password = String::new();
            std::io::stdin().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            let db = startup::connect(&settings, Clock::system())?;
            db.migrate().await?;
            match social_jobs::accounts::service::create_first_admin(&db, email, password).await {
                Ok(admin) => println!("created admin {} ({})", admin.email, admin.id),
                Err(e) => anyhow::bail!("{}", describe(&e)),
            }
        }
        Command::SeedDemo { mut scale } => {
            if let Some(why) = demo::refused_in(&settings) {
                anyhow::bail!(why);
            }
            scale.minimum_wage_tiyn = settings.minimum_wage_tiyn;
            let db = startup::connect(&settings, Clock::system())?;
            db.migrate().await?;
            let report = demo::seed(&db, &scale, true)
                .await
                .map_err(|e| anyhow::anyhow!(describe(&e)))?;
            if report.already_seeded {
                println!("the database has accounts already; demo data was not added");
            } else {
                println!(
                    "demo data: {} accounts, {} organisations, {} households, 2 example programmes, {} openings, {} applications, a completed matching round with {} offers, {} course enrollments with a month of attendance and {} stipends paid in a settled batch, {} job placements with {} wage reports and {} wage subsidies (the password of every demo account is in the README)",
                    report.accounts,
                    report.organisations,
                    report.households,
                    report.openings,
                    report.applications,
                    report.offers,
                    report.enrollments,
                    report.payouts,
                    report.placements,
                    report.wage_reports,
                    report.subsidies,
                );
            }
        }
    }
    Ok(())
}

/// A CLI-friendly description of a service error (field problems spelled out, in English).
fn describe(e: &social_jobs::error::AppError) -> String {
    let body = e.problem().body(social_jobs::http::locale::Locale::En);
    let fields: Vec<String> = body
        .errors
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    if fields.is_empty() {
        body.detail
    } else {
        format!("{} {}", body.detail, fields.join("; "))
    }
}

fn unreachable_openapi() {
    // Handled in `main` before settings are read.
}
