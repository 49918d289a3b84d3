//! `/metrics` in the Prometheus text format. Names are the same for both flavors and every
//! version (no `slave`/`replica` split); states are state sets, so `Connecting` never reads as
//! stopped and a stopped applier keeps its series; error text is never a label (only the
//! error number and the finding's class, both bounded).

use std::fmt::Write;

use crate::figures::ThreadState;
use crate::fleet::{FleetState, TargetState};

/// One metric family: its name, type and help, written once before its samples.
struct Family {
    name: &'static str,
    kind: &'static str,
    help: &'static str,
}

const UP: Family = Family {
    name: "repldoctor_up",
    kind: "gauge",
    help: "1 when the last poll reached the replica, 0 when it did not.",
};
const SOURCE_UP: Family = Family {
    name: "repldoctor_source_up",
    kind: "gauge",
    help: "1 when the last poll reached the replica's source, 0 when it did not (absent when no source is read).",
};
const HEALTH: Family = Family {
    name: "repldoctor_health",
    kind: "gauge",
    help: "The diagnosis: 0 healthy, 1 warning, 2 critical, 3 unknown (not reached, or nothing proves it healthy).",
};
const POLL_SECONDS: Family = Family {
    name: "repldoctor_poll_duration_seconds",
    kind: "gauge",
    help: "How long the last poll of the target took.",
};
const POLLED_AT: Family = Family {
    name: "repldoctor_last_poll_timestamp_seconds",
    kind: "gauge",
    help: "When the last poll of the target ended (Unix time).",
};
const POLLS: Family = Family {
    name: "repldoctor_polls_total",
    kind: "counter",
    help: "Polls of the target since the watcher started.",
};
const FAILED_POLLS: Family = Family {
    name: "repldoctor_poll_failures_total",
    kind: "counter",
    help: "Polls that did not reach the replica.",
};
const CHANNELS: Family = Family {
    name: "repldoctor_channels",
    kind: "gauge",
    help: "Replication channels the replica has (0: it is not a replica).",
};
const RECEIVER: Family = Family {
    name: "repldoctor_receiver_state",
    kind: "gauge",
    help: "The receiver (I/O) thread's state: 1 for the current one of running, connecting, stopped, error.",
};
const APPLIER: Family = Family {
    name: "repldoctor_applier_state",
    kind: "gauge",
    help: "The applier (SQL) thread's state: 1 for the current one of running, connecting, stopped, error.",
};
const ERRNO: Family = Family {
    name: "repldoctor_last_error_number",
    kind: "gauge",
    help: "The thread's last error number (0: none).",
};
const LAG: Family = Family {
    name: "repldoctor_lag_seconds",
    kind: "gauge",
    help: "Seconds the replica is behind: Seconds_Behind_Master while the applier runs, 0 when it has applied all the source wrote, and while it is stopped the time since a poll last saw it caught up (basis label).",
};
const SQL_DELAY: Family = Family {
    name: "repldoctor_configured_delay_seconds",
    kind: "gauge",
    help: "The delay the channel is configured to keep (MASTER_DELAY / SOURCE_DELAY).",
};
const BYTES_BEHIND: Family = Family {
    name: "repldoctor_bytes_behind",
    kind: "gauge",
    help: "Bytes of the source's binlogs between the applied position and where the source writes.",
};
const TRANSACTIONS_BEHIND: Family = Family {
    name: "repldoctor_transactions_behind",
    kind: "gauge",
    help: "Transactions the source executed that the replica has not, by GTID.",
};
const MOVING: Family = Family {
    name: "repldoctor_positions_moving",
    kind: "gauge",
    help: "1 when the applied position changed since the previous poll, 0 when it did not.",
};
const GTID_EXECUTED: Family = Family {
    name: "repldoctor_gtid_executed_transactions",
    kind: "gauge",
    help: "Transactions in the replica's executed GTID set (MySQL).",
};
const GTID_ERRANT: Family = Family {
    name: "repldoctor_gtid_errant_transactions",
    kind: "gauge",
    help: "Transactions the replica executed that its source never did (MySQL).",
};
const WORKERS: Family = Family {
    name: "repldoctor_applier_workers",
    kind: "gauge",
    help: "Parallel applier workers applying a transaction (busy) or not (idle).",
};
const FINDING: Family = Family {
    name: "repldoctor_finding",
    kind: "gauge",
    help: "1 for each finding that holds now, by its class and severity; gone when it ends.",
};
const FINDING_SINCE: Family = Family {
    name: "repldoctor_finding_since_timestamp_seconds",
    kind: "gauge",
    help: "When the poll that first found the finding ended (Unix time).",
};

