//! One-line summaries of decoded events, as `repldoctor binlog events` prints them.

use crate::events::{Compression, EventData};

fn text(bytes: &[u8], max: usize) -> String {
    let s = String::from_utf8_lossy(bytes);
    let flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() > max {
        let cut: String = flat.chars().take(max).collect();
        format!("{cut}…")
    } else {
        flat
    }
}

/// A short human description of an event body.
pub fn summary(data: &EventData<'_>) -> String {
    const MAX: usize = 120;
    match data {
        EventData::FormatDescription(f) => format!(
            "server {} binlog v{} checksum {}",
            text(f.server_version, 60),
            f.binlog_version,
            f.checksum.name()
        ),
        EventData::Query(q) => {
            let mut s = String::new();
            if !q.schema.is_empty() {
                s.push_str(&format!("use `{}`; ", text(q.schema, 64)));
            }
            s.push_str(&text(&q.statement, MAX));
            if q.error_code != 0 {
                s.push_str(&format!(" (error_code={})", q.error_code));
            }
            s
        }
        EventData::ExecuteLoadQuery(q) => {
            format!("file_id={} {}", q.file_id, text(&q.query.statement, MAX))
        }
        EventData::Xid(x) => format!("COMMIT /* xid={x} */"),
        EventData::Rotate(r) => format!("to {} pos {}", text(r.next_file, 200), r.position),
        EventData::Stop => "server stopped".to_owned(),
        EventData::Intvar(i) => format!("{}={}", i.name(), i.value),
        EventData::Rand(r) => format!("rand_seed1={} rand_seed2={}", r.seed1, r.seed2),
        EventData::UserVar(u) => match &u.value {
            None => format!("@`{}`=NULL", text(u.name, 64)),
            Some(v) => format!(
                "@`{}` type={} charset={} {} bytes",
                text(u.name, 64),
                v.value_type,
                v.charset,
                v.bytes.len()
            ),
        },
        EventData::Incident(i) => format!("incident {}: {}", i.incident, text(i.message, MAX)),
        EventData::Heartbeat(h) => {
            format!("heartbeat {} pos {}", text(h.log_file, 200), h.position)
        }
        EventData::XaPrepare(x) => format!(
            "XA PREPARE gtrid={} one_phase={}",
            text(x.gtrid, 64),
            x.one_phase
        ),
        EventData::LoadBlock(b) => {
            format!("file_id={} block of {} bytes", b.file_id, b.block.len())
        }
        EventData::DeleteFile(id) => format!("file_id={id}"),
        EventData::Gtid(g) => {
            let mut s = if g.is_anonymous() {
                "ANONYMOUS".to_owned()
            } else {
                g.to_gtid_string()
            };
            if let Some((lc, seq)) = g.logical_clock {
                s.push_str(&format!(" last_committed={lc} sequence_number={seq}"));
            }
            if let Some(len) = g.transaction_length {
                s.push_str(&format!(" transaction_length={len}"));
            }
            s
        }
        EventData::PreviousGtids(p) => format!("[{}]", p.to_gtid_set_string()),
        EventData::RowsQuery(q) | EventData::AnnotateRows(q) => text(q, MAX),
        EventData::TableMap(t) => format!(
            "{} id={} columns={}",
            t.qualified_name(),
            t.table_id,
            t.column_count()
        ),
        EventData::Rows(r) => format!(
            "{} table_id={} columns={} {} bytes of rows{}",
            r.kind.name(),
            r.table_id,
            r.column_count,
            r.rows.len(),
            if r.is_statement_end() {
                " STMT_END"
            } else {
                ""
            }
        ),
        EventData::TransactionPayload(p) => format!(
            "{} payload of {} bytes{}",
            match p.compression {
                Compression::Zstd => "zstd".to_owned(),
                Compression::None => "uncompressed".to_owned(),
                Compression::Other(c) => format!("compression {c}"),
            },
            p.payload.len(),
            p.uncompressed_size
                .map(|u| format!(" ({u} uncompressed)"))
                .unwrap_or_default()
        ),
        EventData::MariaGtid(g) => {
            let mut s = g.to_gtid_string();
            if let Some(id) = g.commit_id {
                s.push_str(&format!(" cid={id}"));
            }
            if g.is_standalone() {
                s.push_str(" standalone");
            }
            s
        }
        EventData::MariaGtidList(l) => format!("[{}]", l.to_gtid_string()),
        EventData::BinlogCheckpoint(f) => text(f, 200),
        EventData::StartEncryption(e) => format!(
            "encryption scheme {} key version {}: the rest of the file is encrypted",
            e.scheme, e.key_version
        ),
        EventData::Other(body) => format!("{} bytes, not decoded", body.len()),
    }
}
