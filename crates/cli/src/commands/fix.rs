//! `repldoctor fix`.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::{Args, ValueEnum};
use diagnose::plan::{Action, Choice, Plan, Target};
use diagnose::{Finding, Report};
use fix::check::Evaluation;
use fix::executor::{self, Preview, Progress, Run, Servers, Stop};
use fix::journal::{self, Event};
use fix::{FindingKey, Journal, Outcome};
use serde::Serialize;
use session::Session;

use ::collect::CollectOptions;

use crate::args::{ConnectionArgs, Format, GlobalArgs};
use crate::commands::collect;
use crate::connection;
use crate::failure::Failure;
use crate::output;
use crate::status::Status;

const EXAMPLES: &str = "\
Exit status: 0 repaired and verified (the finding is gone, the tables it touched are equal on
both servers); 1 repaired with a warning (not verified: no --source; or differences the plan
said it would leave); 2 stopped before the end (a precondition or check did not hold, a step
for a person, Ctrl-C), or after a dry run: the plan cannot run as it stands now; 3 could not
run (unreachable server, another fixer, a saved plan for another finding).

Examples:
  repldoctor fix --replica 'h=db2,u=admin' --source 'h=db1,u=admin'          # the plan, checked now
  repldoctor fix --replica 'h=db2,u=admin' --source 'h=db1,u=admin' --apply  # carry it out
  repldoctor fix --replica ... --source ... --prefer source --apply   # the rows differ: the source wins
  repldoctor diagnose --replica 'h=db2' --format json > d.json
  repldoctor fix --plan d.json --finding 1 --replica 'h=db2,u=admin' --apply --yes
  repldoctor fix --resume ~/.local/state/repldoctor/journal.jsonl --replica ... --apply  # after a manual step";

/// Carries out the fix plan of a diagnosis. It diagnoses now, takes the finding's plan and
/// shows every step with its preconditions evaluated now; nothing changes without --apply.
/// With --apply each precondition is read again on the same connection right before its step,
/// the run stops at the first precondition or check that does not hold, every step is written
/// to the journal before the next, and at the end the finding must be gone from a fresh
/// diagnosis and `verify` must find the table it touched equal on both servers.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct FixArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// A diagnosis saved with `repldoctor diagnose --format json`: the fix runs only if a
    /// diagnosis now finds the same finding (class, server, failing GTID or position, error)
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,

    /// Which finding's plan to carry out (1 = the top finding)
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub finding: usize,

    /// When the servers' rows differ: whose rows are right. source: the replica takes the
    /// source's row; replica: the replica keeps its row and the source's transaction is skipped
    #[arg(long, value_enum, value_name = "SIDE")]
    pub prefer: Option<Prefer>,

    /// When a local session blocks the applier: kill it (its open transaction is rolled back),
    /// only while it is still the same session
    #[arg(long, conflicts_with = "prefer")]
    pub kill_blocker: bool,

    /// Change the servers; without it this is a dry run
    #[arg(long)]
    pub apply: bool,

    /// With --apply: do not ask (for scripts)
    #[arg(long, requires = "apply")]
    pub yes: bool,

    /// Go on with the run this journal recorded last, after the step for a person it stopped
    /// at; everything is diagnosed and checked again
    #[arg(long, value_name = "JOURNAL", conflicts_with = "plan")]
    pub resume: Option<PathBuf>,

    /// Where to journal every step [default: $XDG_STATE_HOME/repldoctor/journal.jsonl, or
    /// ~/.local/state/repldoctor/journal.jsonl]
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Prefer {
    Source,
    Replica,
}

impl Prefer {
    fn choice(self) -> Choice {
        match self {
            Prefer::Source => Choice::PreferSource,
            Prefer::Replica => Choice::PreferReplica,
        }
    }
}

/// A journal bigger than this is not read back for --resume.
const JOURNAL_LIMIT: u64 = 64 << 20;

