//! The `porchlight` command: `serve` (default), `migrate`, `openapi`, `create-staff`,
//! `seed-demo`.

use std::fmt::Write as _;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use porchlight::config::{AppEnv, Settings};
use porchlight::{Application, auth, db, demo, openapi_yaml, telemetry};

#[derive(Parser)]
#[command(name = "porchlight", version, about = "Porchlight's REST API")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations and serve the API (the default).
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Print the OpenAPI document as YAML (this is what openapi.yaml holds).
    Openapi,
    /// Create a staff account.
    CreateStaff {
        #[arg(long)]
        email: String,
        /// Also read from STAFF_PASSWORD, which keeps it out of the process list.
        #[arg(long, env = "STAFF_PASSWORD", hide_env_values = true)]
        password: String,
        #[arg(long)]
        name: String,
    },
    /// Fill a development database with a small demo marketplace (not in production).
    SeedDemo,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Openapi = command {
        return match openapi_yaml() {
            Ok(yaml) => {
                print!("{yaml}");
                ExitCode::SUCCESS
            }
            Err(error) => fail(&format!("cannot render the OpenAPI document: {error}")),
        };
    }

    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("porchlight: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(settings.log_format);

    match command {
        Command::Openapi => unreachable!("handled above"),
        Command::Serve => serve(settings),
        Command::Migrate => migrate(&settings),
        Command::CreateStaff {
            email,
            password,
            name,
        } => create_staff(&settings, &email, &password, &name),
        Command::SeedDemo => seed_demo(&settings),
    }
}

fn serve(settings: Settings) -> ExitCode {
    if settings.jwt_secret_generated {
        tracing::warn!(
            "JWT_SECRET is not set: using a random secret, so sessions end when the server stops"
        );
    }
    if settings.app_env == AppEnv::Development {
        tracing::info!(
            backend = settings.database_url.backend(),
            "development mode"
        );
    }
    let addr = settings.bind_addr;
    let result = actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings)?;
        let url = format!("http://{}:{}", addr.ip(), app.port());
        tracing::info!("Porchlight API listening on {url}; docs at {url}/docs");
        app.run_until_signalled().await?;
        Ok::<_, porchlight::StartupError>(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&error.to_string()),
    }
}

/// A connection to a database whose migrations are applied, and the versions just applied.
fn migrated_connection(
    settings: &Settings,
) -> Result<(db::PooledConnection, Vec<String>), Box<dyn std::error::Error + Send + Sync>> {
    let pool = db::build_pool(settings)
        .map_err(|error| porchlight::StartupError::Database(error.to_string()))?;
    let mut conn = pool.get()?;
    let applied = db::run_migrations(&mut conn)?;
    Ok((conn, applied))
}

fn migrate(settings: &Settings) -> ExitCode {
    match migrated_connection(settings) {
        Ok((_, applied)) if applied.is_empty() => {
            println!("no pending migrations");
            ExitCode::SUCCESS
        }
        Ok((_, applied)) => {
            println!("applied {}", applied.join(", "));
            ExitCode::SUCCESS
        }
        Err(error) => fail(&error.to_string()),
    }
}

fn create_staff(settings: &Settings, email: &str, password: &str, name: &str) -> ExitCode {
    let result = migrated_connection(settings)
        .map_err(|error| error.to_string())
        .and_then(|(mut conn, _)| {
            auth::accounts::create_staff(&mut conn, email, password, name).map_err(|error| {
                let problem = error.problem();
                let mut message = problem.detail.unwrap_or(problem.title);
                for (field, errors) in problem.errors {
                    let _ = write!(message, "\n  {field}: {}", errors.join("; "));
                }
                message
            })
        });
    match result {
        Ok(user) => {
            println!("created staff account {} ({})", user.email, user.id);
            ExitCode::SUCCESS
        }
        Err(message) => fail(&message),
    }
}

fn seed_demo(settings: &Settings) -> ExitCode {
    if settings.app_env == AppEnv::Production {
        return fail("seed-demo writes made-up accounts; it does not run with APP_ENV=production");
    }
    let policy = porchlight::requests::LeadPolicy::from(settings);
    let result = migrated_connection(settings)
        .map_err(|error| error.to_string())
        .and_then(|(mut conn, _)| {
            demo::seed(&mut conn, policy, db::now()).map_err(|error| error.to_string())
        });
    match result {
        Ok(demo::Seeded::Refreshed { renewed }) => {
            println!(
                "the demo data is already there; {renewed} request(s) no pro could act on any \
                 more were asked again"
            );
            ExitCode::SUCCESS
        }
        Ok(demo::Seeded::Created(accounts)) => {
            println!("demo accounts (password \"{}\"):", demo::PASSWORD);
            for account in accounts {
                println!(
                    "  {:<8} {:<30} {}",
                    account.role.as_str(),
                    account.email,
                    account.name
                );
            }
            ExitCode::SUCCESS
        }
        Err(message) => fail(&message),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("porchlight: {message}");
    ExitCode::FAILURE
}
