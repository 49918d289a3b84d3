//! The watcher: one async runtime, one task per target polling over its own sessions, a time
//! limit per poll so a hung or dead server delays no other, backoff while a replica cannot be
//! reached, and the HTTP endpoints.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use collect::CollectOptions;
use collect::poll::Poller;
use evidence::bundle::Collection;
use evidence::model::Role;
use tokio::sync::mpsc;

use crate::alerts;
use crate::config::{Fleet, Target};
use crate::figures::Figures;
use crate::fleet::{FleetState, TargetState, Transition};
use crate::history::{self, History, PollRecord, Record, Writer};
use crate::http;

/// How the watcher polls, beyond what the fleet file says.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    pub connect_timeout: Duration,
    pub query_timeout: Duration,
    /// `--once`: the time between the two polls of each target (as `diagnose`'s two samples).
    pub sample_interval: Duration,
    /// The history database; `None` keeps none.
    pub history: Option<PathBuf>,
    /// How long the history keeps figures and ended findings.
    pub retention: Duration,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            connect_timeout: Duration::from_secs(5),
            query_timeout: Duration::from_secs(5),
            sample_interval: Duration::from_secs(1),
            history: None,
            retention: history::DEFAULT_RETENTION,
        }
    }
}

/// Longest wait between two attempts at a replica that cannot be reached.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// Polls every target until `shutdown` resolves, serving `/metrics` on the fleet's listen
/// address. Each finding that starts, changes or ends is kept in the history and sent to
/// `transitions`. The findings the history holds as open are where each target starts from.
pub async fn serve(
    fleet: Fleet,
    options: WatchOptions,
    transitions: mpsc::UnboundedSender<Transition>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let state = initial_state(&fleet);
    let mut open = Vec::new();
    let writer = match &options.history {
        Some(path) => {
            let history = History::open(path).map_err(std::io::Error::other)?;
            open = history.open_findings().map_err(std::io::Error::other)?;
            // Targets no longer in the fleet keep their open findings in the history only.
            open.retain(|(target, finding)| {
                state
                    .update(target, |t| t.findings.push(finding.clone()))
                    .is_some()
            });
            Some(Writer::start(history, options.retention))
        }
        None => None,
    };
    let alerts = (!fleet.alerts.is_empty())
        .then(|| alerts::start(fleet.alerts.clone(), fleet.maintenance.clone(), open));
    let listener = tokio::net::TcpListener::bind(fleet.listen).await?;
    let mut tasks = tokio::task::JoinSet::new();
    for target in fleet.targets.iter().cloned() {
        let sinks = Sinks {
            transitions: transitions.clone(),
            history: writer.clone(),
            alerts: alerts.clone(),
        };
        let (state, options) = (state.clone(), options.clone());
        let timing = (fleet.interval, fleet.timeout);
        tasks.spawn(watch_target(target, timing, options, state, sinks));
    }
    let pages = http::Pages {
        fleet: state,
        history: options.history.clone(),
        interval: fleet.interval,
    };
    let served = axum::serve(listener, http::router(pages))
        .with_graceful_shutdown(shutdown)
        .await;
    tasks.abort_all();
    served
}

/// Where a poller sends what it learns besides the shared state.
struct Sinks {
    transitions: mpsc::UnboundedSender<Transition>,
    history: Option<Writer>,
    alerts: Option<mpsc::UnboundedSender<Transition>>,
}

/// The history rows of a target's polls: each channel's figures when they changed, else at
/// most once per [`history::FIGURES_EVERY`].
#[derive(Default)]
struct Figured {
    written: HashMap<String, (PollRecord, Instant)>,
}

impl Figured {
    fn due(&mut self, records: Vec<PollRecord>) -> Vec<PollRecord> {
        let now = Instant::now();
        let mut due = Vec::new();
        for record in records {
            let fresh = match self.written.get(&record.channel) {
                Some((last, at)) => {
                    record.changed_from(last) || at.elapsed() >= history::FIGURES_EVERY
                }
                None => true,
            };
            if fresh {
                self.written
                    .insert(record.channel.clone(), (record.clone(), now));
                due.push(record);
            }
        }
        due
    }
}

