//! Carrying out a plan: each step's preconditions re-read on the pinned session right before
//! it, its statements on that one connection, its check afterwards, then its journal line.
//! The first precondition or check that fails stops the run, and the journal says where.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use diagnose::plan::{Action, Plan, RiskLevel, Step, Target};
use dialect::catalogue;
use serde::Serialize;
use session::{Session, StatementError};

use crate::check::{self, Evaluated, Evaluation};
use crate::inject;
use crate::journal::{self, Entry, Event, Journal, StepOutcome};
use crate::state::ServerState;

/// How long a step's check may take to come true (an applier starting, a thread stopping).
const SETTLE: Duration = Duration::from_secs(15);
/// A check that holds is read again after this long: "runs and stays running".
const STAYS: Duration = Duration::from_secs(2);

/// The sessions a plan runs on, each pinned: a step's statements never leave its connection.
#[derive(Debug)]
pub struct Servers {
    pub replica: Session,
    pub source: Option<Session>,
}

impl Servers {
    fn session(&mut self, target: &Target) -> Option<&mut Session> {
        match target {
            Target::Replica => Some(&mut self.replica),
            Target::Source => self.source.as_mut(),
            _ => None,
        }
    }
}

/// What the executor does with a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// SQL on the replica or the source: run, with its preconditions and check.
    Run,
    /// A read-only command for a host: shown, never run by repldoctor.
    Show,
    /// Only a person can do it, and steps that change something follow: the run stops here.
    Manual,
    /// Only a person can do it, after the last step that changes something: listed at the end.
    FollowUp,
}

/// What each step of `plan` is to the executor.
pub fn dispositions(plan: &Plan) -> Vec<Disposition> {
    let runnable = |step: &Step| {
        matches!(step.action, Action::Sql { .. } | Action::InjectEmpty { .. })
            && matches!(step.target, Target::Replica | Target::Source)
    };
    let last_run = plan
        .steps
        .iter()
        .rposition(|step| runnable(step) && step.preconditions.iter().all(|c| c.sql.is_some()));
    plan.steps
        .iter()
        .enumerate()
        .map(|(index, step)| {
            // A precondition only a person can confirm makes the step theirs.
            let for_a_person = step.preconditions.iter().any(|c| c.sql.is_none());
            if runnable(step) && !for_a_person {
                Disposition::Run
            } else if matches!(step.action, Action::Shell { .. }) && step.risk == RiskLevel::None {
                Disposition::Show
            } else if last_run.is_none_or(|last| index < last) {
                // A plan with nothing to run stops at its first step for a person: completing
                // it would report a repair that never happened.
                Disposition::Manual
            } else {
                Disposition::FollowUp
            }
        })
        .collect()
}

/// A step as the dry run shows it: what the executor would do and its preconditions now.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    /// 1-based.
    pub step: usize,
    pub disposition: Disposition,
    pub preconditions: Vec<Evaluated>,
}

/// Evaluates every precondition of every step that would run, changing nothing.
pub async fn preview(plan: &Plan, servers: &mut Servers) -> Vec<Preview> {
    let mut previews = Vec::new();
    for ((index, step), disposition) in plan.steps.iter().enumerate().zip(dispositions(plan)) {
        let mut preconditions = Vec::new();
        if disposition == Disposition::Run {
            match servers.session(&step.target) {
                Some(session) => {
                    for precondition in &step.preconditions {
                        preconditions.push(check::evaluate(precondition, session).await);
                    }
                }
                None => preconditions.extend(step.preconditions.iter().map(|c| Evaluated {
                    description: c.description.en.clone(),
                    sql: c.sql.clone(),
                    expected: String::new(),
                    evaluation: Evaluation::Failed {
                        error: "no session to this server: give --source".to_owned(),
                    },
                })),
            }
        }
        previews.push(Preview {
            step: index + 1,
            disposition,
            preconditions,
        });
    }
    previews
}

