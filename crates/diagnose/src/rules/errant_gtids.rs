use evidence::model::Flavor;
use gtid::compare::DomainState;

use crate::engine::applier::{self, ApplierFailure};
use crate::engine::gtids;
use crate::engine::meta::{ErrorClaim, RuleMeta};
use crate::engine::{ChannelView, Context, Output, Rule};
use crate::finding::{Confidence, Finding, Severity};
use crate::plan::{Action, Check, Expect, Plan, RiskLevel, Step, Target};
use crate::{Class, text};

/// ## What it detects
/// Transactions the replica executed that its source never had, found by comparing GTID state
/// before anything breaks: on MySQL, `gtid_executed` of the replica minus the source's, leaving
/// out the source's own UUID (see `replica_has_more_gtids`); on MariaDB, a replica position in a
/// domain that the source's binlog state does not contain.
///
/// ## Why it happens
/// Someone wrote on the replica with binary logging on: a writable replica (`read_only=OFF`), a
/// DBA fixing data by hand, a tool connecting to the wrong server. Nothing fails at once; the
/// errant transactions bite at the next failover (the new replicas ask for them, 1236) or, on
/// MariaDB with `gtid_strict_mode`, when the source writes again (1950).
///
/// ## How to fix
/// Find what the errant transactions changed (the replica's binlog). If they must stay, apply
/// the same change on the source; if not, undo them on the replica. Then make the GTID states
/// agree: on MySQL commit empty transactions with the errant GTIDs on the source; on MariaDB
/// align `gtid_slave_pos`. Set `read_only`/`super_read_only` on replicas.
///
/// ## References
/// - MySQL manual: GTID concepts:
///   <https://dev.mysql.com/doc/refman/8.0/en/replication-gtids-concepts.html>
/// - MariaDB: gtid_strict_mode: <https://mariadb.com/kb/en/gtid/#gtid_strict_mode>
#[derive(Debug)]
pub struct ErrantGtids;

static META: RuleMeta = RuleMeta {
    class: Class::ErrantGtids,
    errors: &[
        // MariaDB strict mode refusing an out-of-order GTID: the replica has transactions of
        // its own in that domain.
        ErrorClaim::applier(&[1950]),
    ],
    references: &[
        (
            "MySQL manual: GTID concepts",
            "https://dev.mysql.com/doc/refman/8.0/en/replication-gtids-concepts.html",
        ),
        (
            "MariaDB: gtid_strict_mode",
            "https://mariadb.com/kb/en/gtid/#gtid_strict_mode",
        ),
    ],
};

