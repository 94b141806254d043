//! Liveness and readiness probes for load balancers and orchestrators.

use actix_web::{HttpResponse, get, web};
use diesel::connection::SimpleConnection;
use shared_types::health::{Health, Readiness};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::db;
use crate::error::ApiError;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(health).service(ready);
}

/// Liveness: the process answers.
///
/// Always 200 with `status: ok` and the service `version` while the process runs; it checks nothing
/// else (the database is checked by `GET /v1/health/ready`). Needs no sign-in and is not
/// rate-limited.
#[utoipa::path(tag = "health", responses((status = 200, description = "Alive", body = Health)))]
#[get("/health")]
pub async fn health() -> web::Json<Health> {
    web::Json(Health {
        status: "ok".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}

/// Readiness: the database answers and every migration of this build is applied.
///
/// Runs `SELECT 1` and checks that every migration of this build is applied; the body reports
/// `database`, `migrations_applied` and the `backend` (`postgres` or `sqlite`), with
/// `status: not_ready` and 503 when a check fails. Needs no sign-in and is not rate-limited.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, description = "Ready to serve", body = Readiness),
        (status = 503, description = "Not ready; the body says what is missing", body = Readiness),
    ),
)]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let backend = state.settings.database_url.backend().to_owned();
    let checked = state
        .db(|conn| {
            conn.batch_execute("SELECT 1")?;
            db::migrations_applied(conn).map_err(ApiError::internal)
        })
        .await;
    let (database, migrations_applied) = match checked {
        Ok(applied) => (true, applied),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            (false, false)
        }
    };
    let ready = database && migrations_applied;
    let body = Readiness {
        status: if ready { "ready" } else { "not_ready" }.to_owned(),
        database,
        migrations_applied,
        backend,
    };
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