/// Polls every target twice, `sample_interval` apart, and gives each one's state.
pub async fn once(fleet: &Fleet, options: &WatchOptions) -> Vec<TargetState> {
    let state = initial_state(fleet);
    let mut tasks = tokio::task::JoinSet::new();
    for target in fleet.targets.clone() {
        let (state, options, timeout) = (state.clone(), options.clone(), fleet.timeout);
        tasks.spawn(async move {
            let mut poller = poller_of(&target, &options);
            for poll in 0..2 {
                let started = Instant::now();
                if poll > 0 {
                    tokio::time::sleep(options.sample_interval).await;
                }
                let outcome = poll_target(&mut poller, &target, timeout, &state).await;
                record(&state, &target, outcome, started);
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    state.snapshot()
}

fn initial_state(fleet: &Fleet) -> FleetState {
    FleetState::new(
        fleet
            .targets
            .iter()
            .map(|t| TargetState::new(&t.name, &t.replica.to_string())),
    )
}

fn poller_of(target: &Target, options: &WatchOptions) -> Poller {
    let collect = CollectOptions {
        connect_timeout: options.connect_timeout,
        query_timeout: options.query_timeout,
        error_log: target.error_log.clone(),
        // As diagnose: the servers' own files (error log, relay logs) when readable here.
        local_files: true,
        follow_source: target.follow_source,
        ..CollectOptions::default()
    };
    Poller::new(target.replica.clone(), target.source.clone(), collect)
}

async fn watch_target(
    target: Target,
    (interval, timeout): (Duration, Duration),
    options: WatchOptions,
    state: FleetState,
    sinks: Sinks,
) {
    let mut poller = poller_of(&target, &options);
    let mut failures: u32 = 0;
    let mut figured = Figured::default();
    loop {
        let started = Instant::now();
        let outcome = poll_target(&mut poller, &target, timeout, &state).await;
        failures = match &outcome {
            Outcome::Diagnosed { .. } => 0,
            Outcome::Unreachable(_) => failures.saturating_add(1),
        };
        let transitions = record(&state, &target, outcome, started);
        if let Some(history) = &sinks.history {
            let now = jiff::Timestamp::now();
            let rows = state
                .update(&target.name, |t| PollRecord::of(t, now))
                .unwrap_or_default();
            for row in figured.due(rows) {
                history.send(Record::Poll(row));
            }
            for transition in &transitions {
                history.send(Record::Transition(transition.clone()));
            }
        }
        for transition in transitions {
            // A receiver goes away only when the watcher is stopping.
            if let Some(alerts) = &sinks.alerts {
                let _ = alerts.send(transition.clone());
            }
            let _ = sinks.transitions.send(transition);
        }
        tokio::time::sleep_until((started + wait_after(interval, failures)).into()).await;
    }
}

/// The interval, doubled after each failed poll in a row up to `MAX_BACKOFF` (never less than
/// the interval itself).
fn wait_after(interval: Duration, failures: u32) -> Duration {
    if failures <= 1 {
        return interval;
    }
    let factor = 1u32 << (failures - 1).min(16);
    interval
        .saturating_mul(factor)
        .min(MAX_BACKOFF.max(interval))
}

/// What one poll of a target gave.
enum Outcome {
    Diagnosed {
        report: diagnose::Report,
        figures: Figures,
        source_up: Option<bool>,
    },
    Unreachable(String),
}

async fn poll_target(
    poller: &mut Poller,
    target: &Target,
    timeout: Duration,
    state: &FleetState,
) -> Outcome {
    let collection = match tokio::time::timeout(timeout, poller.poll()).await {
        Ok(Ok(collection)) => collection,
        Ok(Err(err)) => return Outcome::Unreachable(err.to_string()),
        Err(_) => {
            // The poll was dropped mid-statement: its sessions are in an unknown state.
            poller.reset();
            return Outcome::Unreachable(format!(
                "the poll of {} took longer than {} s",
                target.replica,
                timeout.as_secs_f64()
            ));
        }
    };
    let previous = state.update(&target.name, |t| t.figures.clone());
    diagnosed(&collection, previous.as_ref())
}

fn diagnosed(collection: &Collection, previous: Option<&Figures>) -> Outcome {
    let evidence = collection.evidence();
    let mut report = diagnose::diagnose(&evidence);
    for missing in diagnose::missing_from_gaps(&collection.manifest.gaps) {
        if !report.missing_evidence.contains(&missing) {
            report.missing_evidence.push(missing);
        }
    }
    let replica = collection
        .manifest
        .servers
        .first()
        .map(|s| s.label.clone())
        .unwrap_or_default();
    let figures = Figures::read(&evidence, &replica, previous, jiff::Timestamp::now());
    let source_up = collection
        .manifest
        .servers
        .iter()
        .skip(1)
        .find(|s| matches!(s.role, Role::Source | Role::SourceAndReplica))
        .map(|s| s.reached);
    Outcome::Diagnosed {
        report,
        figures,
        source_up,
    }
}

fn record(
    state: &FleetState,
    target: &Target,
    outcome: Outcome,
    started: Instant,
) -> Vec<Transition> {
    let now = jiff::Timestamp::now();
    state
        .update(&target.name, |t| {
            t.polls += 1;
            t.polled_at = Some(now);
            t.poll_seconds = started.elapsed().as_secs_f64();
            match outcome {
                Outcome::Diagnosed {
                    report,
                    figures,
                    source_up,
                } => t.diagnosed(report, figures, source_up, now),
                Outcome::Unreachable(reason) => {
                    t.unreachable(reason);
                    Vec::new()
                }
            }
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_bound() {
        let ten = Duration::from_secs(10);
        assert_eq!(wait_after(ten, 0), ten);
        assert_eq!(wait_after(ten, 1), ten);
        assert_eq!(wait_after(ten, 2), Duration::from_secs(20));
        assert_eq!(wait_after(ten, 3), Duration::from_secs(40));
        assert_eq!(wait_after(ten, 30), MAX_BACKOFF);
        let hour = Duration::from_secs(3600);
        assert_eq!(wait_after(hour, 5), hour);
    }
}
