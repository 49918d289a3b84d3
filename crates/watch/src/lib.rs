//! Watching a fleet of replicas: each target polled over sessions kept open, diagnosed by the
//! same collection and rules as `repldoctor diagnose`, its figures and findings served as
//! Prometheus metrics, each finding's start, change and end reported once.
//!
//! [`config`] reads the fleet file, [`run`] polls and serves, [`figures`] reads the numbers of
//! one poll, [`fleet`] keeps each target's state and its findings' transitions, [`metrics`]
//! writes the exposition.

pub mod alerts;
pub mod config;
pub mod figures;
pub mod fleet;
pub mod history;
mod http;
pub mod metrics;
mod page;
pub mod run;

pub use config::{Fleet, Target};
pub use fleet::{FleetState, Health, TargetState, Transition, TransitionKind};
pub use run::{WatchOptions, once, serve};

/// `db2 (127.0.0.1:3307): critical dup_key, lag 42 s`: a target in one line.
pub fn summary_line(target: &TargetState) -> String {
    let mut line = format!(
        "{} ({}): {}",
        target.name,
        target.replica,
        target.health.name()
    );
    if let Some(error) = &target.error {
        line.push_str(&format!(": {error}"));
        return line;
    }
    if let Some(class) = target.top_class {
        line.push_str(&format!(" {}", class.as_str()));
    }
    let lag = target.figures.channels.iter().filter_map(|c| c.lag_seconds);
    if let Some(lag) = lag.fold(None, |worst: Option<f64>, l| {
        Some(worst.map_or(l, |w| w.max(l)))
    }) {
        line.push_str(&format!(", lag {lag:.0} s"));
    }
    line
}