impl Rule for ErrantGtids {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        for (view, failure) in context.applier_failures(META.class) {
            output.push(strict_mode_refusal(view, failure));
        }
        // Both primaries of a pair take writes: one's own transactions missing on the other
        // are replication not yet done (or broken), not errant writes.
        if context.is_dual_primary() {
            return;
        }
        for (replica, source) in context.replica_source_pairs() {
            let errant = match context.flavor(replica).or(context.flavor(source)) {
                Some(Flavor::Mariadb) => mariadb_errant(replica, source),
                _ => mysql_errant(replica, source),
            };
            let Some(errant) = errant else {
                continue;
            };
            let mut finding = Finding::new(
                META.class,
                Severity::Warning,
                Confidence::Certain,
                text!(
                    "Errant transactions on the replica: {errant} were never executed on its source",
                    "从库上有 errant 事务：{errant} 从未在主库执行过"
                ),
            );
            finding.facts.server = replica.label.clone();
            finding.facts.gtid = Some(errant.clone());
            finding.facts.set("errant_set", errant.clone());
            finding.root_cause = text!(
                "Someone wrote on the replica with binary logging on. Nothing fails yet, but at the \
                 next failover the other replicas will ask for these transactions, and a MariaDB \
                 source in strict mode stops the replica when it writes again.",
                "有人在开启 binlog 的情况下写入了从库。目前还没有报错，但下次切换时其他从库会索要这些事务；\
                 MariaDB 在严格模式下，主库再次写入时从库会停止。"
            );
            let first = first_gtid(&errant);
            let mariadb =
                context.flavor(replica).or(context.flavor(source)) == Some(Flavor::Mariadb);
            // MySQL: the source commits an empty transaction under each errant GTID, so that no
            // replica asks for them at a failover (orchestrator's inject-empty). MariaDB has no
            // GTID_NEXT; its replicas compare positions per domain instead.
            let account = if mariadb {
                Step::manual(
                    Target::Dba,
                    text!(
                        "once the data agrees, keep the replica on MASTER_USE_GTID = slave_pos (the default from 10.10), so that its own GTIDs are not part of the position it asks its source for; at the next failover, do not promote it before the others have its transactions, or rebuild it",
                        "数据一致后，让从库保持 MASTER_USE_GTID = slave_pos（10.10 起为默认），使其自有 GTID 不计入向主库请求的位置；下次切换时，在其他服务器拥有这些事务之前不要提升它，或重建它"
                    ),
                    text!(
                        "a replica's own transactions in its position make the next source refuse it",
                        "从库位置中的自有事务会导致下一个主库拒绝它"
                    ),
                )
            } else {
                Step {
                    target: Target::Source,
                    action: Action::InjectEmpty {
                        gtids: errant.clone(),
                    },
                    why: text!(
                        "the source counts the errant GTIDs as executed, so no replica asks for them at the next failover",
                        "主库把 errant GTID 计为已执行，下次切换时就没有从库会索要它们"
                    ),
                    preconditions: Vec::new(),
                    verify: Some(Check::sql(
                        text!(
                            "the source's gtid_executed now covers them",
                            "主库的 gtid_executed 已覆盖这些事务"
                        ),
                        format!("SELECT GTID_SUBSET('{errant}', @@GLOBAL.gtid_executed)"),
                        Expect::Value("1".to_owned()),
                    )),
                    risk: RiskLevel::Medium,
                    risk_note: Some(text!(
                        "only the identities move: the source gets none of their changes (that is the step before)",
                        "只同步了事务标识：主库不会得到它们的变更（那是上一步的事）"
                    )),
                }
            };
            finding.fix = Plan {
                summary: text!(
                    "find what the errant transactions changed, reconcile, then make the GTID states agree",
                    "查明 errant 事务改了什么，协调数据，再让两端 GTID 状态一致"
                ),
                steps: vec![
                    Step::manual(
                        Target::ReplicaHost,
                        text!(
                            "decode what {errant} changed: on the replica's host, `repldoctor binlog show FILE --gtid {first}` for each of its binlogs from the newest (SHOW BINARY LOGS lists them), and the same for the set's other GTIDs",
                            "解析 {errant} 改了什么：在从库主机上对其每个 binlog（SHOW BINARY LOGS 可列出，从最新的开始）执行 `repldoctor binlog show FILE --gtid {first}`，其余 GTID 同理"
                        ),
                        text!(
                            "know what changed before deciding",
                            "先了解变更内容再做决定"
                        ),
                    ),
                    Step::manual(
                        Target::Dba,
                        text!(
                            "apply the same change on the source if it must stay, otherwise undo it on the replica with sql_log_bin=0",
                            "若需保留则在主库执行同样的变更，否则在从库用 sql_log_bin=0 撤销"
                        ),
                        text!(
                            "the data must agree before the GTID states are aligned",
                            "在对齐 GTID 状态前数据必须一致"
                        ),
                    ),
                    account,
                    Step::sql(
                        Target::Replica,
                        &["SET GLOBAL read_only = ON"],
                        text!(
                            "close the door to further errant writes",
                            "防止再次出现 errant 写入"
                        ),
                        RiskLevel::Low,
                    )
                    .with_risk_note(text!(
                        "applications that write to this replica on purpose will get errors",
                        "有意写入该从库的应用会收到错误"
                    )),
                ],
                alternatives: Vec::new(),
                data_loss: None,
            };
            finding.references = META.references();
            output.push(finding);
        }
    }
}

