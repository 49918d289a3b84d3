//! A diagnosis started from an error message alone (a `Last_SQL_Error` text, an error-log line,
//! a client's `ERROR 1236 (HY000): ...`): the class and its usual cause come from the message,
//! and the report says exactly what to paste next to confirm it.

use evidence::model::{Evidence, ReplicationThread};

use crate::catalogue::thread_of;
use crate::class::Class;
use crate::report::{Missing, Report};
use crate::text::Text;

/// Adds to `report` what to collect to confirm its top finding, when the evidence printed no
/// replication status (only a message said what failed) and the rules did not already say
/// what they lack.
pub(crate) fn add_what_to_collect(evidence: &Evidence, report: &mut Report) {
    if !report.missing_evidence.is_empty()
        || evidence.servers.iter().any(|s| !s.channels().is_empty())
    {
        return;
    }
    let Some(top) = report.findings.first() else {
        return;
    };
    let Some(thread) = thread_of(top.class) else {
        return;
    };
    let status = Missing {
        what: Text::new("the replica's replication status", "副本的复制状态"),
        consequence: Text::new(
            "only a message was given: the status confirms which channel and thread stopped, on which transaction, and whether it still is stopped",
            "只给出了一条错误信息：复制状态可确认哪个通道、哪个线程在哪个事务上停止，以及是否仍然停止",
        ),
        how: Text::new(
            "paste, from the replica: SHOW REPLICA STATUS\\G (SHOW SLAVE STATUS\\G before MySQL 8.0.22; SHOW ALL SLAVES STATUS\\G on MariaDB), SELECT @@version, @@server_id, @@server_uuid, @@gtid_mode; and the error-log lines written around the failure",
            "在副本上执行并粘贴：SHOW REPLICA STATUS\\G（MySQL 8.0.22 之前为 SHOW SLAVE STATUS\\G；MariaDB 为 SHOW ALL SLAVES STATUS\\G）、SELECT @@version, @@server_id, @@server_uuid, @@gtid_mode；以及故障前后的错误日志",
        ),
    };
    report.missing_evidence.push(status);
    if let Some(specific) = confirming(top.class, thread) {
        report.missing_evidence.push(specific);
    }
}

