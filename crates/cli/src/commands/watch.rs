//! `repldoctor watch`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use watch::config::{DEFAULT_INTERVAL, DEFAULT_LISTEN, parse_shard};
use watch::{Fleet, Health, Target, TargetState, Transition, TransitionKind, WatchOptions};

use crate::args::{ConnectionArgs, Format, GlobalArgs};
use crate::connection;
use crate::failure::Failure;
use crate::output::envelope_pretty;
use crate::status::Status;

const EXAMPLES: &str = "\
Examples:
  repldoctor watch --replica 'h=10.0.0.12,u=monitor' --source 'h=10.0.0.11,u=monitor'
  repldoctor watch --config /etc/repldoctor/fleet.toml
  repldoctor watch --config fleet.toml --once --format json     # a monitoring-plugin check
  repldoctor watch --config fleet.toml --shard 2/4              # one of four processes

The fleet file (TOML) names each target's replica and source DSNs and where their credentials
are (an option file's group, or an environment variable); a password written in it is refused.
See examples/fleet.toml. Metrics: http://LISTEN/metrics; each target's state: /api/targets.";

/// Polls every replica of a fleet (or one pair) at a fixed interval over sessions it keeps,
/// diagnoses each poll with the same rules as `diagnose`, serves Prometheus metrics (thread
/// states, lag that stays defined when the applier stops, bytes and transactions behind, each
/// finding by class) and reports each finding once when it starts, changes and ends.
/// Read-only.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct WatchArgs {
    /// The fleet file: targets with their sources and credentials references
    #[arg(long, value_name = "FILE", conflicts_with_all = ["replica", "source"])]
    pub config: Option<PathBuf>,

    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// Address for /metrics and /api/targets [default: the file's, else 127.0.0.1:9108]
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,

    /// Seconds between two polls of the same target [default: the file's, else 10]
    #[arg(long, value_name = "SECONDS")]
    pub interval: Option<f64>,

    /// Poll every target twice, a second apart, print each one's state and exit with the
    /// worst status (0 healthy, 1 warning, 2 critical, 3 unknown)
    #[arg(long)]
    pub once: bool,

    /// Watch only the targets whose name hashes to shard K of N, so N processes share one file
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,

    /// The history database (SQLite) [default: the file's, else
    /// $XDG_STATE_HOME/repldoctor/watch.sqlite]
    #[arg(long, value_name = "PATH", conflicts_with = "no_history")]
    pub history: Option<PathBuf>,

    /// Keep no history (the pages then show the current state only)
    #[arg(long)]
    pub no_history: bool,

    /// Send a test message to every alert of the fleet file, say how each one went and exit
    /// (0 all delivered, 3 otherwise)
    #[arg(long, requires = "config")]
    pub test_alert: bool,
}