/// MariaDB error 1950: with `gtid_strict_mode`, the replica refused to binlog the source's GTID
/// because it has a higher sequence number of its own in the domain: its errant transaction.
fn strict_mode_refusal(view: &ChannelView<'_>, failure: &ApplierFailure<'_>) -> Finding {
    // "An attempt was made to binlog GTID 0-2-212 which would create an out-of-order sequence
    // number with existing GTID 0-1-213, and gtid strict mode is enabled"
    let gtids: Vec<&str> = failure
        .message_text
        .split_whitespace()
        .filter(|word| {
            word.trim_end_matches(',')
                .parse::<gtid::MariaGtid>()
                .is_ok()
        })
        .map(|word| word.trim_end_matches(','))
        .collect();
    let (incoming, existing) = match gtids.as_slice() {
        [incoming, existing, ..] => (Some(*incoming), Some(*existing)),
        [one] => (Some(*one), None),
        [] => (None, None),
    };
    let existing_text = existing.unwrap_or("?");
    let incoming_text = incoming.unwrap_or("?");
    let mut finding = applier::finding(
        view,
        failure,
        META.class,
        text!(
            "Errant transaction on the replica: its own {existing_text} blocks the source's {incoming_text} (gtid_strict_mode)",
            "从库上有 errant 事务：其自有的 {existing_text} 阻止了主库的 {incoming_text}（gtid_strict_mode）"
        ),
    );
    finding.facts.gtid = existing.map(str::to_owned);
    if let Some(incoming) = incoming {
        finding.facts.set("incoming_gtid", incoming);
    }
    finding.root_cause = text!(
        "The replica already binlogged {existing_text} in this domain, a transaction its source does not have (a write on the replica, or a former primary's transactions that never reached the new one). In strict mode MariaDB refuses to log the source's lower sequence number {incoming_text} after it.",
        "从库在该域中已写入 binlog 的 {existing_text} 是主库没有的事务（在从库上的写入，或旧主库未传到新主库的事务）。严格模式下 MariaDB 拒绝在其后记录主库更小序号的 {incoming_text}。"
    );
    finding.fix = Plan {
        summary: text!(
            "decide what happens to the replica's own transactions, then realign its position",
            "决定如何处理从库自有的事务，然后重新对齐其位置"
        ),
        steps: vec![Step::manual(
            Target::Dba,
            text!(
                "decode the replica's binlog from {existing_text} back to where it diverged; re-apply on the new source what must stay, then set gtid_slave_pos to the source's position and restart replication (or rebuild the replica)",
                "解析从库 binlog 中 {existing_text} 及其之前分叉处的事务；必须保留的在新主库上重新执行，然后将 gtid_slave_pos 设为主库的位置并重启复制（或重建从库）"
            ),
            text!(
                "the replica's transactions are on no other server: dropping them loses them",
                "这些事务不在任何其他服务器上：丢弃即丢失"
            ),
        )],
        alternatives: Vec::new(),
        data_loss: None,
    };
    finding
}

/// MySQL: replica-only transactions on UUIDs other than the source's own (those are the
/// source's loss, reported by `replica_has_more_gtids`).
fn mysql_errant(
    replica: &evidence::model::ServerEvidence,
    source: &evidence::model::ServerEvidence,
) -> Option<String> {
    let comparison = gtids::compare_mysql_servers(replica, source)?;
    let source_uuid = gtids::server_uuid(source);
    let errant = comparison
        .errant
        .filter_sources(|s| Some(s.uuid) != source_uuid);
    (!errant.is_empty()).then(|| errant.to_string())
}

/// MariaDB: domains where the replica's position is not in the source's history.
fn mariadb_errant(
    replica: &evidence::model::ServerEvidence,
    source: &evidence::model::ServerEvidence,
) -> Option<String> {
    let comparison = gtids::compare_mariadb_servers(replica, source)?;
    let mut errant: Vec<String> = comparison
        .domains
        .iter()
        .filter(|d| {
            matches!(
                d.state,
                DomainState::Diverged | DomainState::Ahead { .. } | DomainState::OnlyOnReplica
            )
        })
        .filter_map(|d| d.replica.map(|g| g.to_string()))
        .collect();
    // Once the source writes in the domain again the replica's position matches its own, and
    // only the binlog states still hold the replica's own writes.
    if errant.is_empty() {
        errant = gtids::mariadb_state_surplus(replica, source)
            .iter()
            .map(ToString::to_string)
            .collect();
    }
    (!errant.is_empty()).then(|| errant.join(","))
}

/// The first GTID of a set's text (MySQL `uuid:a-b,...` or MariaDB `d-s-n,...`), to name in an
/// instruction.
fn first_gtid(set: &str) -> String {
    let first = set.split(',').next().unwrap_or_default().trim();
    match first.split_once(':') {
        Some((uuid, numbers)) => {
            let number = numbers.split([':', '-']).next().unwrap_or_default();
            format!("{uuid}:{number}")
        }
        None => first.to_owned(),
    }
}
