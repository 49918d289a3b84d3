//! Live collection from real MariaDB servers with each fault testlab injects, as the
//! least-privilege `monitor` account: the model built from the captures holds the error
//! number, the GTID or position and the table, and the second sample says whether the applier
//! moved.

use std::time::{Duration, Instant};

use collect::{CollectOptions, collect};
use evidence::bundle::Collection;
use evidence::model::{Evidence, ServerEvidence};
use session::dsn::{Dsn, Endpoint};
use session::option_file::ClientDefaults;
use testlab::{Lab, LabOptions, faults};

fn endpoint(dsn: &str) -> Endpoint {
    Endpoint::resolve(&Dsn::parse(dsn).unwrap(), &ClientDefaults::default(), None)
}

/// Collects from `replica` of the lab as `monitor`, the source found from its status.
async fn collect_from(lab: &Lab, replica: usize) -> Collection {
    let replica = endpoint(&lab.server(replica).monitor_dsn());
    collect(
        &replica,
        None,
        &CollectOptions {
            follow_source: true,
            ..CollectOptions::default()
        },
    )
    .await
    .unwrap()
}

fn label(lab: &Lab, index: usize) -> String {
    format!("127.0.0.1:{}", lab.server(index).port())
}

fn server<'e>(evidence: &'e Evidence, lab: &Lab, index: usize) -> &'e ServerEvidence {
    evidence
        .server(Some(&label(lab, index)))
        .expect("the server is in the evidence")
}

/// No statement of the plan failed for lack of a privilege.
fn assert_least_privilege_suffices(collection: &Collection) {
    for gap in &collection.manifest.gaps {
        assert!(
            !gap.reason.contains("error 1227") && !gap.reason.contains("error 1142"),
            "{gap:?}"
        );
    }
}

/// Two samples; the channel in both; whether the applier moved between them.
fn applier_moved(server: &ServerEvidence) -> bool {
    assert_eq!(server.samples.len(), 2, "two samples");
    let position = |i: usize| {
        let channel = &server.samples[i].channels[0];
        (
            channel.relay_source_log_file.clone(),
            channel.exec_source_log_pos,
        )
    };
    assert!(server.samples[0].taken_at < server.samples[1].taken_at);
    position(0) != position(1)
}

fn failing_gtid(server: &ServerEvidence) -> Option<String> {
    server
        .error_log
        .iter()
        .rev()
        .find_map(|line| evidence::model::ApplierErrorMessage::parse(&line.message).mariadb_gtid)
}

#[tokio::test]
async fn duplicate_key() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    let fault = faults::duplicate_key(&lab, 0, 1).await.unwrap();
    let collection = collect_from(&lab, 1).await;
    assert_least_privilege_suffices(&collection);
    let evidence = collection.evidence();
    let replica = server(&evidence, &lab, 1);
    let channel = &replica.channels()[0];
    assert_eq!(channel.applier_errno(), Some(1062));
    let error = channel.applier_error().unwrap();
    assert_eq!(error.table().unwrap().to_string(), "lab.dup");
    let coordinate = error.source_log.unwrap();
    assert_eq!(coordinate.file, "mariadb-bin.000001");
    assert!(coordinate.position > channel.exec_source_log_pos.unwrap());
    assert!(!applier_moved(replica), "a failed applier stands still");
    let gtid = failing_gtid(replica).expect("the error log names the GTID");
    assert!(gtid.starts_with("0-1-"), "{gtid}");
    // The source was found from the replica's status and read too.
    let source = server(&evidence, &lab, 0);
    assert_eq!(source.samples.len(), 2);
    assert!(source.samples[1].binlog_position.is_some());
    assert_eq!(source.identity.server_id, Some(1));
    // The failing transaction's events: the row the source wrote, from the relay log.
    let slice = collection.manifest.binlog_slice.as_ref().expect("a slice");
    assert!(slice.obtained_from.starts_with("relay log"), "{slice:?}");
    assert_eq!(slice.gtid.as_deref(), Some(gtid.as_str()));
    assert_eq!(slice.end_log_pos, coordinate.position);
    let bytes = collection.binlog_slice.as_ref().unwrap();
    let transaction = binlog::find_by_position(bytes, coordinate.position)
        .unwrap()
        .expect("the slice holds the transaction");
    assert_eq!(transaction.tables, vec!["`lab`.`dup`".to_owned()]);
    assert!(
        replica.binlog_events.iter().any(|e| e
            .body
            .iter()
            .any(|sql| sql.contains("INSERT INTO `lab`.`dup`")
                && sql.contains("written on the source"))),
        "{:?}",
        replica.binlog_events
    );
    assert_eq!(fault.key.as_deref(), Some("10"));
    // The table the transaction writes, as the replica defines it.
    let table = replica.table(Some("lab"), "dup").expect("its definition");
    let columns: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(columns, ["id", "v"]);
    assert_eq!(table.columns[1].column_type.as_deref(), Some("varchar(64)"));
    assert_eq!(table.primary_key().unwrap().columns, ["id"]);
    assert_eq!(table.unique_secondary_keys().count(), 0);
}