pub fn run(args: WatchArgs, global: &GlobalArgs) -> Result<Status, Failure> {
    let mut fleet = fleet_of(&args)?;
    if let Some(shard) = &args.shard {
        let (index, count) = parse_shard(shard).map_err(Failure::new)?;
        fleet.shard(index, count);
        if fleet.targets.is_empty() {
            return Err(Failure::new(format!(
                "--shard {shard}: no target of the fleet falls in this shard"
            )));
        }
    }
    let history = match (&args.history, args.no_history) {
        (_, true) => None,
        (Some(path), false) => Some(path.clone()),
        (None, false) => fleet.history.clone().or_else(watch::history::default_path),
    };
    let options = WatchOptions {
        connect_timeout: Duration::from_secs(args.connection.connect_timeout.max(1)),
        query_timeout: Duration::from_secs(args.connection.query_timeout.max(1)),
        history: history.filter(|_| !args.once),
        retention: fleet.retention,
        ..WatchOptions::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if args.test_alert {
        return test_alerts(&fleet, &runtime, global);
    }
    if args.once {
        let states = runtime.block_on(watch::once(&fleet, &options));
        return Ok(print_once(&states, global));
    }
    eprintln!(
        "repldoctor watch: {} target(s), every {} s; page on http://{}/, metrics on /metrics; {}",
        fleet.targets.len(),
        fleet.interval.as_secs_f64(),
        fleet.listen,
        options.history.as_ref().map_or_else(
            || "no history".to_owned(),
            |p| format!("history in {}", p.display())
        )
    );
    let (sender, mut transitions) = tokio::sync::mpsc::unbounded_channel();
    let json = global.format == Format::Json;
    runtime.spawn(async move {
        while let Some(transition) = transitions.recv().await {
            print_transition(&transition, json);
        }
    });
    runtime
        .block_on(watch::serve(fleet, options, sender, stopped()))
        .map_err(|err| Failure::new(format!("cannot serve: {err}")))?;
    Ok(Status::Healthy)
}

/// The fleet file, or the one pair of `--replica` and `--source`, with the flags applied.
fn fleet_of(args: &WatchArgs) -> Result<Fleet, Failure> {
    let interval = args
        .interval
        .map(|seconds| {
            if (0.1..=86_400.0).contains(&seconds) {
                Ok(Duration::from_secs_f64(seconds))
            } else {
                Err(Failure::new(format!(
                    "--interval {seconds}: give seconds from 0.1 to 86400"
                )))
            }
        })
        .transpose()?;
    let mut fleet = match (&args.config, &args.connection.replica) {
        (Some(path), _) => Fleet::load(path).map_err(|err| Failure::new(err.to_string()))?,
        (None, Some(replica)) => {
            let connection = &args.connection;
            let replica = connection::resolve(replica, "replica", connection)?;
            let source = connection
                .source
                .as_deref()
                .map(|dsn| connection::resolve(dsn, "source", connection))
                .transpose()?;
            let interval = interval.unwrap_or(DEFAULT_INTERVAL);
            Fleet {
                interval,
                timeout: interval,
                listen: DEFAULT_LISTEN.parse().expect("a valid address"),
                history: None,
                retention: watch::history::DEFAULT_RETENTION,
                alerts: Vec::new(),
                maintenance: Vec::new(),
                targets: vec![Target {
                    name: replica.to_string(),
                    replica,
                    source,
                    follow_source: connection.follow_source,
                    error_log: None,
                }],
            }
        }
        (None, None) => {
            return Err(Failure::new(
                "nothing to watch: give --config FILE or --replica DSN [--source DSN]",
            ));
        }
    };
    if let Some(interval) = interval {
        // The limit of one poll follows the interval unless the file set its own.
        if fleet.timeout == fleet.interval {
            fleet.timeout = interval;
        }
        fleet.interval = interval;
    }
    if let Some(listen) = args.listen {
        fleet.listen = listen;
    }
    Ok(fleet)
}

fn print_once(states: &[TargetState], global: &GlobalArgs) -> Status {
    let worst = states
        .iter()
        .map(|t| t.health)
        .max()
        .unwrap_or(Health::Unknown);
    let status = match worst {
        Health::Healthy => Status::Healthy,
        Health::Warning => Status::Warning,
        Health::Critical => Status::Critical,
        Health::Unknown => Status::Unknown,
    };
    match global.format {
        Format::Json => {
            let payload = serde_json::json!({ "targets": states });
            match envelope_pretty(status, &payload) {
                Ok(text) => println!("{text}"),
                Err(_) => println!("{payload:#}"),
            }
        }
        Format::Text | Format::Markdown => {
            for state in states {
                println!("{}", watch::summary_line(state));
                for finding in &state.findings {
                    println!(
                        "  {} {}: {}",
                        finding.severity.as_str(),
                        finding.class.as_str(),
                        finding.title
                    );
                }
            }
        }
    }
    status
}

fn test_alerts(
    fleet: &Fleet,
    runtime: &tokio::runtime::Runtime,
    global: &GlobalArgs,
) -> Result<Status, Failure> {
    if fleet.alerts.is_empty() {
        return Err(Failure::new("the fleet file has no [[alert]] to test"));
    }
    let results = runtime.block_on(watch::alerts::test(&fleet.alerts));
    let failed = results.iter().filter(|(_, r)| r.is_err()).count();
    let status = if failed == 0 {
        Status::Healthy
    } else {
        Status::Unknown
    };
    match global.format {
        Format::Json => {
            let alerts: Vec<serde_json::Value> = results
                .iter()
                .map(|(name, result)| match result {
                    Ok(()) => serde_json::json!({ "alert": name, "delivered": true }),
                    Err(reason) => {
                        serde_json::json!({ "alert": name, "delivered": false, "reason": reason })
                    }
                })
                .collect();
            let payload = serde_json::json!({ "alerts": alerts });
            println!("{}", envelope_pretty(status, &payload)?);
        }
        Format::Text | Format::Markdown => {
            for (name, result) in &results {
                match result {
                    Ok(()) => println!("{name}: delivered"),
                    Err(reason) => println!("{name}: not delivered: {reason}"),
                }
            }
        }
    }
    Ok(status)
}

/// One line per transition on standard error (a JSON object per line with `--format json`).
fn print_transition(transition: &Transition, json: bool) {
    if json {
        if let Ok(line) = serde_json::to_string(transition) {
            eprintln!("{line}");
        }
        return;
    }
    let kind = match transition.kind {
        TransitionKind::Started => "started",
        TransitionKind::Changed => "changed",
        TransitionKind::Ended => "ended",
    };
    let finding = &transition.finding;
    let channel = match finding.channel.as_deref() {
        Some("") | None => String::new(),
        Some(channel) => format!(" channel {channel}"),
    };
    eprintln!(
        "repldoctor watch: {} {}: {kind} {} {}{channel}: {}",
        transition.at,
        transition.target,
        finding.severity.as_str(),
        finding.class.as_str(),
        finding.title
    );
}

/// Resolves on Ctrl-C or SIGTERM (systemd's stop).
async fn stopped() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