pub fn run(args: FixArgs, global: &GlobalArgs) -> Result<Status, Failure> {
    let Some(replica_dsn) = &args.connection.replica else {
        return Err(Failure::new("give --replica DSN: the replica to repair"));
    };
    let replica = connection::resolve(replica_dsn, "replica", &args.connection)?;
    let source = args
        .connection
        .source
        .as_deref()
        .map(|dsn| connection::resolve(dsn, "source", &args.connection))
        .transpose()?;
    let journal_path = match &args.journal {
        Some(path) => path.clone(),
        None => Journal::default_path().ok_or_else(|| {
            Failure::new("no journal place: set HOME or XDG_STATE_HOME, or give --journal PATH")
        })?,
    };
    let resumed = args.resume.as_deref().map(resume_point).transpose()?;
    let saved = match (&args.plan, &resumed) {
        (Some(path), _) => Some(saved_finding(path, args.finding)?),
        (None, Some(resumed)) => Some(resumed.finding.clone()),
        (None, None) => None,
    };
    let choice = args
        .prefer
        .map(Prefer::choice)
        .or(args.kill_blocker.then_some(Choice::KillBlocker))
        .or(resumed.as_ref().and_then(|r| r.choice));

    // Diagnose now: a saved plan only says which finding; the steps are this moment's.
    let report = diagnose_now(&args.connection, global)?;
    let number = if saved.is_some() {
        None
    } else {
        Some(args.finding)
    };
    if let (Some(resumed), Some(path)) = (&resumed, &args.resume)
        && !report
            .findings
            .iter()
            .any(|f| resumed.finding.differences(&FindingKey::of(f)).is_empty())
    {
        // The step for a person did it: nothing is left to carry out but the checks.
        return resumed_and_gone(
            resumed,
            path,
            &args,
            &replica,
            source.as_ref(),
            global,
            &report,
        );
    }
    if saved.is_none() && report.worst() <= Some(diagnose::Severity::Info) {
        // Nothing wrong is not a failure to run: a script calling fix on a healthy replica
        // gets 0, unless the diagnosis could not tell.
        if report.undetermined() {
            return Err(Failure::new(
                "nothing to fix could be named: the diagnosis could not tell (a replication \
                 error was not understood, or no replication status was read)",
            ));
        }
        match global.format {
            Format::Json => println!(
                "{}",
                output::envelope(
                    Status::Healthy,
                    &serde_json::json!({"findings": 0, "nothing_to_fix": true})
                )?
            ),
            Format::Text | Format::Markdown => {
                println!("Nothing to fix: the diagnosis finds nothing wrong with the replica.")
            }
        }
        return Ok(Status::Healthy);
    }
    let (finding, plan) = select(&report, number, saved.as_ref(), choice)?;
    let key = FindingKey::of(finding);
    let first_step = match &resumed {
        Some(resumed) => {
            let step = resumed
                .manual_step
                .checked_sub(1)
                .and_then(|index| plan.steps.get(index));
            if !step.is_some_and(|s| !matches!(s.action, Action::Sql { .. })) {
                return Err(Failure::new(format!(
                    "--resume: step {} of this finding's plan is no longer the step for a person \
                     the journal stopped at; run `repldoctor fix` without --resume",
                    resumed.manual_step
                )));
            }
            resumed.manual_step + 1
        }
        None => 1,
    };

    let timeouts = connection::timeouts(&args.connection);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let needs_source = plan.steps.iter().any(|s| s.target == Target::Source);
    let mut servers = runtime.block_on(async {
        Ok::<_, Failure>(Servers {
            replica: Session::connect(&replica, "replica", timeouts).await?,
            source: match (&source, needs_source) {
                (Some(source), true) => Some(Session::connect(source, "source", timeouts).await?),
                _ => None,
            },
        })
    })?;
    let server = servers.replica.label();
    runtime.block_on(ready(&mut servers, &key, &server))?;
    let previews = runtime.block_on(executor::preview(&plan, &mut servers));
    let blocked = blocked_now(&previews, first_step);
    if !args.apply && !runtime.block_on(executor::lock_is_free(&mut servers.replica)) {
        runtime.block_on(close(&mut servers));
        return Err(Failure::new(format!(
            "replica {server}: {}",
            executor::LockError::Held
        )));
    }

    if !args.apply {
        runtime.block_on(close(&mut servers));
        let status = if blocked.is_some() {
            Status::Critical
        } else {
            Status::Healthy
        };
        let view = DryRun {
            finding: &key,
            choice,
            summary: &plan.summary.en,
            data_loss: plan.data_loss.as_ref().map(|t| t.en.as_str()),
            first_step,
            steps: &previews,
            plan: journal::scrubbed(&plan),
            blocked_at: blocked,
        };
        match global.format {
            Format::Json => println!("{}", output::envelope(status, &view)?),
            Format::Text | Format::Markdown => {
                print!("{}", describe(finding, &plan, &previews, first_step));
                println!(
                    "{}",
                    match blocked {
                        Some(step) => format!(
                            "Dry run, nothing changed. As things stand the run would stop at step {step}."
                        ),
                        None => "Dry run, nothing changed. Add --apply to carry it out.".to_owned(),
                    }
                );
            }
        }
        return Ok(status);
    }

    if !args.yes {
        confirm(&server, &plan)?;
    }
    let mut journal = Journal::open(&journal_path).map_err(|err| {
        Failure::new(format!(
            "cannot open the journal {}: {err}",
            journal_path.display()
        ))
    })?;
    let cancel = Arc::new(AtomicBool::new(false));
    let quiet = global.format == Format::Json;
    let outcome = runtime.block_on(async {
        executor::lock(&mut servers.replica)
            .await
            .map_err(|err| Failure::new(format!("replica {server}: {err}")))?;
        let flag = Arc::clone(&cancel);
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                flag.store(true, Ordering::Relaxed);
            }
        });
        let mut run = Run {
            journal: &mut journal,
            id: format!(
                "{}-{}",
                jiff::Timestamp::now().as_millisecond(),
                std::process::id()
            ),
            server: server.clone(),
            cancel: &cancel,
        };
        run.record(Event::Start {
            finding: key.clone(),
            facts: serde_json::to_value(&finding.facts).unwrap_or_default(),
            choice,
            first_step,
            plan: journal::scrubbed(&plan),
        })
        .map_err(|err| journal_failure(&journal_path, &err))?;
        let mut progress = |event: Progress<'_>| {
            if quiet {
                return;
            }
            match event {
                Progress::Starting { step, why } => eprintln!("repldoctor: step {step}: {why}"),
                Progress::Done { step, outcome } => {
                    let word = serde_json::to_value(outcome)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default();
                    eprintln!("repldoctor: step {step}: {}", word.replace('_', " "))
                }
            }
        };
        let outcome = executor::apply(&plan, first_step, &mut servers, &mut run, &mut progress)
            .await
            .map_err(|err| journal_failure(&journal_path, &err))?;
        executor::unlock(&mut servers.replica).await;
        close(&mut servers).await;
        Ok::<_, Failure>(outcome)
    })?;

    let mut result = Applied {
        finding: &key,
        choice,
        journal: journal_path.display().to_string(),
        outcome: &outcome,
        finding_gone: None,
        verify: None,
        warnings: Vec::new(),
    };
    let status = match &outcome {
        Outcome::Stopped { .. } => Status::Critical,
        // The servers were changed: a check that cannot run now is a warning, not "could
        // not run".
        Outcome::Completed { .. } if cancel.load(Ordering::Relaxed) => {
            result
                .warnings
                .push("interrupted (Ctrl-C) after the last step: not checked".to_owned());
            Status::Warning
        }
        Outcome::Completed { .. } => match diagnose_now(&args.connection, global) {
            Err(err) => {
                result.warnings.push(format!(
                    "not checked: the diagnosis after the run failed: {err}"
                ));
                Status::Warning
            }
            Ok(after) => {
                let checks = AfterChecks {
                    source: source.as_ref(),
                    replica: &replica,
                    timeouts,
                    cancel: &cancel,
                };
                runtime
                    .block_on(judge(
                        &after,
                        plan.data_loss.as_ref().map(|t| t.en.as_str()),
                        &checks,
                        &mut result,
                    ))
                    .unwrap_or_else(|err| {
                        result.warnings.push(format!("not verified: {err}"));
                        Status::Warning
                    })
            }
        },
    };
    match global.format {
        Format::Json => println!("{}", output::envelope(status, &result)?),
        Format::Text | Format::Markdown => print!("{}", describe_applied(&result, &plan)),
    }
    Ok(status)
}

