//! What a live collection could not read (a refused statement, an unreachable source, an
//! unreadable log) turned into missing evidence: the report says what each gap leaves open and
//! how to close it, so a finding made without that evidence is read with that in mind.

use evidence::bundle::{Collection, Gap, GapCause, Item};

use crate::{Missing, Report, Text, text};

/// Diagnoses a collection, live or replayed from a bundle, and adds its gaps to the report's
/// missing evidence, after the rules' own.
pub fn diagnose_collection(collection: &Collection) -> Report {
    let mut report = crate::diagnose(&collection.evidence());
    for missing in missing_from_gaps(&collection.manifest.gaps) {
        if !report.missing_evidence.contains(&missing) {
            report.missing_evidence.push(missing);
        }
    }
    report
}

/// One missing-evidence item per distinct gap (a statement refused in both samples is one).
pub fn missing_from_gaps(gaps: &[Gap]) -> Vec<Missing> {
    let mut missing: Vec<Missing> = Vec::new();
    for gap in gaps {
        // Bundles written before gaps were typed say what and why in words only.
        let item = gap
            .item
            .or_else(|| legacy_item(&gap.what.to_ascii_lowercase()));
        let cause = gap
            .cause
            .or_else(|| legacy_cause(&gap.reason.to_ascii_lowercase()));
        let item_text = text!(
            "{} on {} ({})",
            "{} 于 {}（{}）",
            gap.what,
            gap.server,
            gap.reason
        );
        let entry = Missing {
            what: item_text,
            consequence: item.map_or_else(unknown_consequence, consequence),
            how: how(item, cause),
        };
        if !missing.contains(&entry) {
            missing.push(entry);
        }
    }
    missing
}

/// What cannot be checked without this item.
fn consequence(item: Item) -> Text {
    match item {
        Item::Source => text!(
            "cannot compare the replica's GTIDs with the source's (errant transactions, crash loss, purged GTIDs) nor read the source's binlogs",
            "无法比较从库与主库的 GTID（errant 事务、崩溃丢失、已 purge 的 GTID），也无法读取主库的 binlog"
        ),
        Item::ReplicaStatus => text!(
            "cannot see the replication threads' state, positions or errors",
            "无法看到复制线程的状态、位点与错误"
        ),
        Item::ApplierWorkers => text!(
            "cannot name each applier worker's failed transaction and error time",
            "无法指出每个应用 worker 失败的事务及出错时间"
        ),
        Item::Processlist => text!(
            "cannot see what the replication threads, other sessions or a backup were doing",
            "无法看到复制线程、其他会话或备份当时在做什么"
        ),
        Item::InnodbTransactions | Item::LockWaits => text!(
            "cannot name the session holding the lock the applier waits for",
            "无法指出持有应用线程所等待的锁的会话"
        ),
        Item::GtidState => text!(
            "GTID comparisons (errant transactions, holes, crash loss) ran without this server's executed set",
            "GTID 比较（errant 事务、空洞、崩溃丢失）缺少这台服务器的已执行集合"
        ),
        Item::BinaryLogs | Item::BinlogPosition => text!(
            "cannot tell which binlogs the server still has, nor its current position",
            "无法得知服务器仍保留哪些 binlog，以及当前位点"
        ),
        Item::Variables => text!(
            "configuration checks (durability, read_only, parallel apply, filters) ran without it",
            "配置检查（持久化、read_only、并行复制、过滤规则）缺少这部分信息"
        ),
        Item::BinlogSlice => text!(
            "cannot show the failing transaction's statements and rows",
            "无法展示失败事务的语句与行数据"
        ),
        Item::RowComparison => text!(
            "cannot compare the incoming row with the replica's and the source's (safe skip or divergence)",
            "无法比较传来的行与从库、主库上的行（可安全跳过还是数据已不一致）"
        ),
        Item::ErrorLog => text!(
            "cannot date the error or read the messages the status cuts short",
            "无法确定出错时间，也看不到状态输出中被截断的信息"
        ),
        Item::BackupLog => text!(
            "cannot tell whether a backup killed or blocked the applier",
            "无法判断是否是备份终止或阻塞了应用线程"
        ),
        Item::TableDefinition => text!(
            "cannot name the table's primary and unique keys",
            "无法指出该表的主键与唯一键"
        ),
        Item::Identity | Item::StatusCounters | Item::SessionSetting => unknown_consequence(),
    }
}

fn unknown_consequence() -> Text {
    text!(
        "the rules that use it ran without it",
        "依赖它的规则在缺少它的情况下运行"
    )
}

/// How to close a gap, from why it happened.
fn how(item: Option<Item>, cause: Option<GapCause>) -> Text {
    let about_source = matches!(item, Some(Item::Source | Item::RowComparison));
    match cause {
        Some(GapCause::Denied) => text!(
            "grant the monitoring account the privilege the error names (PROCESS, REPLICATION CLIENT, SELECT on performance_schema), then collect again",
            "为监控账号授予错误中提到的权限（PROCESS、REPLICATION CLIENT、performance_schema 上的 SELECT），然后重新采集"
        ),
        Some(GapCause::Timeout) => text!(
            "collect again when the server answers, or allow more time with --query-timeout",
            "待服务器恢复响应后重新采集，或用 --query-timeout 放宽超时"
        ),
        Some(GapCause::NotGiven) => text!(
            "make the source reachable from here, or run again with --source DSN",
            "确保从这里能连上主库，或加 --source DSN 重新运行"
        ),
        Some(GapCause::Unreachable) if about_source => text!(
            "make the source reachable from here, or run again with --source DSN",
            "确保从这里能连上主库，或加 --source DSN 重新运行"
        ),
        Some(GapCause::Redacted) => text!(
            "collect again without --redact where the data may be shared",
            "在允许共享数据的情况下，不加 --redact 重新采集"
        ),
        _ => text!(
            "remove the cause above, then collect again",
            "排除上述原因后重新采集"
        ),
    }
}

