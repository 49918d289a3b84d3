//! Applier (SQL thread, coordinator, worker) messages: the transaction, the event, the table and
//! the errors on each side.

use std::sync::LazyLock;

use regex::Regex;

use super::{coordinate, error_codes, implied_error_code, regex, straight_quotes};
use crate::model::messages::{
    ApplierErrorMessage, ColumnConversionFailure, DifferentErrors, DuplicateEntry, FailedStatement,
    RowEventFailure, TableName, TransactionRef, is_replication_metadata_table,
};

impl ApplierErrorMessage {
    /// Reads every fact the message holds. Always succeeds: unknown text gives an empty value.
    pub fn parse(message: &str) -> ApplierErrorMessage {
        let message = straight_quotes(message);
        let message = message.as_ref();
        static WORKER: LazyLock<Regex> = LazyLock::new(|| {
            regex(
                r"Worker (\d+) failed executing transaction '([^']*)'(?: at (?:master|source) log ([^\s,]*), end_log_pos (\d+))?",
            )
        });
        static ROW_EVENT: LazyLock<Regex> =
            LazyLock::new(|| regex(r"[Cc]ould not execute (\w+) event on table ([^\s;]+)"));
        static EVENT_LOG: LazyLock<Regex> = LazyLock::new(|| {
            // `the event s` where a page lost the apostrophe.
            regex(r"the event(?:'s| s|s) (?:master|source) log ([^\s,]+), end_log_pos (\d+)")
        });
        // The value may hold line breaks (binary keys, wrapped pastes); old servers name the
        // key by its number (`for key 1`).
        static DUPLICATE: LazyLock<Regex> =
            LazyLock::new(|| regex(r"(?s)Duplicate entry '(.*?)' for key (?:'([^']*)'|(\d+)\b)"));
        static NOT_FOUND: LazyLock<Regex> =
            LazyLock::new(|| regex(r"Can't find record in '([^']*)'"));
        static HANDLER: LazyLock<Regex> = LazyLock::new(|| regex(r"handler error (\w+)"));
        static DIFFERENT: LazyLock<Regex> = LazyLock::new(|| {
            regex(
                r"(?s)Query caused different errors on (?:master|source) and (?:slave|replica)\.\s*Error on (?:master|source): (?:message \(format\)=\s*'(.*?)' )?error code=(\d+)(?:\s*;\s*Error on (?:slave|replica):\s*actual message='(.*?)', error code=(\d+))?",
            )
        });
        // MySQL 5.0's wording: `Error on master: 'text' (1213), Error on slave: 'no error' (0)`.
        static DIFFERENT_50: LazyLock<Regex> = LazyLock::new(|| {
            regex(
                r"(?s)Query caused different errors on (?:master|source) and (?:slave|replica)\.\s*Error on (?:master|source):\s*'(.*?)' \((\d+)\),\s*Error on (?:slave|replica):\s*'(.*?)' \((\d+)\)",
            )
        });
        static STATEMENT: LazyLock<Regex> = LazyLock::new(|| {
            regex(
                r"(?s)(?:Error '(.*?)' on query\.\s*)?Default database: '([^']*)'\.(?:\s*Query: '(.*?)(?:'(?:, Error_code.*)?)?$)?",
            )
        });
        // ER_ERROR_ON_MASTER: the source logged the statement with the error that interrupted
        // it half-way (a killed statement on a non-transactional table); the replica expects
        // that error and stops without running the statement.
        static PARTIAL_ON_SOURCE: LazyLock<Regex> = LazyLock::new(|| {
            regex(
                r"Query partially completed on the (?:master|source) \(error on (?:master|source): (\d+)\) and was aborted",
            )
        });
        static CONVERSION: LazyLock<Regex> = LazyLock::new(|| {
            regex(
                r"Column (\d+) of table '([^'\s]+)' cannot be converted from type '([^']*)' to type '([^']*)'",
            )
        });
        static MARIADB_GTID: LazyLock<Regex> = LazyLock::new(|| regex(r"\bGtid (\d+-\d+-\d+)"));
        static STATEMENT_TABLE: LazyLock<Regex> = LazyLock::new(|| {
            regex(
                r"(?is)^\s*(?:insert(?:\s+ignore)?\s+into|replace(?:\s+into)?|update(?:\s+ignore)?|delete\s+from|alter\s+table|create\s+(?:temporary\s+)?table(?:\s+if\s+not\s+exists)?|drop\s+(?:temporary\s+)?table(?:\s+if\s+exists)?|truncate(?:\s+table)?|create\s+(?:unique\s+)?index\s+\S+\s+on)\s+([`\w$]+(?:\.[`\w$]+)?)",
            )
        });
        static SCHEMA_ERROR_TABLE: LazyLock<Regex> =
            LazyLock::new(|| regex(r"\bTable '([^'\s%]+)' (?:already exists|doesn't exist)"));
        static STOPPED_AT: LazyLock<Regex> = LazyLock::new(|| {
            // Some MariaDB 10.0 lines lose the closing quote: `log 'master-bin.000001 position 1234`.
            // The exit note says it as `replication stopped in log 'F' at position P`.
            regex(
                r"(?:[Ww]e stopped at log|replication stopped in log) '([^'\s]+)'? (?:at )?position (\d+)",
            )
        });

        let mut parsed = ApplierErrorMessage {
            coordinator_stopped: message.contains("Coordinator stopped because there were error"),
            ..ApplierErrorMessage::default()
        };
        if let Some(c) = WORKER.captures(message) {
            parsed.worker_id = c[1].parse().ok();
            parsed.transaction = Some(TransactionRef::parse(&c[2]));
            parsed.source_log = coordinate(c.get(3), c.get(4));
        }
        if let Some(c) = ROW_EVENT.captures(message) {
            parsed.row_event = Some(RowEventFailure {
                event_type: c[1].to_owned(),
                table: TableName::parse(&c[2]),
                event_source_log: EVENT_LOG
                    .captures(message)
                    .and_then(|e| coordinate(e.get(1), e.get(2))),
            });
        }
        if parsed.source_log.is_none() {
            parsed.source_log = parsed
                .row_event
                .as_ref()
                .and_then(|e| e.event_source_log.clone());
        }
        if let Some(c) = DUPLICATE.captures(message) {
            parsed.duplicate_entry = Some(DuplicateEntry {
                value: c[1].to_owned(),
                key: c.get(2).or(c.get(3)).map_or("", |m| m.as_str()).to_owned(),
            });
        }
        parsed.record_not_found_in = NOT_FOUND.captures(message).map(|c| c[1].to_owned());
        parsed.handler_error = HANDLER.captures(message).map(|c| c[1].to_owned());
        if let Some(c) = DIFFERENT
            .captures(message)
            .or_else(|| DIFFERENT_50.captures(message))
        {
            parsed.different_errors = Some(DifferentErrors {
                source_message_format: c.get(1).map(|m| m.as_str().to_owned()),
                source_error_code: c[2].parse().unwrap_or(0),
                replica_message: c.get(3).map(|m| m.as_str().to_owned()),
                replica_error_code: c.get(4).and_then(|m| m.as_str().parse().ok()),
            });
        }
        if parsed.different_errors.is_none()
            && let Some(c) = PARTIAL_ON_SOURCE.captures(message)
        {
            parsed.different_errors = Some(DifferentErrors {
                source_message_format: None,
                source_error_code: c[1].parse().unwrap_or(0),
                replica_message: None,
                replica_error_code: None,
            });
        }
        if let Some(c) = STATEMENT.captures(message) {
            parsed.statement = Some(FailedStatement {
                error_message: c.get(1).map(|m| m.as_str().to_owned()),
                default_database: c.get(2).map(|m| m.as_str().to_owned()),
                query: c.get(3).map(|m| m.as_str().to_owned()),
            });
        }
        parsed.schema_error_table = SCHEMA_ERROR_TABLE.captures(message).map(|c| {
            let mut table = TableName::parse(&c[1]);
            if table.schema.is_none() {
                table.schema = parsed
                    .statement
                    .as_ref()
                    .and_then(|s| s.default_database.clone())
                    .filter(|db| !db.is_empty());
            }
            table
        });
        parsed.statement_table = parsed.statement.as_ref().and_then(|statement| {
            let mut table = STATEMENT_TABLE
                .captures(statement.query.as_deref()?)
                .map(|c| TableName::parse(&c[1]))?;
            if table.schema.is_none() {
                table.schema = statement
                    .default_database
                    .clone()
                    .filter(|db| !db.is_empty());
            }
            Some(table)
        });
        parsed.column_conversion = CONVERSION
            .captures(message)
            .map(|c| ColumnConversionFailure {
                column: c[1].parse().unwrap_or(0),
                table: TableName::parse(&c[2]),
                from_type: c[3].to_owned(),
                to_type: c[4].to_owned(),
            });
        parsed.mariadb_gtid = MARIADB_GTID.captures(message).map(|c| c[1].to_owned());
        parsed.metadata_table = metadata_table(message);
        parsed.stopped_at = STOPPED_AT
            .captures(message)
            .and_then(|c| coordinate(c.get(1), c.get(2)));
        parsed.error_codes = error_codes(message);
        if parsed.error_codes.is_empty()
            && let Some(code) = implied_error_code(message)
        {
            parsed.error_codes.push(code);
        }
        parsed
    }
}