/// What the checks after a run need.
struct AfterChecks<'a> {
    source: Option<&'a session::dsn::Endpoint>,
    replica: &'a session::dsn::Endpoint,
    timeouts: session::Timeouts,
    cancel: &'a AtomicBool,
}

/// Done only when a fresh diagnosis no longer finds the finding, and `verify` finds the table
/// it touched equal (or different only as the plan said it would be).
async fn judge(
    after: &Report,
    data_loss: Option<&str>,
    checks: &AfterChecks<'_>,
    result: &mut Applied<'_>,
) -> Result<Status, Failure> {
    let gone = result.finding.still_there(&after.findings).is_none();
    result.finding_gone = Some(gone);
    if !gone {
        result
            .warnings
            .push("a fresh diagnosis still finds this finding".to_owned());
        return Ok(Status::Critical);
    }
    // Gone, but replication broken another way (the applier stopped on the next error): no
    // repair to report.
    if let Some(other) = after.findings.iter().find(|f| {
        f.severity == diagnose::Severity::Critical && f.facts.server == result.finding.server
    }) {
        result.warnings.push(format!(
            "a fresh diagnosis finds another critical problem on the replica: {}: {}",
            other.class, other.title.en
        ));
        return Ok(Status::Critical);
    }
    // A finding about no table (a receiver, a killed thread) is verified by the fresh
    // diagnosis alone.
    let Some(table) = result.finding.table.clone() else {
        return Ok(Status::Healthy);
    };
    let Some(source) = checks.source else {
        result.warnings.push(format!(
            "not verified: give --source to compare {table}, the table the repair touched"
        ));
        return Ok(Status::Warning);
    };
    let report = verify_table(
        source,
        checks.replica,
        &table,
        checks.timeouts,
        checks.cancel,
    )
    .await?;
    let status = match (report.exit_status(), data_loss) {
        (0, _) => Status::Healthy,
        (2, Some(loss)) => {
            result.warnings.push(format!(
                "{table} differs, as the plan said it would: {loss}"
            ));
            Status::Warning
        }
        (2, None) => Status::Critical,
        _ => {
            result
                .warnings
                .push(format!("{table} could not be compared"));
            Status::Warning
        }
    };
    result.verify = Some(report);
    Ok(status)
}

