//! Real replication faults, reproduced on a lab's instances the way they happen in production.
//!
//! Each helper leaves the replica in the failed state and returns what the replica reports, so
//! a test can assert on the error number and message and then diagnose the live servers.

use std::time::Duration;

use mysql_async::prelude::Queryable;

use crate::LAB_DATABASE;
use crate::error::LabError;
use crate::lab::{Lab, ReplicationOptions};
use crate::proxy::Proxy;
use crate::status::SlaveStatus;

/// A fault left on a replica: its status once the fault shows, and where it happened.
#[derive(Debug, Clone)]
pub struct Injected {
    pub status: SlaveStatus,
    /// `db.table` the fault is on, when it is about a table.
    pub table: Option<String>,
    /// The primary key value involved, when there is one.
    pub key: Option<String>,
}

/// Creates `lab.<table>` (`id INT PRIMARY KEY, v VARCHAR(64)`) with rows 1..=3 on `source`
/// and waits until `replica` has it.
pub async fn create_table(
    lab: &Lab,
    source: usize,
    replica: usize,
    table: &str,
) -> Result<String, LabError> {
    let name = format!("{LAB_DATABASE}.{table}");
    lab.server(source)
        .exec(&format!(
            "CREATE DATABASE IF NOT EXISTS {LAB_DATABASE};
             CREATE TABLE {name} (id INT PRIMARY KEY, v VARCHAR(64)) ENGINE=InnoDB;
             INSERT INTO {name} VALUES (1, 'one'), (2, 'two'), (3, 'three');"
        ))
        .await?;
    lab.wait_caught_up(replica, source).await?;
    Ok(name)
}

async fn wait_sql_error(lab: &Lab, replica: usize) -> Result<SlaveStatus, LabError> {
    lab.wait_status(replica, "the SQL thread to stop on an error", |status| {
        status.sql_stopped() && status.sql_errno() != 0
    })
    .await
}

/// Error 1062: the replica already holds a row (written there with binary logging off) that
/// an insert from the source writes again.
pub async fn duplicate_key(lab: &Lab, source: usize, replica: usize) -> Result<Injected, LabError> {
    let table = create_table(lab, source, replica, "dup").await?;
    lab.server(replica)
        .exec(&format!(
            "SET SESSION sql_log_bin=0; INSERT INTO {table} VALUES (10, 'written on the replica')"
        ))
        .await?;
    lab.server(source)
        .exec(&format!(
            "INSERT INTO {table} VALUES (10, 'written on the source')"
        ))
        .await?;
    Ok(Injected {
        status: wait_sql_error(lab, replica).await?,
        table: Some(table),
        key: Some("10".into()),
    })
}

/// Error 1062 on both sides of a dual-primary pair (`Lab::dual_primary`): the same key is
/// written on each primary before either has seen the other's row. Returns the status of
/// instance 0 and instance 1.
pub async fn dual_primary_duplicate_key(lab: &Lab) -> Result<(Injected, Injected), LabError> {
    let table = create_table(lab, 0, 1, "dual").await?;
    lab.wait_caught_up(0, 1).await?;
    // Hold both appliers so that each primary commits its own row first, as two clients
    // writing the same key at nearly the same moment do.
    for index in [0, 1] {
        lab.server(index).exec("STOP SLAVE SQL_THREAD").await?;
    }
    for index in [0, 1] {
        lab.server(index)
            .exec(&format!(
                "INSERT INTO {table} VALUES (20, 'written on {}')",
                lab.server(index).name()
            ))
            .await?;
    }
    for index in [0, 1] {
        lab.server(index).exec("START SLAVE SQL_THREAD").await?;
    }
    let injected = |status| Injected {
        status,
        table: Some(table.clone()),
        key: Some("20".into()),
    };
    Ok((
        injected(wait_sql_error(lab, 0).await?),
        injected(wait_sql_error(lab, 1).await?),
    ))
}

/// Error 1032: a row deleted on the replica alone is then updated on the source.
pub async fn row_not_found(lab: &Lab, source: usize, replica: usize) -> Result<Injected, LabError> {
    let table = create_table(lab, source, replica, "missing").await?;
    lab.server(replica)
        .exec(&format!(
            "SET SESSION sql_log_bin=0; DELETE FROM {table} WHERE id = 2"
        ))
        .await?;
    lab.server(source)
        .exec(&format!(
            "UPDATE {table} SET v = 'changed on the source' WHERE id = 2"
        ))
        .await?;
    Ok(Injected {
        status: wait_sql_error(lab, replica).await?,
        table: Some(table),
        key: Some("2".into()),
    })
}

