//! Decoding of event bodies, one module per family. [`decode`] turns a framed [`Event`] into
//! an [`EventData`]; slices borrow from the event (and so from the mapped file), except where
//! the body was compressed.

pub mod compression;
pub mod control;
pub mod gtid;
pub mod mariadb;
pub mod payload;
pub mod query;
pub mod rows;
pub mod table_map;

use crate::error::{DecodeResult, Error};
use crate::event_type::EventType;
use crate::format::FormatDescription;
use crate::walk::Event;

pub use control::{
    Heartbeat, Incident, Intvar, LoadBlock, Rand, Rotate, StartEncryption, UserVar, UserVarValue,
    XaPrepare,
};
pub use gtid::{Gtid, GtidInterval, PreviousGtids, PreviousGtidsEntry};
pub use mariadb::{MariaGtid, MariaGtidList, MariaGtidListEntry};
pub use payload::{Compression, TransactionPayload};
pub use query::{ExecuteLoadQuery, Query, StatusVars};
pub use rows::{Rows, RowsKind};
pub use table_map::{OptionalMetadata, TableMap};

/// A decoded event body.
#[derive(Debug, Clone, PartialEq)]
pub enum EventData<'a> {
    FormatDescription(FormatDescription<'a>),
    Query(Query<'a>),
    ExecuteLoadQuery(ExecuteLoadQuery<'a>),
    Xid(u64),
    Rotate(Rotate<'a>),
    Stop,
    Intvar(Intvar),
    Rand(Rand),
    UserVar(UserVar<'a>),
    Incident(Incident<'a>),
    Heartbeat(Heartbeat<'a>),
    XaPrepare(XaPrepare<'a>),
    /// BEGIN_LOAD_QUERY and APPEND_BLOCK: a block of a LOAD DATA file.
    LoadBlock(LoadBlock<'a>),
    /// DELETE_FILE: the LOAD DATA file with this id is dropped.
    DeleteFile(u32),
    Gtid(Gtid<'a>),
    PreviousGtids(PreviousGtids<'a>),
    /// ROWS_QUERY: the statement that produced the following rows events.
    RowsQuery(&'a [u8]),
    TableMap(TableMap<'a>),
    Rows(Rows<'a>),
    TransactionPayload(TransactionPayload<'a>),
    MariaGtid(MariaGtid<'a>),
    MariaGtidList(MariaGtidList),
    /// MariaDB BINLOG_CHECKPOINT: the oldest binlog file still needed for crash recovery.
    BinlogCheckpoint(&'a [u8]),
    /// MariaDB ANNOTATE_ROWS: the statement that produced the following rows events.
    AnnotateRows(&'a [u8]),
    StartEncryption(StartEncryption),
    /// A type with no decoder here (unknown codes, IGNORABLE, VIEW_CHANGE, ...): the body as is.
    Other(&'a [u8]),
}

/// Decodes an event's body. A failure names the event's offset, its type and the byte where
/// decoding failed.
pub fn decode<'a>(event: &Event<'a>) -> Result<EventData<'a>, Error> {
    decode_body(event).map_err(|err| err.into_error(event.offset, event.event_type()))
}

fn decode_body<'a>(event: &Event<'a>) -> DecodeResult<EventData<'a>> {
    let t = event.event_type();
    Ok(match t {
        EventType::FORMAT_DESCRIPTION => EventData::FormatDescription(event.format),
        EventType::QUERY | EventType::MARIA_QUERY_COMPRESSED => {
            EventData::Query(Query::parse(event)?)
        }
        EventType::EXECUTE_LOAD_QUERY => {
            EventData::ExecuteLoadQuery(ExecuteLoadQuery::parse(event)?)
        }
        EventType::XID => EventData::Xid(event.body_reader().u64()?),
        EventType::ROTATE => EventData::Rotate(Rotate::parse(event)?),
        EventType::STOP => EventData::Stop,
        EventType::INTVAR => EventData::Intvar(Intvar::parse(event)?),
        EventType::RAND => EventData::Rand(Rand::parse(event)?),
        EventType::USER_VAR => EventData::UserVar(UserVar::parse(event)?),
        EventType::INCIDENT => EventData::Incident(Incident::parse(event)?),
        EventType::HEARTBEAT | EventType::HEARTBEAT_V2 => {
            EventData::Heartbeat(Heartbeat::parse(event)?)
        }
        EventType::XA_PREPARE => EventData::XaPrepare(XaPrepare::parse(event)?),
        EventType::BEGIN_LOAD_QUERY | EventType::APPEND_BLOCK => {
            EventData::LoadBlock(LoadBlock::parse(event)?)
        }
        EventType::DELETE_FILE => EventData::DeleteFile(event.body_reader().u32()?),
        EventType::GTID | EventType::ANONYMOUS_GTID | EventType::GTID_TAGGED => {
            EventData::Gtid(Gtid::parse(event)?)
        }
        EventType::PREVIOUS_GTIDS => EventData::PreviousGtids(PreviousGtids::parse(event)?),
        EventType::ROWS_QUERY => {
            // A one-byte length (truncated for long statements) precedes the text, which runs
            // to the end of the event.
            let mut r = event.body_reader();
            r.skip(1)?;
            EventData::RowsQuery(r.take_rest())
        }
        EventType::TABLE_MAP => EventData::TableMap(TableMap::parse(event)?),
        t if RowsKind::of(t).is_some() => EventData::Rows(Rows::parse(event)?),
        EventType::TRANSACTION_PAYLOAD => {
            EventData::TransactionPayload(TransactionPayload::parse(event)?)
        }
        EventType::MARIA_GTID => EventData::MariaGtid(MariaGtid::parse(event)?),
        EventType::MARIA_GTID_LIST => EventData::MariaGtidList(MariaGtidList::parse(event)?),
        EventType::MARIA_BINLOG_CHECKPOINT => {
            let mut r = event.body_reader();
            let len = r.u32()?;
            EventData::BinlogCheckpoint(r.bytes_u64(u64::from(len))?)
        }
        EventType::MARIA_ANNOTATE_ROWS => EventData::AnnotateRows(event.body),
        EventType::MARIA_START_ENCRYPTION => {
            EventData::StartEncryption(StartEncryption::parse(event)?)
        }
        _ => EventData::Other(event.body),
    })
}
