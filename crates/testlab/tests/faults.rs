//! Each fault the lab can inject really happens on real MariaDB servers: the replica reports
//! the expected error number and message, not just "something stopped".

use testlab::faults;
use testlab::{Lab, LabOptions, ReplicationOptions};

fn serial() -> LabOptions {
    LabOptions::default()
}

#[tokio::test]
async fn primary_replica_replicates() {
    let lab = Lab::primary_replica(&serial()).await.unwrap();
    let table = faults::create_table(&lab, 0, 1, "smoke").await.unwrap();
    let count = lab
        .server(1)
        .value(&format!("SELECT COUNT(*) FROM {table}"))
        .await
        .unwrap();
    assert_eq!(count.as_deref(), Some("3"));
    let status = lab.server(1).default_channel().await.unwrap().unwrap();
    assert_eq!(
        status.get("Master_Port"),
        Some(lab.server(0).port().to_string().as_str())
    );
    assert_eq!(status.get("Using_Gtid"), Some("Slave_Pos"));
    assert_eq!(status.sql_errno(), 0);
}

#[tokio::test]
async fn duplicate_key_on_a_replica_is_1062() {
    let lab = Lab::primary_replica(&serial()).await.unwrap();
    let fault = faults::duplicate_key(&lab, 0, 1).await.unwrap();
    assert_eq!(fault.status.sql_errno(), 1062);
    assert!(fault.status.io_running());
    let error = fault.status.sql_error();
    assert!(error.contains("on table lab.dup"), "{error}");
    assert!(
        error.contains("Duplicate entry '10' for key 'PRIMARY'"),
        "{error}"
    );
    assert!(error.contains("end_log_pos"), "{error}");
}

#[tokio::test]
async fn duplicate_key_on_a_dual_primary_pair_is_1062_on_both() {
    let lab = Lab::dual_primary(&serial()).await.unwrap();
    let (first, second) = faults::dual_primary_duplicate_key(&lab).await.unwrap();
    for fault in [&first, &second] {
        assert_eq!(fault.status.sql_errno(), 1062);
        assert!(fault.status.sql_error().contains("Duplicate entry '20'"));
    }
    // Each side stopped on the other's transaction, in the same GTID domain.
    let first_gtid = first
        .status
        .get("Gtid_IO_Pos")
        .unwrap_or_default()
        .to_owned();
    let second_gtid = second
        .status
        .get("Gtid_IO_Pos")
        .unwrap_or_default()
        .to_owned();
    assert!(first_gtid.starts_with("0-2-"), "{first_gtid}");
    assert!(second_gtid.starts_with("0-1-"), "{second_gtid}");
}

#[tokio::test]
async fn row_missing_on_the_replica_is_1032() {
    let lab = Lab::primary_replica(&serial()).await.unwrap();
    let fault = faults::row_not_found(&lab, 0, 1).await.unwrap();
    assert_eq!(fault.status.sql_errno(), 1032);
    let error = fault.status.sql_error();
    assert!(error.contains("Update_rows"), "{error}");
    assert!(error.contains("Can't find record in 'missing'"), "{error}");
}

#[tokio::test]
async fn local_lock_on_the_replica_is_1205() {
    let lab = Lab::primary_replica(&serial()).await.unwrap();
    let fault = faults::lock_wait_timeout(&lab, 0, 1).await.unwrap();
    assert_eq!(fault.status.sql_errno(), 1205);
    assert!(
        fault
            .status
            .sql_error()
            .contains("Lock wait timeout exceeded")
    );
}

#[tokio::test]
async fn applier_deadlock_with_a_local_session_is_1213() {
    let lab = Lab::primary_replica(&serial()).await.unwrap();
    let fault = faults::applier_deadlock(&lab, 0, 1).await.unwrap();
    assert_eq!(
        fault.status.sql_errno(),
        1213,
        "{}",
        fault.status.sql_error()
    );
    let error = fault.status.sql_error();
    assert!(
        error.contains("Deadlock found when trying to get lock"),
        "{error}"
    );
    assert!(error.contains("lab.deadlocked"), "{error}");
}

