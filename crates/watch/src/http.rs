//! The watcher's HTTP endpoints: `/metrics` for Prometheus, `/api/targets` for scripts, and a
//! plain summary at `/`.

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::fleet::FleetState;
use crate::metrics;

pub fn router(state: FleetState) -> Router {
    Router::new()
        .route("/", get(summary))
        .route("/metrics", get(prometheus))
        .route("/api/targets", get(targets))
        .with_state(state)
}

async fn prometheus(State(state): State<FleetState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics::render(&state),
    )
}

async fn targets(State(state): State<FleetState>) -> impl IntoResponse {
    let body = state.with_targets(|targets| {
        let targets: Vec<_> = targets.collect();
        serde_json::to_string_pretty(&targets).unwrap_or_else(|_| "[]".into())
    });
    ([(header::CONTENT_TYPE, "application/json")], body)
}

/// One line per target: health, top finding, lag.
async fn summary(State(state): State<FleetState>) -> impl IntoResponse {
    let body = state.with_targets(|targets| {
        let mut out = String::from("repldoctor watch\n\n");
        for target in targets {
            out.push_str(&crate::summary_line(target));
            out.push('\n');
        }
        out
    });
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body)
}
