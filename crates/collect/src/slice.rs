//! The failing transaction's events, kept as a small valid binlog file: magic, the source's
//! FORMAT_DESCRIPTION, then the transaction's events exactly as the source wrote them (their
//! `end_log_pos` still name positions in the source's binlog, which is what error messages
//! quote). Sliced from a relay log or binlog on this host's disk when one is readable, else
//! read from the source over the replication protocol.

use std::path::Path;
use std::time::Duration;

use binlog::{EventType, EventWalk, MAGIC, Options, Transaction};
use dialect::catalogue::MARIADB_SLAVE_CAPABILITY;
use evidence::model::ServerEvidence;
use futures_util::StreamExt;
use mysql_async::BinlogStreamRequest;
use session::dsn::Endpoint;
use session::{Session, StatementError, Timeouts};

/// A transaction larger than this is not copied whole: the diagnosis needs its first events.
const MAX_SLICE_BYTES: usize = 64 << 20;
/// How many transactions past the applier's position are searched for the failing one (with
/// parallel appliers the low-water mark can lag it).
const MAX_TRANSACTIONS_SEARCHED: usize = 100_000;
const FLAG_BINLOG_IN_USE: u16 = 0x0001;
const FLAG_ARTIFICIAL: u16 = 0x0020;
const FLAGS_OFFSET: usize = 17;
const HEADER_LEN: usize = 19;

/// Where the failing transaction is, from the replica's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedTransaction {
    pub channel: String,
    /// The source binlog (`Relay_Master_Log_File`, or the file of the error message).
    pub source_log_file: String,
    /// Where the applier stands in it (`Exec_Master_Log_Pos`): the transaction's start, or
    /// before it with parallel appliers.
    pub start_position: u64,
    /// `end_log_pos` from the error, when the message gives one.
    pub end_log_pos: Option<u64>,
    pub relay_log_file: Option<String>,
    pub relay_log_pos: Option<u64>,
    pub gtid: Option<String>,
}

/// The failing transaction of the first channel whose applier stopped on an error.
pub fn failed_transaction(server: &ServerEvidence) -> Option<FailedTransaction> {
    let channel = server
        .channels()
        .iter()
        .find(|c| c.applier_errno().is_some())?;
    let error = channel.applier_error().unwrap_or_default();
    let source_log_file = error
        .source_log
        .as_ref()
        .map(|c| c.file.clone())
        .or_else(|| channel.relay_source_log_file.clone())?;
    Some(FailedTransaction {
        channel: channel.channel_name.clone(),
        source_log_file,
        start_position: channel.exec_source_log_pos?,
        end_log_pos: error.source_log.as_ref().map(|c| c.position),
        relay_log_file: channel.relay_log_file.clone(),
        relay_log_pos: channel.relay_log_pos,
        gtid: error
            .transaction
            .as_ref()
            .and_then(|t| t.gtid().map(str::to_owned)),
    })
}

/// A slice and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slice {
    pub bytes: Vec<u8>,
    pub gtid: Option<String>,
    pub events: u64,
    /// `end_log_pos` of the transaction's last event.
    pub end_log_pos: Option<u64>,
}

/// Slices the transaction from a binlog or relay log on disk. `start_offset` is a file offset
/// at or before the transaction (`Relay_Log_Pos` in a relay log, `Exec_Master_Log_Pos` in the
/// source's binlog).
pub fn slice_from_file(
    path: &Path,
    start_offset: u64,
    end_log_pos: Option<u64>,
) -> Result<Slice, String> {
    let file = binlog::MappedFile::open(path).map_err(|err| err.to_string())?;
    let data = file.bytes();
    let options = Options {
        start_offset: Some(start_offset),
        ..Options::default()
    };
    let mut found = None;
    for transaction in binlog::transactions_with(data, options).take(MAX_TRANSACTIONS_SEARCHED) {
        let transaction = transaction.map_err(|err| format!("damaged: {err}"))?;
        if end_log_pos.is_none_or(|p| transaction.contains_position(p)) {
            found = Some(transaction);
            break;
        }
    }
    let transaction = found.ok_or_else(|| match end_log_pos {
        Some(p) => format!("no transaction with end_log_pos {p} after offset {start_offset}"),
        None => format!("no transaction after offset {start_offset}"),
    })?;
    if !transaction.complete {
        return Err(format!(
            "the transaction at offset {} is not complete in the file",
            transaction.start_offset
        ));
    }
    let format = format_description_before(data, transaction.start_offset)?;
    let end = transaction.end_offset.min(data.len() as u64) as usize;
    let start = transaction.start_offset as usize;
    if end - start > MAX_SLICE_BYTES {
        return Err(format!(
            "the transaction is {} bytes, more than the {MAX_SLICE_BYTES} kept",
            end - start
        ));
    }
    let mut bytes = Vec::with_capacity(MAGIC.len() + format.len() + end - start);
    bytes.extend_from_slice(&MAGIC);
    bytes.extend_from_slice(&format);
    bytes.extend_from_slice(&data[start..end]);
    Ok(described(bytes, &transaction))
}

