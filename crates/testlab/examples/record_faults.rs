//! Reproduces each fault the lab can inject and records what a DBA would paste: the output of
//! the real `mariadb` client on the replica and the source, the error log, and the binlogs.
//!
//! ```sh
//! cargo run -p testlab --example record_faults -- examples/lab [FAULT...]
//! ```
//!
//! Each fault gets a folder `DIR/<fault>/` with one file per server (`s1.txt`, `s2.txt`: a
//! `-- server: NAME role: ROLE` line, what the client printed, then the server's error log),
//! `binlogs/` with both servers' binlog files, and `bundle/`: what `repldoctor collect` saves
//! from the replica (instance 2) and its source, collected as the least-privilege account.

use std::path::{Path, PathBuf};
use std::process::Command;

use testlab::{Lab, LabOptions, Server, faults};

type Failure = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().unwrap_or_else(|| "examples/lab".into()));
    // Faults named after the folder record only those; none records every fault.
    let only: Vec<String> = args.collect();
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    let serial = LabOptions::default();

    if wanted("dup-key") {
        let lab = Lab::primary_replica(&serial).await?;
        faults::duplicate_key(&lab, 0, 1).await?;
        record(&lab, &out.join("dup-key"), false)?;
    }
    if wanted("dual-primary-dup-key") {
        let lab = Lab::dual_primary(&serial).await?;
        faults::dual_primary_duplicate_key(&lab).await?;
        record(&lab, &out.join("dual-primary-dup-key"), true)?;
    }
    if wanted("row-not-found") {
        let lab = Lab::primary_replica(&serial).await?;
        faults::row_not_found(&lab, 0, 1).await?;
        record(&lab, &out.join("row-not-found"), false)?;
    }
    if wanted("lock-wait-timeout") {
        let lab = Lab::primary_replica(&serial).await?;
        faults::lock_wait_timeout(&lab, 0, 1).await?;
        record(&lab, &out.join("lock-wait-timeout"), false)?;
    }
    if wanted("applier-deadlock") {
        let lab = Lab::primary_replica(&serial).await?;
        faults::applier_deadlock(&lab, 0, 1).await?;
        record(&lab, &out.join("applier-deadlock"), false)?;
    }
    if wanted("killed-applier") {
        let lab = Lab::primary_replica(&serial).await?;
        faults::killed_applier(&lab, 0, 1).await?;
        record(&lab, &out.join("killed-applier"), false)?;
    }
    if wanted("purged-binlogs") {
        let lab = Lab::primary_replica(&serial).await?;
        faults::purged_binlogs(&lab, 0, 1).await?;
        record(&lab, &out.join("purged-binlogs"), false)?;
    }
    if wanted("errant-write") {
        let lab = Lab::primary_replica(&serial).await?;
        faults::errant_write(&lab, 0, 1).await?;
        record(&lab, &out.join("errant-write"), false)?;
    }
    Ok(())
}

const REPLICA_QUERIES: &[&str] = &[
    "SHOW MASTER STATUS",
    "SHOW ALL SLAVES STATUS\\G",
    "SHOW FULL PROCESSLIST",
    "SELECT @@version, @@server_id, @@gtid_slave_pos, @@gtid_binlog_pos, @@gtid_current_pos, \
     @@gtid_binlog_state, @@read_only, @@slave_parallel_threads, @@slave_parallel_mode, \
     @@slave_transaction_retries, @@innodb_lock_wait_timeout, @@binlog_format, \
     @@gtid_strict_mode\\G",
];

const SOURCE_QUERIES: &[&str] = &[
    "SHOW MASTER STATUS",
    "SHOW BINARY LOGS",
    "SELECT @@version, @@server_id, @@gtid_binlog_pos, @@gtid_current_pos, @@gtid_binlog_state, \
     @@sync_binlog, @@innodb_flush_log_at_trx_commit\\G",
];

/// Writes one file per server; `dual` marks both servers as source and replica.
fn record(lab: &Lab, dir: &Path, dual: bool) -> Result<(), Failure> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir.join("binlogs"))?;
    for (index, server) in lab.servers().iter().enumerate() {
        let (role, queries) = match (dual, index) {
            (true, _) => ("both", REPLICA_QUERIES),
            (false, 0) => ("source", SOURCE_QUERIES),
            (false, _) => ("replica", REPLICA_QUERIES),
        };
        let mut text = format!("-- server: {} role: {role}\n", server.name());
        text.push_str(&session(server, queries)?);
        text.push_str(&format!("-- the error log of {}\n", server.name()));
        text.push_str(&std::fs::read_to_string(server.error_log())?);
        std::fs::write(dir.join(format!("{}.txt", server.name())), text)?;
        for entry in std::fs::read_dir(server.data_dir())? {
            let path = entry?.path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if name.starts_with("mariadb-bin.0") {
                let copy = format!("{}-{name}", server.name());
                std::fs::copy(&path, dir.join("binlogs").join(copy))?;
            }
        }
    }
    save_bundle(lab, &dir.join("bundle"))?;
    println!("recorded {}", dir.display());
    Ok(())
}

/// Collects from instance 2 (the replica; one side of a dual-primary pair) as
/// `repldoctor collect` does, and saves the bundle.
fn save_bundle(lab: &Lab, dir: &Path) -> Result<(), Failure> {
    use collect::{CollectOptions, collect};
    use session::dsn::{Dsn, Endpoint};
    use session::option_file::ClientDefaults;
    let endpoint = |server: &Server| {
        let dsn = Dsn::parse(&server.monitor_dsn())?;
        Ok::<_, Failure>(Endpoint::resolve(&dsn, &ClientDefaults::default(), None))
    };
    let replica = endpoint(lab.server(1))?;
    let source = endpoint(lab.server(0))?;
    let collection = tokio::task::block_in_place(|| {
        tokio::runtime::Handle::current().block_on(collect(
            &replica,
            Some(&source),
            &CollectOptions::default(),
        ))
    })?;
    bundle::save(&collection, dir)?;
    Ok(())
}

/// What a DBA's terminal shows: the prompt, the statement, the client's own output.
fn session(server: &Server, queries: &[&str]) -> Result<String, Failure> {
    let mut text = String::new();
    for query in queries {
        let output = Command::new("mariadb")
            .args(["-h127.0.0.1", "-uroot", "--table"])
            .arg(format!("-P{}", server.port()))
            .arg("-e")
            .arg(query)
            .output()?;
        text.push_str(&format!("MariaDB [(none)]> {query}\n"));
        text.push_str(&String::from_utf8_lossy(&output.stdout));
        text.push_str(&String::from_utf8_lossy(&output.stderr));
        text.push('\n');
    }
    Ok(text)
}
