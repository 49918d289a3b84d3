use evidence::model::ThreadRunning;

use crate::engine::meta::RuleMeta;
use crate::engine::sql::Dialect;
use crate::engine::{ChannelView, Context, Output, Rule};
use crate::finding::{Cited, Confidence, Finding, Severity};
use crate::plan::{Check, Expect, Plan, RiskLevel, Step, Target};
use crate::{Class, Text, text};

/// ## What it detects
/// A replication channel whose receiver (IO thread) or applier (SQL thread) is not running
/// while no error of that thread says why: `Slave_SQL_Running: No` alone, or an error number
/// without its message.
///
/// ## Why it happens
/// A DBA or a tool stopped it (`STOP SLAVE`, a backup, a failover script, `RESET SLAVE`), the
/// server was restarted with `skip_slave_start`, or it failed and its message was not pasted.
/// Until it runs again the replica falls behind: it is never healthy.
///
/// ## How to fix
/// Find out who stopped it before starting it (the error log says when and with which
/// position); when no error is recorded, `START SLAVE` for that thread and watch that it stays
/// running.
///
/// ## References
/// - MySQL manual: START REPLICA:
///   <https://dev.mysql.com/doc/refman/8.0/en/start-replica.html>
#[derive(Debug)]
pub struct ThreadStopped;

static META: RuleMeta = RuleMeta {
    class: Class::ThreadStopped,
    errors: &[],
    references: &[(
        "MySQL manual: START REPLICA",
        "https://dev.mysql.com/doc/refman/8.0/en/start-replica.html",
    )],
};

/// Which of a channel's two threads stopped (one finding per channel: the engine keeps one
/// finding of a class per channel).
#[derive(Debug, Clone, Copy)]
enum Thread {
    Receiver,
    Applier,
    Both,
}

impl Rule for ThreadStopped {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        for view in &context.channels {
            // A receiver that says `Connecting` is trying (connection_failed speaks for it).
            let receiver = view.status.replica_io_running == Some(ThreadRunning::No)
                && view.receiver_failure.is_none();
            let applier = view.sql_running() == Some(false) && view.applier_failure.is_none();
            let thread = match (receiver, applier) {
                (true, true) => Thread::Both,
                (true, false) => Thread::Receiver,
                (false, true) => Thread::Applier,
                (false, false) => continue,
            };
            let dialect = Dialect::of(view.server, context.flavor(view.server));
            output.push(finding(&dialect, view, thread));
        }
    }
}

fn finding(dialect: &Dialect, view: &ChannelView<'_>, thread: Thread) -> Finding {
    let status = view.status;
    let channel = if status.channel_name.is_empty() {
        "the default channel".to_owned()
    } else {
        format!("channel '{}'", status.channel_name)
    };
    // The status column a check reads (with both stopped, the applier's: it starts last).
    let column = match thread {
        Thread::Receiver => dialect.io_running_column(),
        Thread::Applier | Thread::Both => dialect.sql_running_column(),
    };
    let (field, errno, thread_sql, thread_name) = match thread {
        Thread::Receiver => (
            "Slave_IO_Running",
            status.last_io_errno.filter(|n| *n != 0),
            "IO_THREAD",
            "receiver (IO thread)",
        ),
        Thread::Applier => (
            "Slave_SQL_Running",
            status.applier_errno(),
            "SQL_THREAD",
            "applier (SQL thread)",
        ),
        Thread::Both => (
            "Slave_IO_Running and Slave_SQL_Running",
            status
                .last_io_errno
                .filter(|n| *n != 0)
                .or(status.applier_errno()),
            "IO_THREAD,SQL_THREAD",
            "receiver and the applier",
        ),
    };
    let verb = if matches!(thread, Thread::Both) {
        "are"
    } else {
        "is"
    };
    let headline = match errno {
        Some(errno) => Text::new(
            format!(
                "The {thread_name} of {channel} {verb} not running: error {errno} is recorded without its message"
            ),
            format!("{channel} 的{thread_name}未运行：记录了错误 {errno}，但没有错误信息"),
        ),
        None => Text::new(
            format!("The {thread_name} of {channel} {verb} not running, and no error says why"),
            format!("{channel} 的{thread_name}未运行，且没有错误说明原因"),
        ),
    };
    let mut finding = Finding::new(META.class, Severity::Warning, Confidence::Certain, headline);
    finding.facts.server = view.server_label();
    finding.facts.channel = Some(status.channel_name.clone());
    finding.facts.set("thread", thread_sql);
    if let Some(errno) = errno {
        finding.facts.set("error_code", errno);
    }
    finding.evidence.push(Cited {
        server: view.server_label(),
        source: format!("replica status ({})", status.origin),
        quote: format!("{field}: No"),
    });
    finding.root_cause = text!(
        "Someone or something stopped this thread (STOP SLAVE, a backup or failover tool, RESET \
         SLAVE, a restart with skip_slave_start), or it failed and its error message is not in \
         the evidence. While it is stopped the replica falls behind its source.",
        "该线程被人为或工具停止（STOP SLAVE、备份或切换工具、RESET SLAVE、以 skip_slave_start \
         重启），或它已出错但错误信息不在证据中。停止期间从库会落后于主库。"
    );
    finding.fix = Plan {
        summary: text!(
            "find out why it stopped, then start it",
            "先查明停止原因，再启动它"
        ),
        steps: vec![
            Step::sql(
                Target::Replica,
                &[&dialect.show_status()],
                text!(
                    "read Last_IO_Error / Last_SQL_Error and the error log's lines of the time it stopped; paste them to repldoctor if an error is there",
                    "查看 Last_IO_Error / Last_SQL_Error 以及停止时刻的错误日志；若有错误，把它们交给 repldoctor"
                ),
                RiskLevel::Low,
            ),
            Step::sql(
                Target::Replica,
                &[&match thread {
                    Thread::Receiver => dialect.start_io_thread(),
                    Thread::Applier => dialect.start_sql_thread(),
                    Thread::Both => dialect.start(),
                }],
                text!(
                    "when no error is recorded, start the thread again",
                    "若没有记录错误，重新启动该线程"
                ),
                RiskLevel::Low,
            )
            .with_precondition(Check::sql(
                text!("the thread is still stopped", "该线程仍处于停止状态"),
                dialect.show_status(),
                Expect::Column {
                    name: column.to_owned(),
                    value: "No".to_owned(),
                },
            ))
            .with_verify(Check::sql(
                text!("the thread stays running", "线程保持运行"),
                dialect.show_status(),
                Expect::Column {
                    name: column.to_owned(),
                    value: "Yes".to_owned(),
                },
            )),
        ],
        alternatives: Vec::new(),
        data_loss: None,
    };
    finding.references = META.references();
    finding
}