/// `--resume` when the finding the journal's run stopped on is gone already.
fn resumed_and_gone(
    resumed: &Resumed,
    path: &std::path::Path,
    args: &FixArgs,
    replica: &session::dsn::Endpoint,
    source: Option<&session::dsn::Endpoint>,
    global: &GlobalArgs,
    report: &Report,
) -> Result<Status, Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let cancel = AtomicBool::new(false);
    let outcome = Outcome::Completed {
        follow_ups: Vec::new(),
    };
    let mut result = Applied {
        finding: &resumed.finding,
        choice: resumed.choice,
        journal: path.display().to_string(),
        outcome: &outcome,
        finding_gone: None,
        verify: None,
        warnings: vec![format!(
            "the finding the journal's last run stopped on (at step {}) is gone: nothing was left \
             to carry out",
            resumed.manual_step
        )],
    };
    let checks = AfterChecks {
        source,
        replica,
        timeouts: connection::timeouts(&args.connection),
        cancel: &cancel,
    };
    let status = runtime.block_on(judge(report, None, &checks, &mut result))?;
    // The run the journal stopped is over: a second --resume has nothing to go on with.
    let mut journal = Journal::open(path).map_err(|err| journal_failure(path, &err))?;
    journal
        .write(&journal::Entry {
            time: jiff::Timestamp::now(),
            run: resumed.run.clone(),
            server: replica.to_string(),
            event: Event::End {
                outcome: "completed".to_owned(),
                detail: "resumed: the finding was gone, nothing left to carry out".to_owned(),
            },
        })
        .map_err(|err| journal_failure(path, &err))?;
    match global.format {
        Format::Json => println!("{}", output::envelope(status, &result)?),
        Format::Text | Format::Markdown => {
            print!("{}", describe_applied(&result, &Plan::default()))
        }
    }
    Ok(status)
}