/// Why a run stopped before the end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Stop {
    /// A precondition did not hold (or could not be read): nothing of the step was sent.
    Precondition { check: Evaluated },
    /// The step ran but its check does not hold.
    Check { check: Evaluated },
    /// A statement failed; what the step had opened was rolled back.
    Statement {
        statement: String,
        error: String,
        undone: Vec<String>,
    },
    /// The connection broke during the step.
    ConnectionLost { statement: String, error: String },
    /// A step only a person can take.
    Manual { instruction: String },
    /// Ctrl-C, between two steps.
    Interrupted,
    /// The step runs on a server the run has no session to.
    NoSession { target: String },
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Outcome {
    /// Every step ran and every check held. `follow_ups` are steps left for a person.
    Completed { follow_ups: Vec<usize> },
    /// Stopped at `step` (1-based); the steps before it completed.
    Stopped { step: usize, stop: Stop },
}

/// The context of one run.
#[derive(Debug)]
pub struct Run<'a> {
    pub journal: &'a mut Journal,
    /// The journal's run id.
    pub id: String,
    /// The replica, `host:port`: every journal line names it.
    pub server: String,
    pub cancel: &'a AtomicBool,
}

/// A step beginning or ending, for a progress line.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'s> {
    Starting { step: usize, why: &'s str },
    Done { step: usize, outcome: StepOutcome },
}

impl Run<'_> {
    fn entry(&self, event: Event) -> Entry {
        Entry {
            time: jiff::Timestamp::now(),
            run: self.id.clone(),
            server: self.server.clone(),
            event,
        }
    }

    pub fn record(&mut self, event: Event) -> std::io::Result<()> {
        let entry = self.entry(event);
        self.journal.write(&entry)
    }
}