/// A local session on a server holding one row's lock in an open transaction.
#[derive(Debug)]
struct RowLock {
    conn: mysql_async::Conn,
}

impl RowLock {
    async fn take(server: &crate::Server, table: &str, id: u32) -> Result<Self, LabError> {
        let mut conn = server.conn().await?;
        let lock = format!("SELECT * FROM {table} WHERE id = {id} FOR UPDATE");
        conn.query_drop(format!("BEGIN; {lock}"))
            .await
            .map_err(|source| server.sql_error(&lock, source))?;
        Ok(Self { conn })
    }

    /// Rolls back and disconnects; failures only mean the session is already gone.
    async fn release(mut self) {
        let _ = self.conn.query_drop("ROLLBACK").await;
        let _ = self.conn.disconnect().await;
    }
}

/// Restarts replication on `replica` with retries off and `settings` applied: the applier
/// copies `slave_transaction_retries` and `innodb_lock_wait_timeout` when its threads start.
async fn restart_applier_with(
    lab: &Lab,
    replica: usize,
    settings: &[&str],
) -> Result<(), LabError> {
    let mut statements = vec!["STOP SLAVE", "SET GLOBAL slave_transaction_retries = 0"];
    statements.extend_from_slice(settings);
    statements.push("START SLAVE");
    lab.server(replica).exec(&statements.join("; ")).await?;
    lab.wait_status(replica, "replication threads running again", |s| {
        s.io_running() && s.sql_running()
    })
    .await?;
    Ok(())
}

/// An applier waiting for a row lock a local session holds, before any timeout.
#[derive(Debug)]
pub struct BlockedApplier {
    holder: RowLock,
    /// The local session's connection id, as the lock-wait tables name it.
    pub holder_id: u64,
    pub table: String,
}

impl BlockedApplier {
    /// Ends the local session's transaction: the applier goes on.
    pub async fn release(self) {
        self.holder.release().await;
    }
}

/// No error yet: a local session on the replica holds a row lock that the source's next update
/// needs, so the applier waits (up to the default 50 s `innodb_lock_wait_timeout`) and the
/// replica falls behind. Returns once the applier is seen waiting.
pub async fn blocked_applier(
    lab: &Lab,
    source: usize,
    replica: usize,
) -> Result<BlockedApplier, LabError> {
    let table = create_table(lab, source, replica, "blocked").await?;
    let server = lab.server(replica);
    let mut holder = RowLock::take(server, &table, 2).await?;
    let holder_id: u64 = holder
        .conn
        .query_first("SELECT CONNECTION_ID()")
        .await
        .ok()
        .flatten()
        .unwrap_or(0);
    lab.server(source)
        .exec(&format!(
            "UPDATE {table} SET v = 'waits on the replica' WHERE id = 2"
        ))
        .await?;
    let waiting = "SELECT r.trx_mysql_thread_id FROM information_schema.INNODB_LOCK_WAITS w \
         JOIN information_schema.INNODB_TRX r ON r.trx_id = w.requesting_trx_id";
    poll_value(
        lab,
        replica,
        waiting,
        "the applier waiting for the row lock",
    )
    .await?;
    Ok(BlockedApplier {
        holder,
        holder_id,
        table,
    })
}

/// Error 1205: a local session on the replica holds a row lock longer than the applier's
/// `innodb_lock_wait_timeout` (set to 1 s, with retries off). The lock is released once the
/// error shows.
pub async fn lock_wait_timeout(
    lab: &Lab,
    source: usize,
    replica: usize,
) -> Result<Injected, LabError> {
    let table = create_table(lab, source, replica, "locked").await?;
    let server = lab.server(replica);
    restart_applier_with(lab, replica, &["SET GLOBAL innodb_lock_wait_timeout = 1"]).await?;
    let holder = RowLock::take(server, &table, 3).await?;
    lab.server(source)
        .exec(&format!(
            "UPDATE {table} SET v = 'blocked on the replica' WHERE id = 3"
        ))
        .await?;
    let status = wait_sql_error(lab, replica).await;
    holder.release().await;
    Ok(Injected {
        status: status?,
        table: Some(table),
        key: Some("3".into()),
    })
}

