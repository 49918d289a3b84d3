//! The watcher's HTTP endpoints: `/metrics` for Prometheus, `/api/targets` for scripts, the
//! fleet page at `/` and a page per target at `/target/NAME`.

use std::path::PathBuf;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use diagnose::Lang;
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

use crate::fleet::{FleetState, TargetState};
use crate::history::History;
use crate::metrics;
use crate::page::{self, LagSeries};

/// What the endpoints read.
#[derive(Debug, Clone)]
pub struct Pages {
    pub fleet: FleetState,
    /// The history database, read alongside its writer.
    pub history: Option<PathBuf>,
    /// Pages reload themselves at the polling interval.
    pub interval: Duration,
}

pub fn router(pages: Pages) -> Router {
    Router::new()
        .route("/", get(fleet_page))
        .route("/target/{name}", get(target_page))
        .route("/metrics", get(prometheus))
        .route("/api/targets", get(targets))
        .with_state(pages)
}

async fn prometheus(State(pages): State<Pages>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics::render(&pages.fleet),
    )
}

async fn targets(State(pages): State<Pages>) -> impl IntoResponse {
    let body = pages.fleet.with_targets(|targets| {
        let targets: Vec<_> = targets.collect();
        serde_json::to_string_pretty(&targets).unwrap_or_else(|_| "[]".into())
    });
    ([(header::CONTENT_TYPE, "application/json")], body)
}

async fn fleet_page(State(pages): State<Pages>) -> Response {
    let names: Vec<String> = pages
        .fleet
        .with_targets(|targets| targets.map(|t| t.name.clone()).collect());
    let since = ago(SignedDuration::from_hours(1));
    let sparklines = read_history(&pages, move |history| {
        names
            .iter()
            .map(|name| (name.clone(), worst_per_time(history.lag(name, since).ok())))
            .collect::<Vec<_>>()
    })
    .await
    .unwrap_or_default();
    let refresh = pages.interval.as_secs().max(1);
    let body = pages.fleet.with_targets(|targets| {
        let targets: Vec<&TargetState> = targets.collect();
        page::fleet(&targets, &sparklines, refresh, Timestamp::now())
    });
    Html(body).into_response()
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    lang: Option<String>,
}

async fn target_page(
    State(pages): State<Pages>,
    Path(name): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let lang = match query.lang.as_deref() {
        Some("zh") => Lang::Zh,
        _ => Lang::En,
    };
    if pages.fleet.with_target(&name, |_| ()).is_none() {
        return (StatusCode::NOT_FOUND, Html(page::not_found(&name))).into_response();
    }
    let since = ago(SignedDuration::from_hours(6));
    let wanted = name.clone();
    let history = read_history(&pages, move |history| {
        let lag = worst_per_time(history.lag(&wanted, since).ok());
        let timeline = history.findings(&wanted, 200).ok();
        (lag, timeline)
    })
    .await;
    let (lag, timeline) = match history {
        Some((lag, timeline)) => (lag, timeline),
        None => (Vec::new(), None),
    };
    let refresh = pages.interval.as_secs().max(1);
    let body = pages.fleet.with_target(&name, |t| {
        page::target(t, &lag, timeline.as_deref(), lang, refresh)
    });
    match body {
        Some(body) => Html(body).into_response(),
        None => (StatusCode::NOT_FOUND, Html(page::not_found(&name))).into_response(),
    }
}

/// Runs `read` on a read-only connection to the history, off the async threads; `None`
/// without a history or when it cannot be opened.
async fn read_history<R: Send + 'static>(
    pages: &Pages,
    read: impl FnOnce(&History) -> R + Send + 'static,
) -> Option<R> {
    let path = pages.history.clone()?;
    tokio::task::spawn_blocking(move || {
        let history = History::open_read_only(&path).ok()?;
        Some(read(&history))
    })
    .await
    .ok()
    .flatten()
}

/// One value per time: the worst lag of the channels recorded then.
fn worst_per_time(rows: Option<Vec<(Timestamp, String, Option<f64>)>>) -> LagSeries {
    let mut series: LagSeries = Vec::new();
    for (at, _, lag) in rows.unwrap_or_default() {
        match series.last_mut() {
            Some((last, worst)) if *last == at => {
                *worst = match (*worst, lag) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
            }
            _ => series.push((at, lag)),
        }
    }
    series
}

fn ago(span: SignedDuration) -> Timestamp {
    Timestamp::now()
        .checked_sub(span)
        .unwrap_or(Timestamp::UNIX_EPOCH)
}