/// What confirms a class beyond the status, as the commands to paste.
fn confirming(class: Class, thread: ReplicationThread) -> Option<Missing> {
    use Class::*;
    let (what, consequence, how) = match class {
        DupKey | RowNotFound | ConstraintViolation => (
            Text::new(
                "the row and the table on both servers",
                "两台服务器上的该行与表结构",
            ),
            Text::new(
                "confirms whether the replica's data differs from the source's or the event is wrong",
                "确认副本数据与源库不一致，还是事件本身有误",
            ),
            Text::new(
                "paste SHOW CREATE TABLE of the table the message names, run on the source and on the replica, the row selected by its key on both, and the failing event: mysqlbinlog --base64-output=decode-rows -vv --start-position=POS RELAY_LOG (the position from Relay_Log_Pos)",
                "粘贴源库与副本上该表的 SHOW CREATE TABLE、两边按键查询的该行，以及失败的事件：mysqlbinlog --base64-output=decode-rows -vv --start-position=POS 中继日志（位置取自 Relay_Log_Pos）",
            ),
        ),
        DdlMismatch | FilterMismatch => (
            Text::new("the schema and the filters", "表结构与复制过滤"),
            Text::new(
                "confirms which object differs and whether a filter let the statement through",
                "确认哪个对象不同，以及是否有过滤规则放行了该语句",
            ),
            Text::new(
                "paste SHOW CREATE TABLE (or SHOW DATABASES, SHOW CREATE USER) of the object the message names on both servers, and SHOW GLOBAL VARIABLES LIKE 'replicate%' on the replica",
                "粘贴两台服务器上该对象的 SHOW CREATE TABLE（或 SHOW DATABASES、SHOW CREATE USER），以及副本上的 SHOW GLOBAL VARIABLES LIKE 'replicate%'",
            ),
        ),
        ApplierLockWait | ApplierDeadlock | ApplierKilled => (
            Text::new("the sessions on the replica", "副本上的会话"),
            Text::new(
                "confirms which session held the lock or killed the applier",
                "确认哪个会话持有锁或杀掉了应用线程",
            ),
            Text::new(
                "paste, from the replica: SHOW FULL PROCESSLIST, SHOW ENGINE INNODB STATUS\\G and SELECT * FROM performance_schema.replication_applier_status_by_worker\\G",
                "在副本上粘贴：SHOW FULL PROCESSLIST、SHOW ENGINE INNODB STATUS\\G 以及 SELECT * FROM performance_schema.replication_applier_status_by_worker\\G",
            ),
        ),
        ColumnConversion | VersionIncompatibility => (
            Text::new(
                "both servers' versions and the table",
                "两台服务器的版本与表结构",
            ),
            Text::new(
                "confirms that the two versions or column types disagree",
                "确认两边版本或列类型不一致",
            ),
            Text::new(
                "paste SELECT @@version, @@binlog_format, @@binlog_row_image, @@binlog_checksum, @@character_set_server, @@collation_server from the source and the replica, and SHOW CREATE TABLE of the table named on both",
                "在源库与副本上粘贴 SELECT @@version, @@binlog_format, @@binlog_row_image, @@binlog_checksum, @@character_set_server, @@collation_server，以及两边该表的 SHOW CREATE TABLE",
            ),
        ),
        RelayLogUnreadable | ApplierMetadata | ReplicaDiskFull => (
            Text::new(
                "the replica's relay logs and metadata",
                "副本的中继日志与元数据",
            ),
            Text::new(
                "confirms whether the relay log or the applier's repositories are damaged, or the disk is full",
                "确认中继日志或应用线程的元数据是否损坏，或磁盘已满",
            ),
            Text::new(
                "paste, from the replica: SHOW GLOBAL VARIABLES LIKE 'relay_log%', SELECT * FROM mysql.slave_relay_log_info\\G, ls -l of the relay-log directory, df -h of the data directory, and mysqlbinlog RELAY_LOG | tail of the file Relay_Log_File names",
                "在副本上粘贴：SHOW GLOBAL VARIABLES LIKE 'relay_log%'、SELECT * FROM mysql.slave_relay_log_info\\G、中继日志目录的 ls -l、数据目录的 df -h，以及 Relay_Log_File 所指文件的 mysqlbinlog 输出末尾",
            ),
        ),
        ErrantGtids | SourcePurgedGtids | ReplicaHasMoreGtids => (
            Text::new("the GTID sets of both servers", "两台服务器的 GTID 集合"),
            Text::new(
                "confirms which transactions one server has and the other lacks",
                "确认哪些事务只在一台服务器上存在",
            ),
            Text::new(
                "paste SELECT @@gtid_executed, @@gtid_purged, @@server_uuid from the source and the replica (MariaDB: @@gtid_binlog_pos, @@gtid_current_pos, @@gtid_slave_pos), and SHOW BINARY LOGS on the source",
                "在源库与副本上粘贴 SELECT @@gtid_executed, @@gtid_purged, @@server_uuid（MariaDB：@@gtid_binlog_pos, @@gtid_current_pos, @@gtid_slave_pos），以及源库的 SHOW BINARY LOGS",
            ),
        ),
        SourceBinlogMissing | SourceBinlogUnreadable => (
            Text::new("the source's binary logs", "源库的二进制日志"),
            Text::new(
                "confirms whether the file and position the replica asks for still exist and can be read",
                "确认副本请求的文件与位置是否仍存在且可读",
            ),
            Text::new(
                "paste SHOW BINARY LOGS and SELECT @@max_allowed_packet, @@binlog_checksum from the source, and mysqlbinlog --start-position=POS of the file the replica asks for (Master_Log_File, Read_Master_Log_Pos)",
                "粘贴源库的 SHOW BINARY LOGS 与 SELECT @@max_allowed_packet, @@binlog_checksum，以及副本请求的文件（Master_Log_File, Read_Master_Log_Pos）的 mysqlbinlog --start-position=POS 输出",
            ),
        ),
        IdentityConflict => (
            Text::new("both servers' identities", "两台服务器的身份"),
            Text::new(
                "confirms which two servers share an id",
                "确认哪两台服务器的 id 相同",
            ),
            Text::new(
                "paste SELECT @@server_id, @@server_uuid from the source and from every replica, and the replica's auto.cnf if it was cloned",
                "在源库与每个副本上粘贴 SELECT @@server_id, @@server_uuid，若副本是克隆的，再粘贴其 auto.cnf",
            ),
        ),
        ConnectionFailed => (
            Text::new(
                "the replication account and the network path",
                "复制账号与网络连通性",
            ),
            Text::new(
                "confirms whether the account, its password, TLS or the network refuses the connection",
                "确认是账号、密码、TLS 还是网络拒绝了连接",
            ),
            Text::new(
                "paste SHOW GRANTS FOR the replication user and SELECT user, host, plugin FROM mysql.user WHERE user = 'USER' from the source, and the output of mysql -h SOURCE_HOST -P PORT -u USER -p -e 'SELECT 1' run on the replica",
                "在源库粘贴复制账号的 SHOW GRANTS 与 SELECT user, host, plugin FROM mysql.user WHERE user = 'USER'，并在副本上运行 mysql -h SOURCE_HOST -P PORT -u USER -p -e 'SELECT 1' 粘贴输出",
            ),
        ),
        _ if thread == ReplicationThread::Receiver => (
            Text::new("the source's side of the connection", "源库一侧的连接情况"),
            Text::new(
                "confirms what the source's dump thread saw",
                "确认源库 dump 线程看到的情况",
            ),
            Text::new(
                "paste the source's error-log lines written at the same time, SHOW BINARY LOGS and SHOW PROCESSLIST from the source",
                "粘贴源库同一时间的错误日志、SHOW BINARY LOGS 与 SHOW PROCESSLIST",
            ),
        ),
        _ => (
            Text::new("the failing transaction", "失败的事务"),
            Text::new(
                "confirms what the transaction did when it failed",
                "确认事务失败时执行的内容",
            ),
            Text::new(
                "paste SELECT * FROM performance_schema.replication_applier_status_by_worker\\G from the replica, and the failing event: mysqlbinlog --base64-output=decode-rows -vv --start-position=POS RELAY_LOG",
                "在副本上粘贴 SELECT * FROM performance_schema.replication_applier_status_by_worker\\G，以及失败的事件：mysqlbinlog --base64-output=decode-rows -vv --start-position=POS 中继日志",
            ),
        ),
    };
    Some(Missing {
        what,
        consequence,
        how,
    })
}