/// The whole exposition, every family in a fixed order.
pub fn render(fleet: &FleetState) -> String {
    fleet.with_targets(|targets| {
        let targets: Vec<&TargetState> = targets.collect();
        let mut out = String::with_capacity(4096 + targets.len() * 2048);
        let families: [(&Family, &Samples); 21] = [
            (&UP, &|o, t| o.sample(&[], f64::from(u8::from(t.up)))),
            (&SOURCE_UP, &|o, t| {
                if let Some(up) = t.source_up {
                    o.sample(&[], f64::from(u8::from(up)));
                }
            }),
            (&HEALTH, &|o, t| o.sample(&[], f64::from(t.health.code()))),
            (&POLL_SECONDS, &|o, t| {
                if t.polled_at.is_some() {
                    o.sample(&[], t.poll_seconds);
                }
            }),
            (&POLLED_AT, &|o, t| {
                if let Some(at) = t.polled_at {
                    o.sample(&[], at.as_millisecond() as f64 / 1000.0);
                }
            }),
            (&POLLS, &|o, t| o.sample(&[], t.polls as f64)),
            (&FAILED_POLLS, &|o, t| o.sample(&[], t.failed_polls as f64)),
            (&CHANNELS, &|o, t| {
                if t.up {
                    o.sample(&[], t.figures.channels.len() as f64);
                }
            }),
            (&RECEIVER, &|o, t| {
                for c in &t.figures.channels {
                    o.states(&c.channel, c.receiver);
                }
            }),
            (&APPLIER, &|o, t| {
                for c in &t.figures.channels {
                    o.states(&c.channel, c.applier);
                }
            }),
            (&ERRNO, &|o, t| {
                for c in &t.figures.channels {
                    let channel = ("channel", c.channel.as_str());
                    o.sample(
                        &[channel, ("thread", "receiver")],
                        f64::from(c.receiver_errno),
                    );
                    o.sample(
                        &[channel, ("thread", "applier")],
                        f64::from(c.applier_errno),
                    );
                }
            }),
            (&LAG, &|o, t| {
                for c in &t.figures.channels {
                    if let (Some(lag), Some(basis)) = (c.lag_seconds, c.lag_basis) {
                        let basis = serde_json::to_value(basis).ok();
                        let basis = basis.as_ref().and_then(|b| b.as_str()).unwrap_or("");
                        o.sample(&[("channel", &c.channel), ("basis", basis)], lag);
                    }
                }
            }),
            (&SQL_DELAY, &|o, t| {
                for c in &t.figures.channels {
                    if let Some(delay) = c.sql_delay_seconds {
                        o.sample(&[("channel", &c.channel)], delay as f64);
                    }
                }
            }),
            (&BYTES_BEHIND, &|o, t| {
                for c in &t.figures.channels {
                    if let Some(bytes) = c.bytes_behind {
                        o.sample(&[("channel", &c.channel)], bytes as f64);
                    }
                }
            }),
            (&TRANSACTIONS_BEHIND, &|o, t| {
                for c in &t.figures.channels {
                    if let Some(count) = c.transactions_behind {
                        o.sample(&[("channel", &c.channel)], count as f64);
                    }
                }
            }),
            (&MOVING, &|o, t| {
                for c in &t.figures.channels {
                    if let Some(moving) = c.positions_moving {
                        o.sample(&[("channel", &c.channel)], f64::from(u8::from(moving)));
                    }
                }
            }),
            (&GTID_EXECUTED, &|o, t| {
                if let Some(count) = t.figures.gtid_executed {
                    o.sample(&[], count as f64);
                }
            }),
            (&GTID_ERRANT, &|o, t| {
                if let Some(count) = t.figures.gtid_errant {
                    o.sample(&[], count as f64);
                }
            }),
            (&WORKERS, &|o, t| {
                if let (Some(busy), Some(idle)) = (t.figures.workers_busy, t.figures.workers_idle) {
                    o.sample(&[("state", "busy")], busy as f64);
                    o.sample(&[("state", "idle")], idle as f64);
                }
            }),
            (&FINDING, &|o, t| {
                for f in &t.findings {
                    let labels = finding_labels(f);
                    let labels: Vec<(&str, &str)> =
                        labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    o.sample(&labels, 1.0);
                }
            }),
            (&FINDING_SINCE, &|o, t| {
                for f in &t.findings {
                    let labels = finding_labels(f);
                    let labels: Vec<(&str, &str)> =
                        labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    o.sample(&labels, f.since.as_millisecond() as f64 / 1000.0);
                }
            }),
        ];
        for (family, write) in families {
            let _ = writeln!(out, "# HELP {} {}", family.name, family.help);
            let _ = writeln!(out, "# TYPE {} {}", family.name, family.kind);
            for target in &targets {
                let mut samples = Out {
                    out: &mut out,
                    name: family.name,
                    target: &target.name,
                };
                write(&mut samples, target);
            }
        }
        out
    })
}