#[tokio::test]
async fn duplicate_key_on_a_dual_primary_pair() {
    let lab = Lab::dual_primary(&LabOptions::default()).await.unwrap();
    faults::dual_primary_duplicate_key(&lab).await.unwrap();
    let collection = collect_from(&lab, 1).await;
    assert_least_privilege_suffices(&collection);
    let evidence = collection.evidence();
    // Each side stopped on the other's row: both are read, both replicate.
    for (index, other) in [(0, 2), (1, 1)] {
        let side = server(&evidence, &lab, index);
        assert_eq!(
            side.role,
            Some(evidence::model::Role::SourceAndReplica),
            "{index}"
        );
        let channel = &side.channels()[0];
        assert_eq!(channel.applier_errno(), Some(1062));
        let entry = channel.applier_error().unwrap().duplicate_entry.unwrap();
        assert_eq!(entry.value, "20");
        assert!(!applier_moved(side));
        let gtid = failing_gtid(side).expect("the error log names the GTID");
        assert!(gtid.starts_with(&format!("0-{other}-")), "{gtid}");
    }
}

#[tokio::test]
async fn row_not_found() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    faults::row_not_found(&lab, 0, 1).await.unwrap();
    let collection = collect_from(&lab, 1).await;
    assert_least_privilege_suffices(&collection);
    let evidence = collection.evidence();
    let replica = server(&evidence, &lab, 1);
    let channel = &replica.channels()[0];
    assert_eq!(channel.applier_errno(), Some(1032));
    let error = channel.applier_error().unwrap();
    assert_eq!(error.table().unwrap().to_string(), "lab.missing");
    assert!(!applier_moved(replica));
    let gtid = failing_gtid(replica).unwrap();
    assert!(gtid.starts_with("0-1-"), "{gtid}");
    let slice = collection.manifest.binlog_slice.as_ref().expect("a slice");
    assert_eq!(slice.gtid.as_deref(), Some(gtid.as_str()));
    assert!(
        replica.binlog_events.iter().any(|e| e
            .body
            .iter()
            .any(|sql| sql.starts_with("UPDATE `lab`.`missing`"))),
        "{:?}",
        replica.binlog_events
    );
}

#[tokio::test]
async fn lock_wait_timeout() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    faults::lock_wait_timeout(&lab, 0, 1).await.unwrap();
    let collection = collect_from(&lab, 1).await;
    assert_least_privilege_suffices(&collection);
    let evidence = collection.evidence();
    let replica = server(&evidence, &lab, 1);
    let channel = &replica.channels()[0];
    assert_eq!(channel.applier_errno(), Some(1205));
    let error = channel.applier_error().unwrap();
    assert_eq!(error.table().unwrap().to_string(), "lab.locked");
    assert!(!applier_moved(replica));
    assert_eq!(
        replica.variables.innodb_lock_wait_timeout(),
        Some(1),
        "the setting behind the time-out"
    );
    let slice = collection.manifest.binlog_slice.as_ref().expect("a slice");
    assert!(
        slice
            .gtid
            .as_deref()
            .unwrap_or_default()
            .starts_with("0-1-")
    );
}

#[tokio::test]
async fn killed_applier() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    faults::killed_applier(&lab, 0, 1).await.unwrap();
    let collection = collect_from(&lab, 1).await;
    assert_least_privilege_suffices(&collection);
    let evidence = collection.evidence();
    let replica = server(&evidence, &lab, 1);
    let channel = &replica.channels()[0];
    assert_eq!(channel.applier_errno(), Some(1317));
    assert!(!applier_moved(replica));
    let gtid = failing_gtid(replica).unwrap();
    assert!(gtid.starts_with("0-1-"), "{gtid}");
    let slice = collection.manifest.binlog_slice.as_ref().expect("a slice");
    assert_eq!(slice.gtid.as_deref(), Some(gtid.as_str()));
}