/// Readies the sessions for the plan and refuses what the executor does not handle yet: the
/// plans' checks read the replica's status without naming a channel, right only when it has
/// one.
async fn ready(servers: &mut Servers, key: &FindingKey, server: &str) -> Result<(), Failure> {
    let channels = executor::channels(&mut servers.replica)
        .await
        .map_err(|err| Failure::new(format!("replica {server}: {err}")))?;
    let named = key.channel.as_deref().is_some_and(|c| !c.is_empty());
    if channels > 1 || named {
        return Err(Failure::new(format!(
            "refused: replica {server} has {channels} replication channels{}; repldoctor fix \
             repairs a replica with one channel so far (its checks read the status without \
             naming a channel): carry the plan of `repldoctor diagnose` out by hand",
            if named {
                " and the finding is on a named one"
            } else {
                ""
            }
        )));
    }
    executor::prepare(&mut servers.replica)
        .await
        .map_err(|err| Failure::new(format!("replica {server}: {err}")))?;
    if let Some(source) = &mut servers.source {
        let label = source.label();
        executor::prepare(source)
            .await
            .map_err(|err| Failure::new(format!("source {label}: {err}")))?;
    }
    Ok(())
}

/// Collects from the servers as `diagnose --replica` does and diagnoses.
fn diagnose_now(connection: &ConnectionArgs, global: &GlobalArgs) -> Result<Report, Failure> {
    let collection = collect::collect_live(connection, CollectOptions::default(), global)?;
    Ok(diagnose::diagnose_collection(&collection))
}

/// The finding to fix and the plan to carry out: by number, or the one a saved diagnosis
/// names (refused unless a diagnosis now finds it again), and the alternative `choice` picks.
fn select<'r>(
    report: &'r Report,
    number: Option<usize>,
    saved: Option<&FindingKey>,
    choice: Option<Choice>,
) -> Result<(&'r Finding, Plan), Failure> {
    let finding = match (number, saved) {
        (_, Some(saved)) => {
            let mut nearest = Vec::new();
            let found = report.findings.iter().find(|finding| {
                let now = FindingKey::of(finding);
                let differences = saved.differences(&now);
                if now.class == saved.class && !differences.is_empty() {
                    nearest = differences.clone();
                }
                differences.is_empty()
            });
            found.ok_or_else(|| {
                Failure::new(if nearest.is_empty() {
                    format!(
                        "refused: the saved finding ({} on {}) is not found now; diagnose again",
                        saved.class,
                        saved.server.as_deref().unwrap_or("the replica")
                    )
                } else {
                    format!(
                        "refused: the saved finding is not the one found now ({}); diagnose again",
                        nearest.join(", ")
                    )
                })
            })?
        }
        (Some(number), None) => report.findings.get(number.wrapping_sub(1)).ok_or_else(|| {
            Failure::new(if report.findings.is_empty() {
                "nothing to fix: the diagnosis finds nothing wrong".to_owned()
            } else {
                format!(
                    "--finding {number}: the diagnosis has {} finding(s)",
                    report.findings.len()
                )
            })
        })?,
        (None, None) => return Err(Failure::new("no finding chosen")),
    };
    let plan = match choice {
        None => finding.fix.clone(),
        Some(choice) => finding
            .fix
            .alternatives
            .iter()
            .find(|a| a.choice == Some(choice))
            .map(|a| a.plan.clone())
            .ok_or_else(|| {
                Failure::new(format!(
                    "refused: {}: this finding's plan has no such choice ({}); run without it",
                    match choice {
                        Choice::PreferSource => "--prefer source",
                        Choice::PreferReplica => "--prefer replica",
                        Choice::KillBlocker => "--kill-blocker",
                    },
                    finding.fix.summary.en
                ))
            })?,
    };
    if executor::dispositions(&plan)
        .iter()
        .all(|d| *d == executor::Disposition::Show)
    {
        return Err(Failure::new(format!(
            "nothing to carry out: the plan of {} has no step repldoctor can run or a person must \
             take ({})",
            finding.class, plan.summary.en
        )));
    }
    Ok((finding, plan))
}