/// The FORMAT_DESCRIPTION event in force at `offset`, its in-use flag cleared (the slice is a
/// closed file; the checksum is computed without that flag).
fn format_description_before(data: &[u8], offset: u64) -> Result<Vec<u8>, String> {
    let mut found = None;
    for event in EventWalk::new(data).verify_checksums(false) {
        let event = event.map_err(|err| format!("damaged: {err}"))?;
        if event.offset >= offset {
            break;
        }
        if event.event_type() == EventType::FORMAT_DESCRIPTION {
            found = Some((event.offset as usize, event.end_offset() as usize));
        }
    }
    let (start, end) = found.ok_or("no FORMAT_DESCRIPTION event before the transaction")?;
    let mut format = data[start..end].to_vec();
    clear_in_use(&mut format);
    Ok(format)
}

fn clear_in_use(event: &mut [u8]) {
    if let Some(flags) = event.get_mut(FLAGS_OFFSET..FLAGS_OFFSET + 2) {
        let value = u16::from_le_bytes([flags[0], flags[1]]) & !FLAG_BINLOG_IN_USE;
        flags.copy_from_slice(&value.to_le_bytes());
    }
}

fn described(bytes: Vec<u8>, transaction: &Transaction) -> Slice {
    Slice {
        gtid: transaction.gtid.clone(),
        events: transaction.events,
        end_log_pos: transaction.last_end_log_pos.map(u64::from),
        bytes,
    }
}

/// The first transaction of `slice` if it is complete and holds `end_log_pos`.
fn complete_transaction(slice: &[u8], end_log_pos: Option<u64>) -> Option<Transaction> {
    let transaction = binlog::transactions(slice).next()?.ok()?;
    (transaction.complete && end_log_pos.is_none_or(|p| transaction.contains_position(p)))
        .then_some(transaction)
}

/// A replica id no real server in the topology uses, different for each run, so that the
/// source does not take this reader for a replica it already serves and cut that one off.
pub fn fake_server_id() -> u32 {
    let nanos = jiff::Timestamp::now().subsec_nanosecond().unsigned_abs();
    let mixed = std::process::id().wrapping_mul(2_654_435_761) ^ nanos;
    u32::MAX - (mixed % 1_000_000)
}

/// Reads the transaction from the source over the replication protocol (COM_BINLOG_DUMP from
/// the applier's position, non-blocking), stopping as soon as it is complete.
pub async fn slice_from_source(
    endpoint: &Endpoint,
    failed: &FailedTransaction,
    mariadb: bool,
    timeout: Duration,
) -> Result<Slice, String> {
    let timeouts = Timeouts {
        connect: timeout,
        statement: timeout,
    };
    let mut session = Session::connect(endpoint, "source", timeouts)
        .await
        .map_err(|err| err.reason)?;
    if mariadb {
        // Without this MariaDB rewrites its GTID events as BEGIN for old replicas.
        session
            .query(MARIADB_SLAVE_CAPABILITY.sql, 0)
            .await
            .map_err(|err| err.to_string())?;
    }
    let request = BinlogStreamRequest::new(fake_server_id())
        .with_filename(failed.source_log_file.as_bytes())
        .with_pos(failed.start_position)
        .with_non_blocking();
    let read = async {
        let mut stream = session.binlog_stream(request).await.map_err(|err| {
            let denied = matches!(err, StatementError::Denied { .. }) || err.code() == Some(1045);
            if denied {
                format!("{err} (reading the source's binlog needs REPLICATION SLAVE)")
            } else {
                err.to_string()
            }
        })?;
        let outcome = read_transaction(&mut stream, failed.end_log_pos).await;
        // The stream is abandoned either way; how it closes changes nothing read.
        let _ = stream.close().await;
        outcome
    };
    tokio::time::timeout(timeout, read).await.map_err(|_| {
        format!(
            "the source sent no complete transaction within {} s",
            timeout.as_secs_f32()
        )
    })?
}