/// Carries out `plan` from step `first` (1-based) on `servers`, journaling every step. An
/// error is the journal failing to write: the run stops at once, since an unrecorded change
/// is what the journal exists to prevent.
pub async fn apply(
    plan: &Plan,
    first: usize,
    servers: &mut Servers,
    run: &mut Run<'_>,
    progress: &mut dyn FnMut(Progress<'_>),
) -> std::io::Result<Outcome> {
    let mut follow_ups = Vec::new();
    let dispositions = dispositions(plan);
    for (index, step) in plan.steps.iter().enumerate().skip(first.saturating_sub(1)) {
        let number = index + 1;
        if run.cancel.load(Ordering::Relaxed) {
            return stopped(run, number, Stop::Interrupted);
        }
        match dispositions[index] {
            Disposition::FollowUp => {
                follow_ups.push(number);
                continue;
            }
            Disposition::Show => {
                record_unrun(run, number, step, StepOutcome::Shown)?;
                continue;
            }
            Disposition::Manual => {
                record_unrun(run, number, step, StepOutcome::Manual)?;
                let instruction = match &step.action {
                    Action::Manual { instruction } => instruction.en.clone(),
                    Action::Shell { command } => format!("run on the host: {command}"),
                    Action::Sql { statements } => statements
                        .iter()
                        .map(|s| journal::scrub(s))
                        .collect::<Vec<_>>()
                        .join("; "),
                    Action::InjectEmpty { gtids } => format!("empty transactions for {gtids}"),
                };
                return stopped(run, number, Stop::Manual { instruction });
            }
            Disposition::Run => {}
        }
        progress(Progress::Starting {
            step: number,
            why: &step.why.en,
        });
        let (outcome, stop) = match &step.action {
            Action::InjectEmpty { gtids } => {
                inject_batches(step, number, gtids, servers, run).await?
            }
            _ => run_step(step, number, servers, run, None).await?,
        };
        progress(Progress::Done {
            step: number,
            outcome,
        });
        if let Some(stop) = stop {
            return stopped(run, number, stop);
        }
    }
    run.record(Event::End {
        outcome: "completed".to_owned(),
        detail: String::new(),
    })?;
    Ok(Outcome::Completed { follow_ups })
}

fn stopped(run: &mut Run<'_>, step: usize, stop: Stop) -> std::io::Result<Outcome> {
    run.record(Event::End {
        outcome: "stopped".to_owned(),
        detail: format!(
            "at step {step}: {}",
            serde_json::to_string(&stop).unwrap_or_default()
        ),
    })?;
    Ok(Outcome::Stopped { step, stop })
}

fn record_unrun(
    run: &mut Run<'_>,
    number: usize,
    step: &Step,
    outcome: StepOutcome,
) -> std::io::Result<()> {
    run.record(Event::Step {
        step: number,
        target: target_name(&step.target),
        statements: Vec::new(),
        sent: 0,
        preconditions: Vec::new(),
        check: None,
        before: ServerState::default(),
        after: None,
        duration_ms: 0,
        outcome,
        detail: None,
    })
}

pub fn target_name(target: &Target) -> String {
    match target {
        Target::Replica => "replica".to_owned(),
        Target::Source => "source".to_owned(),
        Target::Server(name) => name.clone(),
        Target::ReplicaHost => "replica host".to_owned(),
        Target::SourceHost => "source host".to_owned(),
        Target::Dba => "DBA".to_owned(),
    }
}

/// One runnable step, journaled; the stop, when it does not complete.
async fn run_step(
    step: &Step,
    number: usize,
    servers: &mut Servers,
    run: &mut Run<'_>,
    summary: Option<String>,
) -> std::io::Result<(StepOutcome, Option<Stop>)> {
    let started = Instant::now();
    // Only SQL steps are dispositioned `Run`; anything else is refused, never run.
    let Action::Sql { statements } = &step.action else {
        record_unrun(run, number, step, StepOutcome::Refused)?;
        return Ok((
            StepOutcome::Refused,
            Some(Stop::NoSession {
                target: target_name(&step.target),
            }),
        ));
    };
    let statements_journaled: Vec<String> = match summary {
        Some(summary) => vec![summary],
        None => statements.iter().map(|s| journal::scrub(s)).collect(),
    };
    let Some(session) = servers.session(&step.target) else {
        let stop = Stop::NoSession {
            target: target_name(&step.target),
        };
        record_unrun(run, number, step, StepOutcome::Refused)?;
        return Ok((StepOutcome::Refused, Some(stop)));
    };
    let before = ServerState::read(session).await;
    let mut preconditions = Vec::new();
    let mut refusal = None;
    for precondition in &step.preconditions {
        let evaluated = check::evaluate(precondition, session).await;
        let holds = evaluated.evaluation.holds();
        preconditions.push(evaluated.clone());
        if !holds {
            refusal = Some(Stop::Precondition { check: evaluated });
            break;
        }
    }
    let entry = |sent, check, after, outcome, detail| Event::Step {
        step: number,
        target: target_name(&step.target),
        statements: statements_journaled.clone(),
        sent,
        preconditions: preconditions.clone(),
        check,
        before: before.clone(),
        after,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        outcome,
        detail,
    };
    if let Some(stop) = refusal {
        run.record(entry(0, None, None, StepOutcome::Refused, None))?;
        return Ok((StepOutcome::Refused, Some(stop)));
    }
    // On disk before anything is sent: a crash during the step leaves what it was sending.
    run.record(entry(0, None, None, StepOutcome::Sending, None))?;
    let connection = session.connection_id();
    for (sent, statement) in statements.iter().enumerate() {
        if let Err(err) = session.query(statement, 16).await {
            let lost = matches!(
                err,
                StatementError::Lost(_) | StatementError::Timeout(_) | StatementError::NotConnected
            );
            if lost {
                let cause = match err {
                    StatementError::Timeout(limit) => format!(
                        "statement {} got no answer within {} s and its connection was dropped",
                        sent + 1,
                        limit.as_secs()
                    ),
                    _ => format!("the connection broke at statement {}", sent + 1),
                };
                let ended = end_lost_connection(session, connection, &statements[..=sent]).await;
                let after = session
                    .connection_id()
                    .is_some()
                    .then_some(ServerState::read(session).await);
                let detail = format!(
                    "{cause}; the {sent} statement(s) before it took effect; {ended}; the state \
                     after shows whether statement {} did",
                    sent + 1
                );
                run.record(entry(
                    sent,
                    None,
                    after,
                    StepOutcome::ConnectionLost,
                    Some(detail),
                ))?;
                return Ok((
                    StepOutcome::ConnectionLost,
                    Some(Stop::ConnectionLost {
                        statement: journal::scrub(statement),
                        error: err.to_string(),
                    }),
                ));
            }
            let undone = undo_session_state(session, &statements[..sent]).await;
            let after = ServerState::read(session).await;
            let detail = format!(
                "statement {} failed: {err}; undone on the same connection: {}",
                sent + 1,
                undone.join("; ")
            );
            run.record(entry(
                sent,
                None,
                Some(after),
                StepOutcome::RolledBack,
                Some(detail),
            ))?;
            return Ok((
                StepOutcome::RolledBack,
                Some(Stop::Statement {
                    statement: journal::scrub(statement),
                    error: err.to_string(),
                    undone,
                }),
            ));
        }
    }
    let sent = statements.len();
    let check = match &step.verify {
        Some(verify) => Some(settled(verify, session).await),
        None => None,
    };
    let after = ServerState::read(session).await;
    match check {
        Some(check) if !check.evaluation.holds() => {
            run.record(entry(
                sent,
                Some(check.clone()),
                Some(after),
                StepOutcome::CheckFailed,
                None,
            ))?;
            Ok((StepOutcome::CheckFailed, Some(Stop::Check { check })))
        }
        check => {
            run.record(entry(
                sent,
                check,
                Some(after),
                StepOutcome::Completed,
                None,
            ))?;
            Ok((StepOutcome::Completed, None))
        }
    }
}

/// An [`Action::InjectEmpty`] step: its set in batches of [`inject::BATCH`], each run as a
/// step of its own (journaled, checked to hold no executed GTID right before, and all of them
/// after); the step's own preconditions are read before the first batch.
async fn inject_batches(
    step: &Step,
    number: usize,
    gtids: &str,
    servers: &mut Servers,
    run: &mut Run<'_>,
) -> std::io::Result<(StepOutcome, Option<Stop>)> {
    let set: gtid::GtidSet = match gtids.parse() {
        Ok(set) => set,
        Err(err) => {
            record_unrun(run, number, step, StepOutcome::Refused)?;
            return Ok((
                StepOutcome::Refused,
                Some(Stop::Precondition {
                    check: Evaluated {
                        description: "the plan's GTID set is a MySQL GTID set".to_owned(),
                        sql: None,
                        expected: gtids.to_owned(),
                        evaluation: Evaluation::Failed {
                            error: err.to_string(),
                        },
                    },
                }),
            ));
        }
    };
    let total = set.count();
    for (index, batch) in inject::batches(&set, inject::BATCH).enumerate() {
        if index > 0 && run.cancel.load(Ordering::Relaxed) {
            return Ok((StepOutcome::Refused, Some(Stop::Interrupted)));
        }
        let mut preconditions = if index == 0 {
            step.preconditions.clone()
        } else {
            Vec::new()
        };
        preconditions.push(inject::none_executed(&batch));
        let one = Step {
            action: Action::Sql {
                statements: inject::statements(&batch),
            },
            preconditions,
            verify: Some(inject::all_executed(&batch)),
            ..step.clone()
        };
        let summary = format!(
            "empty transactions for {batch} ({} of {total} GTIDs, batch {})",
            batch.count(),
            index + 1
        );
        let (outcome, stop) = run_step(&one, number, servers, run, Some(summary)).await?;
        if stop.is_some() {
            return Ok((outcome, stop));
        }
    }
    Ok((StepOutcome::Completed, None))
}

/// After a statement lost its connection: a new connection ends the old one on the server
/// (`KILL`: what it was still running is rolled back, not left to finish unseen), gives back a
/// skip counter the step armed, and takes the fixer lock again. Says what it did.
async fn end_lost_connection(session: &mut Session, old: Option<u32>, sent: &[String]) -> String {
    if let Err(err) = session.reconnect().await {
        return format!(
            "no new connection to end the old one ({err}): the server may still carry the statement out"
        );
    }
    let mut said = Vec::new();
    match old {
        Some(id) => match session.query(&format!("KILL {id}"), 1).await {
            Ok(_) => said.push(format!("the old connection {id} was killed on the server")),
            // 1094: no such thread, the server had ended it already.
            Err(err) if err.code() == Some(1094) => {
                said.push(format!("the old connection {id} had ended on the server"))
            }
            Err(err) => said.push(format!(
                "the old connection {id} could not be killed: {err}"
            )),
        },
        None => said.push("the old connection's id is unknown".to_owned()),
    }
    // GTID_NEXT and sql_log_bin went with the old session; a global skip counter did not.
    let counter = session.dialect().skip_counter();
    if sent.iter().any(|s| s.contains(counter)) {
        let reset = format!("SET GLOBAL {counter} = 0");
        match session.query(&reset, 1).await {
            Ok(_) => said.push(format!("{counter} set back to 0")),
            Err(err) => said.push(format!("{counter} could not be set back to 0: {err}")),
        }
    }
    if prepare(session).await.is_err() || lock(session).await.is_err() {
        said.push("the new connection could not be readied or take the fixer lock".to_owned());
    }
    said.join("; ")
}

/// Evaluates a check until it holds (at most [`SETTLE`]), then once more after [`STAYS`]: an
/// applier that starts and fails again at once does not count as running.
async fn settled(check: &diagnose::plan::Check, session: &mut Session) -> Evaluated {
    let deadline = Instant::now() + SETTLE;
    loop {
        let evaluated = check::evaluate(check, session).await;
        // A thread's state can change right after it is read; a committed row or GTID cannot.
        let of_a_thread = check
            .sql
            .as_deref()
            .is_some_and(|sql| sql.trim_start().to_ascii_uppercase().starts_with("SHOW"));
        if evaluated.evaluation.holds() && !of_a_thread {
            return evaluated;
        }
        if evaluated.evaluation.holds() {
            tokio::time::sleep(STAYS).await;
            return check::evaluate(check, session).await;
        }
        if Instant::now() >= deadline || matches!(evaluated.evaluation, Evaluation::Failed { .. }) {
            return evaluated;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// After a failed statement: ends an open transaction and gives back the session and global
/// settings the step's earlier statements changed, on the same connection. Returns what it
/// sent.
async fn undo_session_state(session: &mut Session, sent: &[String]) -> Vec<String> {
    // Compared without spaces, `@@SESSION.` or `SESSION`: `SET sql_log_bin=0` is the same.
    let normalised: Vec<String> = sent
        .iter()
        .map(|s| {
            s.to_ascii_lowercase()
                .split_whitespace()
                .collect::<String>()
                .replace("@@session.", "")
                .replace("setsession", "set")
        })
        .collect();
    let mut undo = vec!["ROLLBACK".to_owned()];
    if normalised.iter().any(|s| s.starts_with("setgtid_next")) {
        undo.push("SET GTID_NEXT = 'AUTOMATIC'".to_owned());
    }
    if normalised.iter().any(|s| s.starts_with("setsql_log_bin=0")) {
        undo.push("SET SESSION sql_log_bin = 1".to_owned());
    }
    let counter = session.dialect().skip_counter();
    if normalised
        .iter()
        .any(|s| s.contains(&counter.to_ascii_lowercase()))
    {
        undo.push(format!("SET GLOBAL {counter} = 0"));
    }
    let mut done = Vec::new();
    for statement in undo {
        let outcome = match session.query(&statement, 1).await {
            Ok(_) => "done".to_owned(),
            Err(err) => format!("failed: {err}"),
        };
        done.push(format!("{statement} ({outcome})"));
    }
    done
}

/// Readies a session for a plan, before its dry run: times in UTC, as the collector read every
/// value a plan writes (a TIMESTAMP key compares right), and lock waits shorter than the
/// statement time limit (`catalogue::FIX_LOCK_WAITS`).
pub async fn prepare(session: &mut Session) -> Result<(), StatementError> {
    session.query(catalogue::SESSION_UTC.sql, 1).await?;
    session
        .query(catalogue::FIX_BACKSLASH_ESCAPES.sql, 1)
        .await?;
    let wait = session
        .timeouts()
        .statement
        .as_secs()
        .saturating_sub(2)
        .max(1);
    session.query(&catalogue::fix_lock_waits(wait), 1).await?;
    Ok(())
}

/// How many replication channels the server has (MariaDB: connections of multi-source).
pub async fn channels(session: &mut Session) -> Result<usize, StatementError> {
    let sql = session.dialect().all_channels_status();
    Ok(session.query(&sql, 64).await?.rows.len())
}

/// Why the fixer lock was not taken.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LockError {
    #[error(
        "another repldoctor fix holds the fixer lock on this replica (GET_LOCK('repldoctor.fix')); wait for it to end"
    )]
    Held,
    #[error("cannot take the fixer lock: {0}")]
    Failed(String),
}

/// Takes the replica's fixer lock on its pinned session, so that a second fixer is refused.
pub async fn lock(session: &mut Session) -> Result<(), LockError> {
    match session.query(catalogue::FIX_LOCK.sql, 1).await {
        Ok(rows) => match rows.rows.first().and_then(|r| r.first()).cloned().flatten() {
            Some(value) if value == "1" => Ok(()),
            Some(value) if value == "0" => Err(LockError::Held),
            other => Err(LockError::Failed(format!("GET_LOCK returned {other:?}"))),
        },
        Err(err) => Err(LockError::Failed(err.to_string())),
    }
}

/// Whether no fixer holds the replica's lock now (the dry run says so before an `--apply`
/// would be refused).
pub async fn lock_is_free(session: &mut Session) -> bool {
    match session.query(catalogue::FIX_LOCK_FREE.sql, 1).await {
        Ok(rows) => {
            rows.rows.first().and_then(|r| r.first()).cloned().flatten() == Some("1".to_owned())
        }
        Err(_) => false,
    }
}

/// Gives the fixer lock back (ending the session would too).
pub async fn unlock(session: &mut Session) {
    let _ = session.query(catalogue::FIX_UNLOCK.sql, 1).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use diagnose::plan::{Check, Expect};
    use diagnose::text;

    fn sql(target: Target) -> Step {
        Step::sql(target, &["START SLAVE"], text!("x", "x"), RiskLevel::Low)
    }

    fn manual() -> Step {
        Step::manual(Target::Dba, text!("look", "看"), text!("x", "x"))
    }

    #[test]
    fn a_manual_step_blocks_only_the_changes_after_it() {
        let show = Step {
            action: Action::Shell {
                command: "repldoctor binlog show f --end-log-pos 9".to_owned(),
            },
            risk: RiskLevel::None,
            ..sql(Target::SourceHost)
        };
        let plan = Plan {
            steps: vec![
                show.clone(),
                manual(),
                sql(Target::Replica),
                manual(),
                sql(Target::Server("db3".to_owned())),
            ],
            ..Plan::default()
        };
        assert_eq!(
            dispositions(&plan),
            vec![
                Disposition::Show,
                Disposition::Manual,
                Disposition::Run,
                Disposition::FollowUp,
                Disposition::FollowUp
            ]
        );
        // A shell command that changes something is a person's step, never run.
        let restart = Step {
            risk: RiskLevel::Medium,
            ..show
        };
        let plan = Plan {
            steps: vec![restart, sql(Target::Source)],
            ..Plan::default()
        };
        assert_eq!(
            dispositions(&plan),
            vec![Disposition::Manual, Disposition::Run]
        );
        let only_for_a_person = Plan {
            steps: vec![manual(), manual()],
            ..Plan::default()
        };
        assert_eq!(
            dispositions(&only_for_a_person),
            vec![Disposition::Manual, Disposition::Manual]
        );
        let _ = Check::sql(text!("x", "x"), "SELECT 1", Expect::Value("1".to_owned()));
    }
}