fn finding_labels(finding: &crate::fleet::ActiveFinding) -> [(&'static str, String); 3] {
    [
        ("channel", finding.channel.clone().unwrap_or_default()),
        ("class", finding.class.as_str().to_owned()),
        ("severity", finding.severity.as_str().to_owned()),
    ]
}

/// What writes one family's samples for one target.
type Samples = dyn Fn(&mut Out, &TargetState);

/// Writes the samples of one family for one target.
struct Out<'a> {
    out: &'a mut String,
    name: &'static str,
    target: &'a str,
}

impl Out<'_> {
    fn sample(&mut self, labels: &[(&str, &str)], value: f64) {
        let _ = write!(
            self.out,
            "{}{{target=\"{}\"",
            self.name,
            escape(self.target)
        );
        for (name, label) in labels {
            let _ = write!(self.out, ",{name}=\"{}\"", escape(label));
        }
        let _ = writeln!(self.out, "}} {value}");
    }

    /// A state set: one sample per state, 1 for the current one.
    fn states(&mut self, channel: &str, current: ThreadState) {
        for state in ThreadState::ALL {
            let value = f64::from(u8::from(state == current));
            self.sample(&[("channel", channel), ("state", state.name())], value);
        }
    }
}

/// A label value as the text format wants it: backslash, double quote and newline escaped.
fn escape(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::{ChannelFigures, Figures, LagBasis};
    use crate::fleet::{Health, TargetState};

    fn channel(applier: ThreadState) -> ChannelFigures {
        ChannelFigures {
            channel: String::new(),
            receiver: ThreadState::Connecting,
            applier,
            receiver_errno: 2003,
            applier_errno: 0,
            lag_seconds: Some(42.0),
            lag_basis: Some(LagBasis::SinceCaughtUp),
            sql_delay_seconds: Some(0),
            applied: Some(("bin.000002".into(), 400)),
            bytes_behind: Some(1200),
            transactions_behind: Some(3),
            positions_moving: Some(false),
            caught_up_at: None,
        }
    }

    #[test]
    fn connecting_is_its_own_state_and_a_stopped_applier_keeps_its_lag() {
        let mut target = TargetState::new("db\"2", "127.0.0.1:3307");
        target.up = true;
        target.health = Health::Critical;
        target.figures = Figures {
            channels: vec![channel(ThreadState::Stopped)],
            ..Figures::default()
        };
        let fleet = FleetState::new([target]);
        let text = render(&fleet);
        assert!(
            text.contains("repldoctor_up{target=\"db\\\"2\"} 1\n"),
            "{text}"
        );
        assert!(text.contains("repldoctor_health{target=\"db\\\"2\"} 2\n"));
        for (state, value) in [
            ("running", 0),
            ("connecting", 1),
            ("stopped", 0),
            ("error", 0),
        ] {
            let line = format!(
                "repldoctor_receiver_state{{target=\"db\\\"2\",channel=\"\",state=\"{state}\"}} {value}\n"
            );
            assert!(text.contains(&line), "{line} in {text}");
        }
        assert!(text.contains(
            "repldoctor_applier_state{target=\"db\\\"2\",channel=\"\",state=\"stopped\"} 1\n"
        ));
        assert!(text.contains(
            "repldoctor_lag_seconds{target=\"db\\\"2\",channel=\"\",basis=\"since_caught_up\"} 42\n"
        ));
        assert!(text.contains(
            "repldoctor_last_error_number{target=\"db\\\"2\",channel=\"\",thread=\"receiver\"} 2003\n"
        ));
        // Every family has one HELP and one TYPE line.
        assert_eq!(text.matches("# TYPE ").count(), 21);
    }
}