async fn read_transaction(
    stream: &mut mysql_async::BinlogStream,
    end_log_pos: Option<u64>,
) -> Result<Slice, String> {
    let mut format: Option<Vec<u8>> = None;
    let mut events: Vec<u8> = Vec::new();
    let mut searched = 0;
    while let Some(event) = stream.next().await {
        let event = event.map_err(|err| describe(&err))?;
        let header = event.header();
        let event_type = EventType(header.event_type_raw());
        if event_type == EventType::FORMAT_DESCRIPTION {
            let mut bytes = serialize(&event);
            clear_in_use(&mut bytes);
            format = Some(bytes);
            continue;
        }
        // The rotate that opens a dump, heartbeats and MariaDB's fake GTID lists are not in
        // the file.
        if header.log_pos() == 0
            || header.flags_raw() & FLAG_ARTIFICIAL != 0
            || event_type == EventType::HEARTBEAT
            || event_type == EventType::HEARTBEAT_V2
        {
            continue;
        }
        let Some(format) = &format else {
            return Err("the source sent events before its FORMAT_DESCRIPTION".into());
        };
        let starts_transaction = matches!(
            event_type,
            EventType::GTID | EventType::ANONYMOUS_GTID | EventType::GTID_TAGGED
        ) || event_type == EventType::MARIA_GTID;
        if starts_transaction && !events.is_empty() {
            // The previous transaction ended without holding end_log_pos: not the one.
            events.clear();
            searched += 1;
            if searched > MAX_TRANSACTIONS_SEARCHED {
                break;
            }
        }
        events.extend_from_slice(&serialize(&event));
        if events.len() > MAX_SLICE_BYTES {
            return Err(format!(
                "the transaction is larger than the {MAX_SLICE_BYTES} bytes kept"
            ));
        }
        if matches!(
            event_type,
            EventType::XID | EventType::QUERY | EventType::XA_PREPARE
        ) {
            let mut slice = Vec::with_capacity(MAGIC.len() + format.len() + events.len());
            slice.extend_from_slice(&MAGIC);
            slice.extend_from_slice(format);
            slice.extend_from_slice(&events);
            if let Some(transaction) = complete_transaction(&slice, end_log_pos) {
                return Ok(described(slice, &transaction));
            }
            let ended_before = binlog::transactions(&slice)
                .next()
                .and_then(Result::ok)
                .is_some_and(|t| t.complete);
            if ended_before {
                events.clear();
            }
        }
    }
    Err(match end_log_pos {
        Some(p) => format!("the source's binlog ended before a transaction with end_log_pos {p}"),
        None => "the source's binlog ended before the transaction did".into(),
    })
}

/// The server's error with its number, or the stream's failure.
fn describe(err: &mysql_async::Error) -> String {
    match err {
        mysql_async::Error::Server(server) => format!("error {}: {}", server.code, server.message),
        other => other.to_string(),
    }
}

/// An event as it stands in a binlog file: header, body, the checksum algorithm byte for a
/// FORMAT_DESCRIPTION, and a CRC32 computed afresh (the dump may have changed `log_pos` or the
/// flags of the FORMAT_DESCRIPTION it sends).
fn serialize(event: &mysql_async::binlog::events::Event) -> Vec<u8> {
    let header = event.header();
    let is_format = header.event_type_raw() == EventType::FORMAT_DESCRIPTION.0;
    let algorithm = event.footer().get_checksum_alg().ok().flatten();
    let mut flags = header.flags_raw();
    if is_format {
        flags &= !FLAG_BINLOG_IN_USE;
    }
    let with_crc = if is_format {
        algorithm.is_some()
    } else {
        event.checksum().is_some()
    };
    let length = HEADER_LEN
        + event.data().len()
        + usize::from(is_format && algorithm.is_some())
        + if with_crc { 4 } else { 0 };
    let mut bytes = Vec::with_capacity(length);
    bytes.extend_from_slice(&header.timestamp().to_le_bytes());
    bytes.push(header.event_type_raw());
    bytes.extend_from_slice(&header.server_id().to_le_bytes());
    bytes.extend_from_slice(&(length as u32).to_le_bytes());
    bytes.extend_from_slice(&header.log_pos().to_le_bytes());
    bytes.extend_from_slice(&flags.to_le_bytes());
    bytes.extend_from_slice(event.data());
    if is_format && let Some(algorithm) = algorithm {
        bytes.push(algorithm as u8);
    }
    if with_crc {
        let crc = crc32fast::hash(&bytes);
        bytes.extend_from_slice(&crc.to_le_bytes());
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_ids_stay_clear_of_real_ones() {
        let id = fake_server_id();
        assert!(id > u32::MAX - 1_000_000, "{id}");
    }
}