fn saved_finding(path: &std::path::Path, number: usize) -> Result<FindingKey, Failure> {
    let bytes = crate::input::read(crate::input::Input::File(path), crate::input::EVIDENCE)
        .map_err(|err| Failure::new(format!("--plan {}: {err}", path.display())))?;
    let json: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|err| Failure::new(format!("--plan {}: not JSON: {err}", path.display())))?;
    FindingKey::from_saved(&json, number)
        .map_err(|err| Failure::new(format!("--plan {}: {err}", path.display())))
}

/// Where the last run of a journal stopped for a person.
struct Resumed {
    /// The journal's run id, which the end of a resumed run is recorded under.
    run: String,
    finding: FindingKey,
    choice: Option<Choice>,
    manual_step: usize,
}

fn resume_point(path: &std::path::Path) -> Result<Resumed, Failure> {
    let entries = journal::read(path, JOURNAL_LIMIT)
        .map_err(|err| Failure::new(format!("--resume {}: {err}", path.display())))?;
    let last_run = entries.last().map(|e| e.run.clone()).ok_or_else(|| {
        Failure::new(format!("--resume {}: the journal is empty", path.display()))
    })?;
    let run: Vec<_> = entries.iter().filter(|e| e.run == last_run).collect();
    let start = run.iter().find_map(|e| match &e.event {
        Event::Start {
            finding, choice, ..
        } => Some((finding.clone(), *choice)),
        _ => None,
    });
    let ended_stopped = run
        .last()
        .is_some_and(|e| matches!(&e.event, Event::End { outcome, .. } if outcome == "stopped"));
    let manual = run
        .iter()
        .rev()
        .filter(|_| ended_stopped)
        .find_map(|e| match &e.event {
            Event::Step {
                step,
                outcome: journal::StepOutcome::Manual,
                ..
            } => Some(*step),
            _ => None,
        });
    match (start, manual) {
        (Some((finding, choice)), Some(manual_step)) => Ok(Resumed {
            run: last_run,
            finding,
            choice,
            manual_step,
        }),
        _ => Err(Failure::new(format!(
            "--resume {}: its last run did not stop at a step for a person; nothing to resume",
            path.display()
        ))),
    }
}

/// The first step at or after `first` that would stop the run as things are now.
fn blocked_now(previews: &[Preview], first: usize) -> Option<usize> {
    previews
        .iter()
        .filter(|p| p.step >= first)
        .find(|p| {
            p.disposition == executor::Disposition::Manual
                || p.preconditions.iter().any(|c| !c.evaluation.holds())
        })
        .map(|p| p.step)
}

/// Asks on the terminal for the replica's `host:port`, typed back.
fn confirm(server: &str, plan: &Plan) -> Result<(), Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(Failure::new(
            "--apply asks for confirmation on a terminal; add --yes to carry the plan out without asking",
        ));
    }
    eprintln!(
        "About to change {server}: {} ({} step(s)).",
        plan.summary.en,
        plan.steps.len()
    );
    if let Some(loss) = &plan.data_loss {
        eprintln!("Data given up: {}", loss.en);
    }
    eprint!("Type the replica's host:port ({server}) to go on: ");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    if answer.trim() == server {
        Ok(())
    } else {
        Err(Failure::new("not confirmed: nothing was changed"))
    }
}

async fn close(servers: &mut Servers) {
    servers.replica.close().await;
    if let Some(source) = &mut servers.source {
        source.close().await;
    }
}

fn journal_failure(path: &std::path::Path, err: &std::io::Error) -> Failure {
    Failure::new(format!(
        "the journal {} cannot be written ({err}): stopped, since a change must not go unrecorded",
        path.display()
    ))
}