#[tokio::test]
async fn purged_binlogs() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    faults::purged_binlogs(&lab, 0, 1).await.unwrap();
    let collection = collect_from(&lab, 1).await;
    assert_least_privilege_suffices(&collection);
    let evidence = collection.evidence();
    let replica = server(&evidence, &lab, 1);
    let channel = &replica.channels()[0];
    assert_eq!(channel.last_io_errno, Some(1236));
    assert!(!channel.replica_io_running.as_ref().unwrap().is_running());
    let wanted = channel.gtid_io_pos.as_ref().unwrap().text.clone();
    assert!(wanted.starts_with("0-1-"), "{wanted}");
    assert!(!applier_moved(replica));
    // The source's side: one binlog left, and a GTID state past what the replica has.
    let source = server(&evidence, &lab, 0);
    assert_eq!(source.binary_logs.len(), 1, "{:?}", source.binary_logs);
    let source_state = source.variables.gtid_binlog_state().unwrap().text;
    assert_ne!(source_state, wanted);
    // Nothing failed in the applier: no transaction to slice.
    assert!(collection.manifest.binlog_slice.is_none());
}

#[tokio::test]
async fn errant_write() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    let errant = faults::errant_write(&lab, 0, 1).await.unwrap();
    let collection = collect_from(&lab, 1).await;
    assert_least_privilege_suffices(&collection);
    let evidence = collection.evidence();
    let replica = server(&evidence, &lab, 1);
    let channel = &replica.channels()[0];
    assert_eq!(channel.applier_errno(), None);
    assert!(channel.replica_sql_running.as_ref().unwrap().is_running());
    assert!(!applier_moved(replica), "nothing to apply");
    assert!(errant.gtid.starts_with("0-2-"));
    let state = replica.variables.gtid_binlog_state().unwrap().text;
    assert!(state.contains(&errant.gtid), "{state}");
    let source = server(&evidence, &lab, 0);
    let source_state = source.variables.gtid_binlog_state().unwrap().text;
    assert!(!source_state.contains("0-2-"), "{source_state}");
}

/// An applier that works moves between the two samples; the collection from an idle pair
/// reads everything without a gap (the time is printed, not asserted).
#[tokio::test]
async fn moving_applier_and_idle_pair() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    let table = faults::create_table(&lab, 0, 1, "busy").await.unwrap();
    let started = Instant::now();
    let idle = collect_from(&lab, 1).await;
    eprintln!("collection from an idle pair took {:?}", started.elapsed());
    assert_least_privilege_suffices(&idle);
    let evidence = idle.evidence();
    let replica = server(&evidence, &lab, 1);
    assert!(!applier_moved(replica));
    assert!(!replica.error_log.is_empty(), "the error log was read");
    assert!(idle.manifest.binlog_slice.is_none());
    assert_eq!(server(&evidence, &lab, 0).samples.len(), 2);

    let writes = async {
        for n in 100..140 {
            lab.server(0)
                .exec(&format!("INSERT INTO {table} VALUES ({n}, 'moving')"))
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
    };
    let (busy, ()) = tokio::join!(collect_from(&lab, 1), writes);
    let evidence = busy.evidence();
    assert!(applier_moved(server(&evidence, &lab, 1)));
}

/// The source named by the replica cannot be reached: the collection is the replica's alone
/// and says why.
#[tokio::test]
async fn unreachable_source_gives_a_replica_only_collection() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    faults::duplicate_key(&lab, 0, 1).await.unwrap();
    let replica = endpoint(&lab.server(1).monitor_dsn());
    // Port 1 on loopback: nothing listens there.
    let source = endpoint("mysql://monitor:monitor-Secret-42@127.0.0.1:1");
    let collection = collect(&replica, Some(&source), &CollectOptions::default())
        .await
        .unwrap();
    let entry = collection.server("127.0.0.1:1").unwrap();
    assert!(!entry.reached);
    let gap = collection
        .manifest
        .gaps
        .iter()
        .find(|g| g.what == "source")
        .unwrap();
    assert!(gap.reason.starts_with("source unreachable: "), "{gap:?}");
    assert!(gap.reason.contains("refused"), "{gap:?}");
    let evidence = collection.evidence();
    assert_eq!(
        server(&evidence, &lab, 1).channels()[0].applier_errno(),
        Some(1062)
    );
    // The relay log on this host still gives the failing transaction.
    assert!(collection.manifest.binlog_slice.is_some());
}

