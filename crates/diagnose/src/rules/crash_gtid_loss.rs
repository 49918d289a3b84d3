use crate::engine::gtids;
use crate::engine::meta::RuleMeta;
use crate::engine::{Context, Output, Rule};
use crate::finding::{Confidence, Finding, Severity};
use crate::plan::{Plan, Step, Target};
use crate::{Class, text};

/// ## What it detects
/// A source that has lost GTIDs it had executed and sent: a replica holds transactions on the
/// source's own UUID above the source's highest one, while replication still runs (the error
/// "has more GTIDs than the master" comes only at the next reconnection).
///
/// ## Why it happens
/// MySQL 5.7 persists `gtid_executed` to `mysql.gtid_executed` only when the binlog rotates and
/// rebuilds it at start-up from that table and the last binlog; two crashes in a row during
/// crash recovery lose the last binlog's GTIDs. With `sync_binlog != 1` a crash can also lose an
/// unsynced binlog tail that replicas already received. The source then reuses those numbers
/// for new, different transactions, which the replica would silently skip.
///
/// ## How to fix
/// Stop writes to the source if possible and compare: which range was lost (replica minus
/// source), whether the source has already reused any of it. Then make the source count the
/// lost range as executed (empty transactions with those GTIDs) before it reuses more, and
/// check the reused ones by hand.
///
/// ## References
/// - MySQL manual: mysql.gtid_executed table:
///   <https://dev.mysql.com/doc/refman/5.7/en/replication-gtids-concepts.html#replication-gtids-gtid-executed-table>
#[derive(Debug)]
pub struct CrashGtidLoss;

static META: RuleMeta = RuleMeta {
    class: Class::CrashGtidLoss,
    errors: &[],
    references: &[(
        "MySQL manual: mysql.gtid_executed table",
        "https://dev.mysql.com/doc/refman/5.7/en/replication-gtids-concepts.html#replication-gtids-gtid-executed-table",
    )],
};

impl Rule for CrashGtidLoss {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        let receiver_failed = context
            .receiver_failures(Class::ReplicaHasMoreGtids)
            .next()
            .is_some();
        for (replica, source) in context.replica_source_pairs() {
            // Once the receiver has failed, replica_has_more_gtids reports it; this rule adds a
            // finding only when the source's mysql.gtid_executed proves the loss.
            let persisted = gtids::persisted_gtids(source);
            if receiver_failed && persisted.is_none() {
                continue;
            }
            let Some(source_uuid) = gtids::server_uuid(source) else {
                continue;
            };
            let Some(comparison) = gtids::compare_mysql_servers(replica, source) else {
                continue;
            };
            let Some(ahead) = comparison
                .ahead_of_source
                .iter()
                .find(|a| a.source_id == source_uuid.hyphenated().to_string())
            else {
                continue;
            };
            let lost = ahead.transactions.to_string();
            let count = ahead.count;
            let mut finding = Finding::new(
                META.class,
                Severity::Critical,
                Confidence::High,
                text!(
                    "The source lost {count} GTIDs it had already sent: {lost}",
                    "主库丢失了 {count} 个已发送的 GTID：{lost}"
                ),
            );
            finding.facts.server = source.label.clone();
            finding.facts.gtid = Some(lost.clone());
            if let Some(persisted) = &persisted {
                // The source persisted none of the lost range: it was never saved to the table
                // before the crash, the 5.7 mechanism.
                let saved = persisted.intersection(&ahead.transactions);
                finding
                    .facts
                    .set("persisted_gtid_executed", persisted.to_string());
                finding.facts.set("lost_and_persisted", saved.to_string());
                if saved.is_empty() {
                    finding.confidence = Confidence::Certain;
                    finding.variant = Some("proven_by_gtid_executed_table".to_owned());
                }
            }
            finding.facts.set("lost_set", lost.clone());
            finding.facts.set("lost_count", count);
            finding.facts.set("source_last", ahead.source_last);
            finding.facts.set("replica_last", ahead.replica_last);
            if let Some(v) = &source.identity.version {
                finding.facts.set("source_version", v.clone());
            }
            finding.root_cause = text!(
                "A replica has {lost} on the source's own UUID, above anything the source still \
                 knows: the source lost them in a crash (sync_binlog != 1, or two crashes of a \
                 MySQL 5.7 source during crash recovery) and will hand those numbers out again. \
                 The replica fails with 1236 at its next reconnection, and would skip any reused \
                 GTID silently before that.",
                "从库在主库自身的 UUID 上拥有 {lost}，高于主库仍知道的任何事务：主库在崩溃中丢失了它们\
                 （sync_binlog != 1，或 MySQL 5.7 主库在崩溃恢复期间再次崩溃），并会重新分配这些编号。\
                 从库下次重连时会报 1236，在此之前会悄悄跳过任何被重用的 GTID。"
            );
            finding.explains = vec![Class::ReplicaHasMoreGtids];
            finding.fix = Plan {
                summary: text!(
                    "make the source count the lost range as executed before it reuses more of it",
                    "在主库重用更多编号之前，让它把丢失的范围计为已执行"
                ),
                steps: vec![Step::manual(
                    Target::Source,
                    text!(
                        "check which of {lost} the source already reused (SELECT GTID_SUBSET on its gtid_executed), then commit empty transactions for the rest (repldoctor gtid inject-sql)",
                        "检查 {lost} 中主库已重用了哪些（对其 gtid_executed 使用 GTID_SUBSET），其余用空事务补上（repldoctor gtid inject-sql）"
                    ),
                    text!(
                        "every reused GTID is a transaction the replica will never apply",
                        "每个被重用的 GTID 都是从库永远不会应用的事务"
                    ),
                )],
                alternatives: Vec::new(),
                data_loss: None,
            };
            finding.references = META.references();
            output.push(finding);
        }
    }
}
