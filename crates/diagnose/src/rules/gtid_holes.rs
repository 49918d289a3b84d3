use gtid::compare::{DEFAULT_IN_FLIGHT_WINDOW, Holes};

use crate::engine::gtids;
use crate::engine::meta::RuleMeta;
use crate::engine::{Context, Output, Rule};
use crate::finding::{Confidence, Finding, Severity};
use crate::plan::{Plan, RiskLevel, Step, Target};
use crate::{Class, text};

/// ## What it detects
/// Gaps in a MySQL replica's executed GTID set that a parallel applier does not explain: holes
/// further below a UUID's highest transaction than the applier's in-flight window (or any hole
/// when the applier is serial or stopped).
///
/// ## Why it happens
/// A `CHANGE MASTER TO` a file and position skips the transactions in between; a transaction
/// skipped with the skip counter, a restore of a partial copy, or a `gtid_purged` set by hand
/// does the same. A parallel applier leaves normal, temporary holes at the tail that close as
/// it catches up: those are not reported.
///
/// ## How to fix
/// Decide for each hole whether the replica needs those transactions: if so, rebuild or replay
/// them; if not, commit empty transactions with those GTIDs (`repldoctor gtid inject-sql SET`)
/// so that a later failover or auto-positioning does not ask for them.
///
/// ## References
/// - MySQL manual: GTID auto-positioning:
///   <https://dev.mysql.com/doc/refman/8.0/en/replication-gtids-auto-positioning.html>
#[derive(Debug)]
pub struct GtidHoles;

static META: RuleMeta = RuleMeta {
    class: Class::GtidHoles,
    errors: &[],
    references: &[(
        "MySQL manual: GTID auto-positioning",
        "https://dev.mysql.com/doc/refman/8.0/en/replication-gtids-auto-positioning.html",
    )],
};

impl Rule for GtidHoles {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        for replica in context.replicas() {
            let Some(executed) = gtids::mysql_executed(replica) else {
                continue;
            };
            let parallel_and_running = replica.variables.parallel_workers().unwrap_or(0) > 1
                && replica.channels().iter().any(|c| {
                    c.replica_sql_running
                        .as_ref()
                        .is_some_and(|r| r.is_running())
                });
            let window = if parallel_and_running {
                DEFAULT_IN_FLIGHT_WINDOW
            } else {
                0
            };
            let holes = Holes::classify(&executed, window);
            if holes.interior.is_empty() {
                continue;
            }
            let interior = holes.interior.to_string();
            let count = holes.interior.count();
            let mut finding = Finding::new(
                META.class,
                Severity::Warning,
                Confidence::High,
                text!(
                    "Permanent holes in the replica's executed GTIDs: {interior}",
                    "从库已执行 GTID 中存在永久空洞：{interior}"
                ),
            );
            finding.facts.server = replica.label.clone();
            finding.facts.gtid = Some(interior.clone());
            finding.facts.set("holes", interior.clone());
            finding.facts.set("hole_count", count.to_string());
            if !holes.tail.is_empty() {
                finding.facts.set("tail_holes", holes.tail.to_string());
            }
            finding.root_cause = text!(
                "The replica skipped these transactions: a CHANGE MASTER to a position, a skipped \
                 error, or a partial copy. They will not fill by themselves, and a replica built \
                 from this one, or a failover to it, asks for them.",
                "从库跳过了这些事务：CHANGE MASTER 到某个位置、跳过错误或不完整的副本。它们不会自行补上，\
                 以此为源构建的从库或切换到它时都会索要这些事务。"
            );
            finding.fix = Plan {
                summary: text!(
                    "decide per hole: replay what the replica needs, fill the rest with empty transactions",
                    "逐个空洞决定：回放从库需要的事务，其余用空事务填补"
                ),
                steps: vec![Step::manual(
                    Target::Dba,
                    text!(
                        "for holes the replica does not need: run the statements of `repldoctor gtid inject-sql {interior}` on the replica",
                        "对于从库不需要的空洞：在从库执行 `repldoctor gtid inject-sql {interior}` 打印的语句"
                    ),
                    text!(
                        "close the holes before a failover asks for them",
                        "在切换索要之前补上空洞"
                    ),
                )],
                alternatives: Vec::new(),
                data_loss: Some(text!(
                    "whatever the skipped transactions changed stays missing on this replica",
                    "被跳过事务的变更在该从库上仍然缺失"
                )),
            };
            finding.fix.steps[0].risk = RiskLevel::Medium;
            finding.references = META.references();
            output.push(finding);
        }
    }
}