/// Without local files, the failing transaction comes from the source over the replication
/// protocol (which needs REPLICATION SLAVE: the root account here) and is the same transaction
/// the relay log holds.
#[tokio::test]
async fn slice_over_the_replication_protocol() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    faults::duplicate_key(&lab, 0, 1).await.unwrap();
    let replica = endpoint(&lab.server(1).dsn());
    let source = endpoint(&lab.server(0).dsn());
    let remote = CollectOptions {
        local_files: false,
        ..CollectOptions::default()
    };
    let over_protocol = collect(&replica, Some(&source), &remote).await.unwrap();
    let entry = over_protocol
        .manifest
        .binlog_slice
        .clone()
        .expect("a slice");
    assert!(
        entry
            .obtained_from
            .ends_with("over the replication protocol"),
        "{entry:?}"
    );
    let from_relay_log = collect(&replica, Some(&source), &CollectOptions::default())
        .await
        .unwrap();
    let local = from_relay_log.manifest.binlog_slice.clone().unwrap();
    assert!(local.obtained_from.starts_with("relay log"));
    assert_eq!(entry.gtid, local.gtid);
    assert!(entry.gtid.as_deref().unwrap().starts_with("0-1-"));
    let read = |bytes: &[u8]| {
        let t = binlog::find_by_position(bytes, entry.end_log_pos)
            .unwrap()
            .unwrap();
        // Not the event count: MariaDB sends its ANNOTATE_ROWS events only to readers that ask
        // with a dump flag the driver does not offer; the row changes are all there.
        (t.gtid, t.tables, t.row_counts, t.complete)
    };
    assert_eq!(
        read(over_protocol.binlog_slice.as_ref().unwrap()),
        read(from_relay_log.binlog_slice.as_ref().unwrap())
    );
    // Every event of the slice is whole and its checksum right.
    for event in binlog::EventWalk::new(over_protocol.binlog_slice.as_ref().unwrap()) {
        event.unwrap();
    }
    // Without monitor's REPLICATION SLAVE grant, the protocol read is a gap that says why.
    let monitor = endpoint(&lab.server(1).monitor_dsn());
    let monitor_source = endpoint(&lab.server(0).monitor_dsn());
    let denied = collect(&monitor, Some(&monitor_source), &remote)
        .await
        .unwrap();
    assert!(denied.manifest.binlog_slice.is_none());
    let gap = denied
        .manifest
        .gaps
        .iter()
        .find(|g| g.what == "binlog slice")
        .unwrap();
    assert!(gap.reason.contains("needs REPLICATION SLAVE"), "{gap:?}");
}

/// An account without grants still collects: what it may not read is a typed gap naming the
/// privilege the catalogue lists, never a failed run.
#[tokio::test]
async fn a_statement_refused_for_a_privilege_is_a_typed_gap_naming_it() {
    use evidence::bundle::{GapCause, Item};

    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    lab.server(1)
        .exec("CREATE USER 'bare'@'127.0.0.1' IDENTIFIED BY 'bare-pass'")
        .await
        .unwrap();
    let bare = endpoint(&format!(
        "mysql://bare:bare-pass@127.0.0.1:{}",
        lab.server(1).port()
    ));
    let collection = collect(&bare, None, &CollectOptions::default())
        .await
        .unwrap();
    let gap = collection
        .manifest
        .gaps
        .iter()
        .find(|g| g.item == Some(Item::ReplicaStatus))
        .unwrap_or_else(|| panic!("{:#?}", collection.manifest.gaps));
    assert_eq!(gap.cause, Some(GapCause::Denied), "{gap:?}");
    assert_eq!(gap.what, "SHOW ALL SLAVES STATUS");
    assert!(gap.reason.contains("error 1227"), "{gap:?}");
    assert!(gap.reason.contains("it needs SLAVE MONITOR"), "{gap:?}");
}