/// Compares the one table the repair touched, as `repldoctor verify DB.TABLE` does.
async fn verify_table(
    source: &session::dsn::Endpoint,
    replica: &session::dsn::Endpoint,
    table: &str,
    timeouts: session::Timeouts,
    cancel: &AtomicBool,
) -> Result<verify::Report, Failure> {
    let selection = verify::tables::Selection::parse(table).map_err(Failure::new)?;
    let mut timeouts = timeouts;
    timeouts.statement = timeouts.statement.max(Duration::from_secs(60));
    let connect = |endpoint, role| Session::connect(endpoint, role, timeouts);
    let mut servers = verify::Servers {
        source: connect(source, "source").await?,
        replica: connect(replica, "replica").await?,
        control: connect(replica, "replica").await?,
    };
    let options = verify::Options {
        selection: vec![selection],
        ..verify::Options::default()
    };
    let report = verify::verify(&mut servers, &options, cancel, &mut |_| {}).await;
    for session in [
        &mut servers.source,
        &mut servers.replica,
        &mut servers.control,
    ] {
        session.close().await;
    }
    report.map_err(Failure::from)
}

#[derive(Serialize)]
struct DryRun<'a> {
    finding: &'a FindingKey,
    #[serde(skip_serializing_if = "Option::is_none")]
    choice: Option<Choice>,
    summary: &'a str,
    data_loss: Option<&'a str>,
    first_step: usize,
    /// What the executor would do with each step and its preconditions evaluated now.
    steps: &'a [Preview],
    /// The plan itself (statements scrubbed), step for step as `steps` numbers them.
    plan: Plan,
    /// The step the run would stop at as things stand now.
    blocked_at: Option<usize>,
}

#[derive(Serialize)]
struct Applied<'a> {
    finding: &'a FindingKey,
    #[serde(skip_serializing_if = "Option::is_none")]
    choice: Option<Choice>,
    journal: String,
    outcome: &'a Outcome,
    finding_gone: Option<bool>,
    verify: Option<verify::Report>,
    warnings: Vec<String>,
}

/// The plan with what each step is to the executor and its preconditions now.
fn describe(finding: &Finding, plan: &Plan, previews: &[Preview], first: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {}{}",
        finding.class,
        finding.title.en,
        finding
            .facts
            .server
            .as_deref()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default()
    );
    let _ = writeln!(out, "Plan: {}", plan.summary.en);
    if let Some(loss) = &plan.data_loss {
        let _ = writeln!(out, "Data given up: {}", loss.en);
    }
    let stops_at = previews
        .iter()
        .find(|p| p.step >= first && p.disposition == executor::Disposition::Manual)
        .map(|p| p.step);
    for (step, preview) in plan.steps.iter().zip(previews) {
        let done = if preview.step < first { " (done)" } else { "" };
        let what = match preview.disposition {
            executor::Disposition::Run => "runs",
            executor::Disposition::Show => "shown, not run",
            executor::Disposition::Manual if stops_at == Some(preview.step) => {
                "for you: the run stops here"
            }
            executor::Disposition::Manual => "for you",
            executor::Disposition::FollowUp => "for you, afterwards",
        };
        let _ = writeln!(
            out,
            "  {}. {} [{what}]{done}",
            preview.step,
            executor::target_name(&step.target)
        );
        match &step.action {
            Action::Sql { statements } => {
                for statement in statements {
                    let _ = writeln!(out, "       {}", journal::scrub(statement));
                }
            }
            Action::InjectEmpty { gtids } => {
                let _ = writeln!(
                    out,
                    "       an empty transaction under each GTID of {gtids}, in batches of {}, \
                     each checked not executed yet",
                    fix::inject::BATCH
                );
            }
            Action::Shell { command } => {
                let _ = writeln!(out, "       $ {command}");
            }
            Action::Manual { instruction } => {
                let _ = writeln!(out, "       {}", instruction.en);
            }
        }
        let _ = writeln!(out, "       why: {}", step.why.en);
        for check in &preview.preconditions {
            let (word, found) = match &check.evaluation {
                Evaluation::Holds { found } => ("holds now", found.clone()),
                Evaluation::DoesNotHold { found } => ("DOES NOT HOLD now", found.clone()),
                Evaluation::Failed { error } => ("cannot be read", error.clone()),
                Evaluation::ForAPerson => ("for a person to confirm", String::new()),
            };
            let _ = writeln!(
                out,
                "       only if {}: {word}{}",
                check.description,
                if found.is_empty() {
                    String::new()
                } else {
                    format!(" ({found})")
                }
            );
        }
        if let Some(check) = &step.verify {
            let _ = writeln!(out, "       then check: {}", check.description.en);
        }
    }
    out
}