#[tokio::test]
async fn receiver_stalled_behind_a_silent_relay_still_says_yes() {
    let lab = Lab::primary_replica(&serial()).await.unwrap();
    let stall = faults::stalled_receiver(&lab, 0, 1).await.unwrap();
    assert!(stall.status.io_running());
    assert_eq!(stall.status.sql_errno(), 0);
    assert_eq!(
        stall.status.get("Master_Log_File"),
        Some("mariadb-bin.000001")
    );
    // The source wrote on; nothing of it reached the replica.
    let read: u64 = stall
        .status
        .get("Read_Master_Log_Pos")
        .unwrap()
        .parse()
        .unwrap();
    let source = lab.server(0).rows("SHOW MASTER STATUS").await.unwrap();
    let written: u64 = source[0]["Position"].as_deref().unwrap().parse().unwrap();
    assert!(read < written, "read {read}, written {written}");
}

#[tokio::test]
async fn killed_applier_is_1317() {
    let lab = Lab::primary_replica(&serial()).await.unwrap();
    let fault = faults::killed_applier(&lab, 0, 1).await.unwrap();
    assert_eq!(fault.status.sql_errno(), 1317);
    assert!(
        fault
            .status
            .sql_error()
            .contains("Query execution was interrupted")
    );
}

#[tokio::test]
async fn purged_binlogs_the_replica_needs_is_1236() {
    let lab = Lab::primary_replica(&serial()).await.unwrap();
    let fault = faults::purged_binlogs(&lab, 0, 1).await.unwrap();
    assert_eq!(fault.status.io_errno(), 1236);
    assert!(!fault.status.io_running());
    assert!(
        fault
            .status
            .io_error()
            .contains("Could not find GTID state requested by slave in any binlog files"),
        "{}",
        fault.status.io_error()
    );
}

#[tokio::test]
async fn errant_write_leaves_a_replica_only_gtid() {
    let lab = Lab::primary_replica(&serial()).await.unwrap();
    let errant = faults::errant_write(&lab, 0, 1).await.unwrap();
    assert!(errant.gtid.starts_with("0-2-"), "{}", errant.gtid);
    assert!(errant.replica_binlog_state.contains(&errant.gtid));
    assert!(!errant.source_binlog_state.contains("0-2-"));
}

#[tokio::test]
async fn delayed_replica_reports_its_delay() {
    let lab = Lab::start(2, &serial()).await.unwrap();
    lab.replicate(
        1,
        0,
        &ReplicationOptions {
            delay: Some(5),
            ..ReplicationOptions::default()
        },
    )
    .await
    .unwrap();
    lab.server(0)
        .exec("CREATE DATABASE delayed_probe")
        .await
        .unwrap();
    let status = lab
        .wait_status(1, "the delay to be waited out", |s| {
            s.get("SQL_Remaining_Delay").is_some()
        })
        .await
        .unwrap();
    assert_eq!(status.get("SQL_Delay"), Some("5"));
    assert!(
        status
            .get("Slave_SQL_Running_State")
            .unwrap_or_default()
            .contains("MASTER_DELAY"),
        "{status:?}"
    );
}

#[tokio::test]
async fn parallel_applier_options_reach_the_server() {
    let options = LabOptions {
        parallel_threads: 4,
        parallel_mode: Some("aggressive".into()),
        ..LabOptions::default()
    };
    let lab = Lab::primary_replica(&options).await.unwrap();
    let replica = lab.server(1);
    assert_eq!(
        replica
            .value("SELECT @@slave_parallel_threads")
            .await
            .unwrap()
            .as_deref(),
        Some("4")
    );
    assert_eq!(
        replica
            .value("SELECT @@slave_parallel_mode")
            .await
            .unwrap()
            .as_deref(),
        Some("aggressive")
    );
}

#[tokio::test]
async fn dropping_the_lab_stops_every_server() {
    let lab = Lab::start(2, &serial()).await.unwrap();
    let pids: Vec<u32> = lab.servers().iter().filter_map(|s| s.pid()).collect();
    let dir = lab.path().to_owned();
    assert_eq!(pids.len(), 2);
    drop(lab);
    for pid in pids {
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "mariadbd {pid} still runs"
        );
    }
    assert!(!dir.exists());
}

#[test]
fn a_panicking_test_still_stops_its_servers() {
    let pid = std::sync::Arc::new(std::sync::Mutex::new(None));
    let seen = pid.clone();
    let outcome = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let lab = runtime.block_on(Lab::start(1, &serial())).unwrap();
        *seen.lock().unwrap() = lab.server(0).pid();
        panic!("a test failing while its lab runs");
    })
    .join();
    assert!(outcome.is_err(), "the thread panicked");
    let pid = pid.lock().unwrap().expect("the server had started");
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "mariadbd {pid} outlived the panicking test"
    );
}
