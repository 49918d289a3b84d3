//! How far behind a channel is, beyond what its configured delay explains, and whether the gap
//! grows: shared by the lag rules.

use evidence::model::ProcessRow;

use super::context::ChannelView;

/// Lag beyond the configured delay below this is normal jitter, not a finding.
pub const LAG_THRESHOLD_SECONDS: u64 = 300;

/// A channel that lags.
#[derive(Debug, Clone, Copy)]
pub struct Lag {
    pub seconds_behind: u64,
    pub delay: u64,
    /// Whether the lag grew between the two samples; `None` with one sample.
    pub growing: Option<bool>,
}

impl Lag {
    /// The channel's lag when it applies (no applier error) and is behind by more than its delay
    /// plus [`LAG_THRESHOLD_SECONDS`].
    pub fn of(view: &ChannelView<'_>) -> Option<Self> {
        if view.applier_failure.is_some() || view.sql_running() != Some(true) {
            return None;
        }
        let seconds_behind = view.status.seconds_behind_source?;
        let delay = view.status.sql_delay.unwrap_or(0);
        if seconds_behind < delay.saturating_add(LAG_THRESHOLD_SECONDS) {
            return None;
        }
        let growing = view
            .earlier
            .and_then(|earlier| earlier.seconds_behind_source)
            .map(|before| seconds_behind > before);
        Some(Self {
            seconds_behind,
            delay,
            growing,
        })
    }

    pub fn record(&self, facts: &mut crate::Facts) {
        facts.set("seconds_behind_source", self.seconds_behind);
        if self.delay > 0 {
            facts.set("sql_delay", self.delay);
        }
        if let Some(growing) = self.growing {
            facts.set("lag_growing", growing);
        }
    }
}

/// Applier threads (SQL thread or workers) busy on one event for at least `seconds`, longest
/// first. A thread waiting for a row lock is blocked, not busy.
pub fn busy_appliers<'a>(view: &ChannelView<'a>, seconds: i64) -> Vec<&'a ProcessRow> {
    let blocked: Vec<u64> = view
        .applier_lock_waits()
        .iter()
        .filter_map(|w| w.waiting_thread_id)
        .collect();
    let mut busy: Vec<&ProcessRow> = view
        .processlist
        .iter()
        .filter(|p| p.is_system_user() && p.time.unwrap_or(0) >= seconds)
        .filter(|p| p.id.is_none_or(|id| !blocked.contains(&id)))
        .filter(|p| {
            let state = p.state.as_deref().unwrap_or("");
            // Working on rows or a statement, not waiting for anything.
            let working = state.contains("rows_log_event")
                || state.contains("Applying batch of row changes")
                || state.starts_with("Executing");
            working || (p.info.is_some() && !state.starts_with("Waiting"))
        })
        .collect();
    busy.sort_by_key(|p| std::cmp::Reverse(p.time));
    busy
}