#[cfg(test)]
mod tests {
    use evidence::text::parse_text;

    use crate::class::Class;

    fn report(text: &str) -> crate::Report {
        crate::diagnose(&parse_text("t", text).evidence)
    }

    #[test]
    fn a_message_alone_gets_its_class_and_what_to_paste_to_confirm_it() {
        // No number: the template gives it (ER_CANT_REPLICATE_ANONYMOUS_WITH_AUTO_POSITION).
        let r = report(
            "Cannot replicate anonymous transaction when AUTO_POSITION = 1, at file mysql-bin.000003, position 1234.\n",
        );
        assert_eq!(r.findings[0].class, Class::ApplierErrorOther);
        assert_eq!(r.findings[0].error_code, Some(13148));
        let how: Vec<&str> = r
            .missing_evidence
            .iter()
            .map(|m| m.how.en.as_str())
            .collect();
        assert!(how[0].contains("SHOW REPLICA STATUS\\G"), "{how:?}");
        assert!(
            how[1].contains("replication_applier_status_by_worker"),
            "{how:?}"
        );

        // A client's error line, 1396 on CREATE USER: the user exists on the replica.
        let r = report("ERROR 1396 (HY000): Operation CREATE USER failed for 'app'@'%'\n");
        assert_eq!(r.findings[0].class, Class::DdlMismatch);
        assert_eq!(r.findings[0].error_code, Some(1396));
        assert!(r.missing_evidence[1].how.en.contains("SHOW CREATE USER"));

        // An unknown collation between versions.
        let r = report("Unknown collation: '255'\n");
        assert_eq!(r.findings[0].class, Class::VersionIncompatibility);
        assert!(r.missing_evidence[1].how.en.contains("@@version"));
    }

    #[test]
    fn a_printed_status_needs_no_such_list() {
        let r = report(
            "Slave_IO_Running: Yes\nSlave_SQL_Running: No\nLast_SQL_Errno: 1396\nLast_SQL_Error: Error 'Operation CREATE USER failed for 'app'@'%'' on query. Default database: ''. Query: 'CREATE USER 'app'@'%' IDENTIFIED WITH 'mysql_native_password' AS '*x''\n",
        );
        assert_eq!(r.findings[0].class, Class::DdlMismatch);
        assert!(r.missing_evidence.is_empty());
    }
}