/// Error 1213: a local session on the replica and the applier lock two rows in opposite order.
/// The local session has changed many rows, so InnoDB rolls the applier back as the cheaper
/// victim; with retries off the SQL thread stops. The session is rolled back once the error
/// shows.
pub async fn applier_deadlock(
    lab: &Lab,
    source: usize,
    replica: usize,
) -> Result<Injected, LabError> {
    let table = create_table(lab, source, replica, "deadlocked").await?;
    let server = lab.server(replica);
    restart_applier_with(lab, replica, &[]).await?;
    // The local session: heavy (a hundred new rows), holding row 2.
    let mut local = server.conn().await?;
    let weight: Vec<String> = (100..200).map(|id| format!("({id}, 'local')")).collect();
    let take_row_2 = format!(
        "SET SESSION sql_log_bin = 0; BEGIN; INSERT INTO {table} VALUES {};
         UPDATE {table} SET v = 'local' WHERE id = 2",
        weight.join(", ")
    );
    local
        .query_drop(&take_row_2)
        .await
        .map_err(|source| server.sql_error(&take_row_2, source))?;
    // The source's transaction changes row 1, then row 2: the applier holds 1 and waits for 2.
    lab.server(source)
        .exec(&format!(
            "BEGIN; UPDATE {table} SET v = 'source first' WHERE id = 1;
             UPDATE {table} SET v = 'source second' WHERE id = 2; COMMIT"
        ))
        .await?;
    // Once row 1 is locked (a NOWAIT probe fails), the applier holds it and needs row 2.
    let probe = format!("SELECT id FROM {table} WHERE id = 1 FOR UPDATE NOWAIT");
    let started = std::time::Instant::now();
    let mut prober = server.conn().await?;
    while prober.query_drop(&probe).await.is_ok() {
        if started.elapsed() > crate::lab::WAIT_TIMEOUT {
            return Err(LabError::Timeout {
                what: "the applier locking row 1".to_owned(),
                seconds: crate::lab::WAIT_TIMEOUT.as_secs(),
            });
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = prober.disconnect().await;
    // Row 1 closes the cycle; InnoDB picks the applier and this statement goes through.
    let close_cycle = format!("UPDATE {table} SET v = 'local' WHERE id = 1");
    let closed = local.query_drop(&close_cycle).await;
    let status = wait_sql_error(lab, replica).await;
    let _ = local.query_drop("ROLLBACK").await;
    let _ = local.disconnect().await;
    closed.map_err(|source| server.sql_error(&close_cycle, source))?;
    Ok(Injected {
        status: status?,
        table: Some(table),
        key: Some("2".into()),
    })
}

/// Error 1317: the applier's statement is killed (`KILL QUERY`) while it waits for a row lock
/// held by a local session, as a backup tool's kill-long-queries does.
pub async fn killed_applier(
    lab: &Lab,
    source: usize,
    replica: usize,
) -> Result<Injected, LabError> {
    let table = create_table(lab, source, replica, "killed").await?;
    let server = lab.server(replica);
    let holder = RowLock::take(server, &table, 1).await?;
    lab.server(source)
        .exec(&format!(
            "UPDATE {table} SET v = 'killed on the replica' WHERE id = 1"
        ))
        .await?;
    // The thread applying the event: the SQL thread, or a worker when applying in parallel.
    let find_applier = "SELECT ID FROM information_schema.PROCESSLIST \
         WHERE USER = 'system user' AND COMMAND IN ('Slave_SQL', 'Slave_worker') \
         AND STATE NOT LIKE 'Waiting for%' AND STATE NOT LIKE 'Slave has read all%' \
         AND STATE <> '' ORDER BY TIME DESC LIMIT 1";
    let applier = poll_value(
        lab,
        replica,
        find_applier,
        "the applier waiting for the row lock",
    )
    .await?;
    server.exec(&format!("KILL QUERY {applier}")).await?;
    let status = wait_sql_error(lab, replica).await;
    holder.release().await;
    Ok(Injected {
        status: status?,
        table: Some(table),
        key: Some("1".into()),
    })
}

/// A receiver that says `Yes` but receives nothing, with what the replica showed then.
#[derive(Debug)]
pub struct StalledReceiver {
    /// Replication runs through it, paused; dropping it ends the stall.
    pub proxy: Proxy,
    pub status: SlaveStatus,
}

/// No error at all: the replica is moved behind a TCP relay that then stops relaying without
/// closing the connection (a firewall or NAT dropping it silently). The receiver keeps saying
/// `Yes` until `slave_net_timeout` (60 s) while the source writes on.
pub async fn stalled_receiver(
    lab: &Lab,
    source: usize,
    replica: usize,
) -> Result<StalledReceiver, LabError> {
    let table = create_table(lab, source, replica, "stalled").await?;
    let proxy = Proxy::start(lab.server(source).port()).await?;
    lab.server(replica).exec("STOP SLAVE").await?;
    let through_proxy = ReplicationOptions {
        port: Some(proxy.port()),
        ..ReplicationOptions::default()
    };
    lab.replicate(replica, source, &through_proxy).await?;
    // A row through the relay first, so the receiver has its file and position from it.
    lab.server(source)
        .exec(&format!(
            "INSERT INTO {table} VALUES (39, 'through the relay')"
        ))
        .await?;
    lab.wait_caught_up(replica, source).await?;
    proxy.pause();
    lab.server(source)
        .exec(&format!(
            "INSERT INTO {table} VALUES (40, 'never arrives'), (41, 'never arrives')"
        ))
        .await?;
    let status = lab
        .wait_status(replica, "the receiver still running", |s| s.io_running())
        .await?;
    Ok(StalledReceiver { proxy, status })
}

/// Error 1236 on the IO thread: while the replica is stopped, the source writes and purges the
/// binlogs that hold what the replica still needs.
pub async fn purged_binlogs(
    lab: &Lab,
    source: usize,
    replica: usize,
) -> Result<Injected, LabError> {
    let table = create_table(lab, source, replica, "purged").await?;
    lab.server(replica).exec("STOP SLAVE").await?;
    let primary = lab.server(source);
    primary
        .exec(&format!(
            "INSERT INTO {table} VALUES (30, 'never replicated')"
        ))
        .await?;
    // PURGE silently keeps a file InnoDB still needs for crash recovery: rotate and purge until
    // only the newest binlog is left.
    let mut attempts = 0;
    loop {
        primary.exec("FLUSH BINARY LOGS").await?;
        let newest = primary
            .rows("SHOW BINARY LOGS")
            .await?
            .last()
            .and_then(|row| row.get("Log_name").cloned().flatten())
            .unwrap_or_default();
        primary
            .exec(&format!("PURGE BINARY LOGS TO '{newest}'"))
            .await?;
        if primary.rows("SHOW BINARY LOGS").await?.len() == 1 {
            break;
        }
        attempts += 1;
        if attempts > 50 {
            return Err(LabError::Timeout {
                what: format!("{} to purge its old binlogs", primary.name()),
                seconds: 5,
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    lab.server(replica).exec("START SLAVE").await?;
    let status = lab
        .wait_status(replica, "the IO thread to stop on an error", |status| {
            status.io_errno() != 0 && !status.io_running()
        })
        .await?;
    Ok(Injected {
        status,
        table: Some(table),
        key: Some("30".into()),
    })
}

/// What an errant write left behind.
#[derive(Debug, Clone)]
pub struct ErrantWrite {
    /// The GTID the replica gave its own write (`domain-server_id-seq`).
    pub gtid: String,
    pub replica_binlog_state: String,
    pub source_binlog_state: String,
}

/// A write on the replica with binary logging on: no error, but the replica now has a
/// transaction its source never had.
pub async fn errant_write(
    lab: &Lab,
    source: usize,
    replica: usize,
) -> Result<ErrantWrite, LabError> {
    let table = create_table(lab, source, replica, "errant").await?;
    let server = lab.server(replica);
    let mut conn = server.conn().await?;
    let write = format!("INSERT INTO {table} VALUES (40, 'written on the replica')");
    let gtid: Option<String> = async {
        conn.query_drop(&write).await?;
        conn.query_first("SELECT @@last_gtid").await
    }
    .await
    .map_err(|source| server.sql_error(&write, source))?;
    let _ = conn.disconnect().await;
    Ok(ErrantWrite {
        gtid: gtid.unwrap_or_default(),
        replica_binlog_state: server
            .value("SELECT @@gtid_binlog_state")
            .await?
            .unwrap_or_default(),
        source_binlog_state: lab
            .server(source)
            .value("SELECT @@gtid_binlog_state")
            .await?
            .unwrap_or_default(),
    })
}

async fn poll_value(lab: &Lab, index: usize, sql: &str, what: &str) -> Result<String, LabError> {
    let started = std::time::Instant::now();
    loop {
        if let Some(value) = lab.server(index).value(sql).await? {
            return Ok(value);
        }
        if started.elapsed() > crate::lab::WAIT_TIMEOUT {
            return Err(LabError::Timeout {
                what: what.to_owned(),
                seconds: crate::lab::WAIT_TIMEOUT.as_secs(),
            });
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