fn describe_applied(result: &Applied<'_>, plan: &Plan) -> String {
    let mut out = String::new();
    match result.outcome {
        Outcome::Completed { follow_ups } => {
            if plan.steps.is_empty() {
                let _ = writeln!(out, "Nothing was left to carry out.");
            } else {
                let _ = writeln!(out, "Plan: {}", plan.summary.en);
                let _ = writeln!(out, "Every step ran and every check held.");
            }
            for step in follow_ups
                .iter()
                .filter_map(|number| plan.steps.get(number.checked_sub(1)?))
            {
                let what = match &step.action {
                    Action::Manual { instruction } => instruction.en.clone(),
                    Action::Shell { command } => format!("on the host: {command}"),
                    Action::Sql { statements } => format!(
                        "on {}: {}",
                        executor::target_name(&step.target),
                        statements
                            .iter()
                            .map(|s| journal::scrub(s))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                    Action::InjectEmpty { gtids } => format!(
                        "on {}: empty transactions for {gtids}",
                        executor::target_name(&step.target)
                    ),
                };
                let _ = writeln!(out, "Left for you: {what}");
            }
        }
        Outcome::Stopped { step, stop } => {
            let _ = writeln!(out, "Stopped at step {step}: {}", stop_words(stop));
            let _ = writeln!(
                out,
                "Steps before {step} were carried out; nothing after. The journal has the state \
                 before and after each step."
            );
            if matches!(stop, Stop::Manual { .. }) {
                let _ = writeln!(
                    out,
                    "When it is done: repldoctor fix --resume {} (with the same --replica/--source)",
                    result.journal
                );
            }
        }
    }
    match result.finding_gone {
        Some(true) => {
            let _ = writeln!(out, "A fresh diagnosis no longer finds it.");
        }
        Some(false) => {
            let _ = writeln!(out, "A fresh diagnosis STILL finds it.");
        }
        None => {}
    }
    if let Some(report) = &result.verify {
        for table in &report.tables {
            let verdict = match table.verdict {
                verify::Verdict::Equal => "equal",
                verify::Verdict::Different => "DIFFERENT",
                verify::Verdict::NotCompared => "NOT COMPARED",
            };
            let _ = writeln!(
                out,
                "verify {}: {verdict}, {} rows on the source, {} on the replica, {} differ",
                table.table, table.rows_source, table.rows_replica, table.rows_different
            );
        }
    }
    for warning in &result.warnings {
        let _ = writeln!(out, "warning: {warning}");
    }
    let _ = writeln!(out, "Journal: {}", result.journal);
    out
}

fn stop_words(stop: &Stop) -> String {
    match stop {
        Stop::Precondition { check } => format!(
            "the precondition \"{}\" does not hold ({}); nothing of this step was sent",
            check.description,
            found(&check.evaluation)
        ),
        Stop::Check { check } => format!(
            "the step ran but \"{}\" does not hold afterwards ({})",
            check.description,
            found(&check.evaluation)
        ),
        Stop::Statement {
            statement,
            error,
            undone,
        } => format!(
            "`{statement}` failed: {error}; undone on the same connection: {}",
            undone.join("; ")
        ),
        Stop::ConnectionLost { statement, error } => format!(
            "the connection was lost{}: {error}; an open transaction is rolled back by the server",
            if statement.is_empty() {
                String::new()
            } else {
                format!(" at `{statement}`")
            }
        ),
        Stop::Manual { instruction } => format!("a step for you: {instruction}"),
        Stop::Interrupted => "interrupted (Ctrl-C) between two steps".to_owned(),
        Stop::NoSession { target } => {
            format!("the step runs on the {target}, which this run has no connection to")
        }
    }
}

fn found(evaluation: &Evaluation) -> String {
    match evaluation {
        Evaluation::Holds { found } | Evaluation::DoesNotHold { found } => found.clone(),
        Evaluation::Failed { error } => error.clone(),
        Evaluation::ForAPerson => "only a person can tell".to_owned(),
    }
}