/// The first replication metadata table the message names.
fn metadata_table(message: &str) -> Option<String> {
    static QUALIFIED: LazyLock<Regex> = LazyLock::new(|| regex(r"(?:`mysql`|\bmysql)\.`?\w+`?"));
    QUALIFIED
        .find_iter(message)
        .map(|m| m.as_str().replace('`', ""))
        .find(|table| is_replication_metadata_table(table))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::messages::LogCoordinate;

    #[test]
    fn worker_message_with_source_spelling() {
        let m = ApplierErrorMessage::parse(
            "Worker 1 failed executing transaction 'b125d82f-a2bb-11ed-bc73-16fea3664962:2' at source log binlog.000002, end_log_pos 1234; Could not execute Write_rows event on table test.t; Duplicate entry '1' for key 't.PRIMARY', Error_code: 1062; handler error HA_ERR_FOUND_DUPP_KEY; the event's source log FIRST, end_log_pos 1234, Error_code: MY-001062",
        );
        assert_eq!(m.worker_id, Some(1));
        assert_eq!(
            m.transaction,
            Some(TransactionRef::Gtid(
                "b125d82f-a2bb-11ed-bc73-16fea3664962:2".into()
            ))
        );
        assert_eq!(
            m.source_log,
            Some(LogCoordinate {
                file: "binlog.000002".into(),
                position: 1234
            })
        );
        let event = m.row_event.as_ref().unwrap();
        assert_eq!(event.event_source_log.as_ref().unwrap().file, "FIRST");
        assert_eq!(m.table().unwrap().to_string(), "test.t");
        let dup = m.duplicate_entry.as_ref().unwrap();
        assert_eq!((dup.value.as_str(), dup.key_name()), ("1", "PRIMARY"));
        assert_eq!(m.error_codes, vec![1062]);
        assert_eq!(m.handler_error.as_deref(), Some("HA_ERR_FOUND_DUPP_KEY"));
    }

    #[test]
    fn anonymous_and_empty_transactions_differ() {
        let m = ApplierErrorMessage::parse(
            "Worker 3 failed executing transaction 'ANONYMOUS' at master log DB01-mysql-bin.191922, end_log_pos 61117717; Error 'Table 'dnrOrgList' already exists' on query. Default database: 'crm_deals'. Query: 'Create temporary table crm_deals.dnrOrgList (orgid int)'",
        );
        assert_eq!(m.transaction, Some(TransactionRef::Anonymous));
        let statement = m.statement.clone().unwrap();
        assert_eq!(
            statement.error_message.as_deref(),
            Some("Table 'dnrOrgList' already exists")
        );
        assert_eq!(statement.default_database.as_deref(), Some("crm_deals"));
        assert_eq!(
            statement.query.as_deref(),
            Some("Create temporary table crm_deals.dnrOrgList (orgid int)")
        );
        // The error names the table without its schema: the default database completes it.
        assert_eq!(m.table().unwrap().to_string(), "crm_deals.dnrOrgList");
        let m = ApplierErrorMessage::parse(
            "Worker 2 failed executing transaction '' at master log , end_log_pos 0; x",
        );
        assert_eq!(m.transaction, Some(TransactionRef::Empty));
    }

    #[test]
    fn mariadb_parallel_worker_bare_message() {
        let m =
            ApplierErrorMessage::parse("Lock wait timeout exceeded; try restarting transaction");
        assert_eq!(m.error_codes, vec![1205]);
        assert!(m.worker_id.is_none());
    }

    #[test]
    fn statement_logged_with_its_error_on_the_source() {
        // MySQL 5.5, corpus 036: a MyISAM update killed half-way on the source.
        let m = ApplierErrorMessage::parse(
            "Query partially completed on the master (error on master: 1317) and was aborted. There is a chance that your master is inconsistent at this point. If you are sure that your master is ok, run this query manually on the slave and then restart the slave with SET GLOBAL SQL_SLAVE_SKIP_COUNTER=1; START SLAVE; . Query: 'update t set a=1'",
        );
        let different = m.different_errors.unwrap();
        assert_eq!(different.source_error_code, 1317);
        assert_eq!(different.replica_error_code, None);
    }

    #[test]
    fn column_type_conversion_failures() {
        // Corpus 076: the page curled the quotes and printed a prime for one of them.
        let parsed = ApplierErrorMessage::parse(
            "Column 7 of table \u{2018}user_0.user_00\u{2032} cannot be converted from type \u{2018}varchar(10)\u{2019} to type \u{2018}varbinary(30)\u{2019}",
        );
        let conversion = parsed.column_conversion.clone().unwrap();
        assert_eq!(conversion.column, 7);
        assert_eq!(conversion.from_type, "varchar(10)");
        assert_eq!(conversion.to_type, "varbinary(30)");
        assert_eq!(parsed.table().unwrap().to_string(), "user_0.user_00");
        assert_eq!(parsed.error_code(), Some(1677));
    }

    #[test]
    fn the_table_a_failed_statement_writes() {
        let table = |m: &str| {
            ApplierErrorMessage::parse(m)
                .table()
                .map(ToString::to_string)
        };
        assert_eq!(
            table("Error 'Duplicate entry '%-test-' for key 'PRIMARY'' on query. Default database: 'mysql'. Query: 'INSERT INTO db SELECT * FROM tmp_db WHERE @had_db_table=0;'").as_deref(),
            Some("mysql.db")
        );
        assert_eq!(
            table("Error 'Duplicate key name 'k_3'' on query. Default database: 'sb'. Query: 'CREATE INDEX k_3 ON sbtest3(k)'").as_deref(),
            Some("sb.sbtest3")
        );
        assert_eq!(
            table("Error 'x' on query. Default database: 'a'. Query: 'insert into `queueentry`(`identry`) values(1)'").as_deref(),
            Some("a.queueentry")
        );
        assert_eq!(
            table("Error 'x' on query. Default database: ''. Query: 'ALTER TABLE shop.orders ADD c INT'").as_deref(),
            Some("shop.orders")
        );
        assert_eq!(
            table("Error 'x' on query. Default database: 'a'. Query: 'BEGIN'"),
            None
        );
    }

    #[test]
    fn duplicate_values_over_lines_and_keys_by_number() {
        // Corpus 062: a binary key printed with escapes, wrapped by the terminal.
        let m = ApplierErrorMessage::parse(
            "Slave SQL: Error 'Duplicate entry 'L\\xAC\\xF2\\x87'\n\\x87\\xB7' for key 'PRIMARY'' on query. Default database:\n 'vspheredb'. Query: 'INSERT INTO virtual_machine (uuid) VALUES (1)'",
        );
        let entry = m.duplicate_entry.unwrap();
        assert_eq!(entry.value, "L\\xAC\\xF2\\x87'\n\\x87\\xB7");
        assert_eq!(entry.key_name(), "PRIMARY");
        // Corpus 061: MySQL 5.0 names the key by its number.
        let m = ApplierErrorMessage::parse(
            "Slave: Error 'Duplicate entry '16063-20091009' for key 1' on query. Default database: 'vlm'.",
        );
        let entry = m.duplicate_entry.unwrap();
        assert_eq!(
            (entry.value.as_str(), entry.key_name()),
            ("16063-20091009", "1")
        );
    }

    #[test]
    fn failures_on_the_replication_metadata_tables() {
        // Corpus 048: MariaDB fails to record its GTID position.
        let m = ApplierErrorMessage::parse(
            "Slave SQL: Error during XID COMMIT: failed to update GTID state in mysql.gtid_slave_pos: 1062: Duplicate entry '0-71143' for key 'PRIMARY', Gtid 0-1684298499-71198, Internal MariaDB error code: 1942",
        );
        assert_eq!(m.metadata_table.as_deref(), Some("mysql.gtid_slave_pos"));
        assert_eq!(m.error_codes, vec![1942]);
        let m = ApplierErrorMessage::parse(
            "Could not execute Write_rows event on table `mysql`.`gtid_executed`; Duplicate entry 'x' for key 'PRIMARY', Error_code: 1062",
        );
        assert_eq!(m.metadata_table.as_deref(), Some("mysql.gtid_executed"));
        assert!(is_replication_metadata_table("mysql.gtid_slave_pos_InnoDB"));
        assert!(is_replication_metadata_table("`mysql`.`slave_worker_info`"));
        assert!(!is_replication_metadata_table("mysql.user"));
        assert!(!is_replication_metadata_table("shop.gtid_executed"));
        // A user table whose schema ends in "mysql" is not the mysql schema.
        let m = ApplierErrorMessage::parse(
            "Could not execute Write_rows event on table mymysql.gtid_executed; Duplicate entry '1' for key 'PRIMARY', Error_code: 1062",
        );
        assert_eq!(m.metadata_table, None);
    }

    #[test]
    fn schema_errors_named_by_their_text() {
        let m = ApplierErrorMessage::parse(
            "Error 'Table 'shop.orders' doesn't exist' on query. Default database: 'other'. Query: 'insert into shop.orders values (1)'",
        );
        assert_eq!(m.error_codes, vec![1146]);
        assert_eq!(m.table().unwrap().to_string(), "shop.orders");
        let codes = |t: &str| ApplierErrorMessage::parse(t).error_codes;
        assert_eq!(
            codes("Error 'Unknown column 'c' in 'field list'' on query."),
            vec![1054]
        );
        assert_eq!(
            codes("Error 'Duplicate column name 'c'' on query."),
            vec![1060]
        );
        assert_eq!(
            codes("Error 'Duplicate key name 'k'' on query."),
            vec![1061]
        );
        assert_eq!(codes("Error 'Unknown database 'd'' on query."), vec![1049]);
        assert_eq!(
            codes("Error 'Can't DROP 'k'; check that column/key exists' on query."),
            vec![1091]
        );
    }

    #[test]
    fn stop_position_of_the_exit_note() {
        let m = ApplierErrorMessage::parse(
            "Slave SQL thread exiting, replication stopped in log 'slave-1-log-bin.006034' at position 10470968",
        );
        let at = m.stopped_at.unwrap();
        assert_eq!(
            (at.file.as_str(), at.position),
            ("slave-1-log-bin.006034", 10470968)
        );
    }

    #[test]
    fn stop_position_with_its_quote_lost() {
        let m = ApplierErrorMessage::parse(
            "Error running query, slave SQL thread aborted. Fix the problem, and restart the slave SQL thread with \"SLAVE START\". We stopped at log 'master-bin.000001 position 1234",
        );
        let at = m.stopped_at.unwrap();
        assert_eq!((at.file.as_str(), at.position), ("master-bin.000001", 1234));
    }
}