/// The item of a gap written before gaps were typed, from the words it used.
fn legacy_item(what: &str) -> Option<Item> {
    let has = |words: &[&str]| words.iter().any(|w| what.contains(w));
    Some(if what == "source" {
        Item::Source
    } else if has(&["slave status", "replica status", "slaves status"]) {
        Item::ReplicaStatus
    } else if has(&["by_worker", "by_coordinator", "applier workers"]) {
        Item::ApplierWorkers
    } else if has(&["processlist"]) {
        Item::Processlist
    } else if has(&["innodb", "lock_wait", "data_lock"]) {
        Item::LockWaits
    } else if has(&["gtid"]) {
        Item::GtidState
    } else if has(&["binary log", "master status", "binlog status"]) {
        Item::BinaryLogs
    } else if has(&["variables"]) {
        Item::Variables
    } else if has(&["binlog slice"]) {
        Item::BinlogSlice
    } else if has(&["row comparison", "row lookup"]) {
        Item::RowComparison
    } else if has(&["error log", "error_log"]) {
        Item::ErrorLog
    } else if has(&["backup log"]) {
        Item::BackupLog
    } else if has(&["create table"]) {
        Item::TableDefinition
    } else {
        return None;
    })
}

/// The cause of a gap written before gaps were typed, from the words of its reason.
fn legacy_cause(reason: &str) -> Option<GapCause> {
    Some(
        if reason.contains("denied") || reason.contains("privilege") {
            GapCause::Denied
        } else if reason.contains("no answer within") {
            GapCause::Timeout
        } else if reason.contains("no source given") {
            GapCause::NotGiven
        } else if reason.contains("unreachable") || reason.contains("could not be reached") {
            GapCause::Unreachable
        } else if reason.contains("left out of the bundle") {
            GapCause::Redacted
        } else {
            return None;
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gap(server: &str, what: &str, reason: &str) -> Gap {
        Gap {
            server: server.into(),
            what: what.into(),
            reason: reason.into(),
            item: None,
            cause: None,
        }
    }

    #[test]
    fn a_typed_gap_is_read_by_its_item_and_cause_not_its_words() {
        let typed = Gap::new(
            "127.0.0.1:3307",
            Item::TableDefinition,
            GapCause::Timeout,
            "SELECT c.TABLE_SCHEMA FROM information_schema.COLUMNS c",
            "the server went away",
        );
        let missing = missing_from_gaps(&[typed]);
        assert!(
            missing[0]
                .consequence
                .en
                .contains("primary and unique keys")
        );
        assert!(missing[0].how.en.contains("--query-timeout"));
        let lost_replica = Gap::new(
            "r",
            Item::Processlist,
            GapCause::Unreachable,
            "SHOW FULL PROCESSLIST",
            "connection reset",
        );
        let missing = missing_from_gaps(&[lost_replica]);
        assert!(
            !missing[0].how.en.contains("--source"),
            "{}",
            missing[0].how.en
        );
    }

    #[test]
    fn a_refused_statement_says_what_it_leaves_open_and_which_grant_closes_it() {
        let missing = missing_from_gaps(&[gap(
            "127.0.0.1:3307",
            "SELECT * FROM sys.innodb_lock_waits",
            "error 1142: SELECT command denied to user 'monitor'@'localhost'",
        )]);
        assert_eq!(missing.len(), 1);
        assert_eq!(
            missing[0].what.en,
            "SELECT * FROM sys.innodb_lock_waits on 127.0.0.1:3307 (error 1142: SELECT command \
             denied to user 'monitor'@'localhost')"
        );
        assert!(missing[0].consequence.en.contains("holding the lock"));
        assert!(missing[0].how.en.contains("grant the monitoring account"));
    }

    #[test]
    fn an_unreachable_source_points_at_the_gtid_comparisons_and_at_source_dsn() {
        let missing = missing_from_gaps(&[gap(
            "127.0.0.1:3307",
            "source",
            "source unreachable: cannot connect to source 127.0.0.1:1: Connection refused",
        )]);
        assert!(missing[0].consequence.en.contains("errant transactions"));
        assert!(missing[0].how.en.contains("--source DSN"));
    }

    #[test]
    fn the_same_gap_in_both_samples_is_reported_once() {
        let timeout = gap("r", "SHOW FULL PROCESSLIST", "no answer within 5 s");
        let missing = missing_from_gaps(&[timeout.clone(), timeout]);
        assert_eq!(missing.len(), 1);
        assert!(missing[0].consequence.en.contains("backup"));
        assert!(missing[0].how.en.contains("--query-timeout"));
    }
}
