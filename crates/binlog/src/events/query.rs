//! QUERY (and MariaDB QUERY_COMPRESSED) and EXECUTE_LOAD_QUERY: a statement with its session
//! context (status variables) and the error code it had on the source.

use std::borrow::Cow;

use super::compression;
use crate::error::DecodeResult;
use crate::event_type::EventType;
use crate::reader::Reader;
use crate::walk::Event;

/// Post-header of a v4 QUERY: thread id, exec time, schema length, error code, status length.
const QUERY_POST_HEADER_LEN: usize = 13;
/// EXECUTE_LOAD_QUERY adds file id, start and end of the file name, duplicate handling.
const EXECUTE_LOAD_POST_HEADER_LEN: usize = QUERY_POST_HEADER_LEN + 13;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query<'a> {
    pub thread_id: u32,
    /// Seconds the statement ran on the source.
    pub exec_time: u32,
    /// The error the statement raised on the source (non-zero for statements logged although
    /// they failed part-way, which a replica must reproduce).
    pub error_code: u16,
    /// The default schema (`USE`), possibly empty.
    pub schema: &'a [u8],
    pub status_vars: StatusVars<'a>,
    /// The statement text; owned when it was compressed.
    pub statement: Cow<'a, [u8]>,
}

impl<'a> Query<'a> {
    pub fn parse(event: &Event<'a>) -> DecodeResult<Self> {
        let mut r = event.body_reader();
        let post_header_len = event.post_header_len(QUERY_POST_HEADER_LEN);
        let (query, _) = parse_common(&mut r, post_header_len, event.event_type())?;
        Ok(query)
    }

    /// True for the `BEGIN` that opens a transaction in statement and row format.
    pub fn is_begin(&self) -> bool {
        self.statement.eq_ignore_ascii_case(b"BEGIN")
    }

    /// True for MySQL's `XA START ...`, which opens an XA transaction ended by XA_PREPARE.
    pub fn is_xa_start(&self) -> bool {
        self.statement
            .get(..8)
            .is_some_and(|head| head.eq_ignore_ascii_case(b"XA START"))
    }

    /// True for `XA COMMIT ...` and `XA ROLLBACK ...`: the end of an XA transaction, after its
    /// XA PREPARE or (`ONE PHASE`) after its statements.
    pub fn is_xa_commit_or_rollback(&self) -> bool {
        let starts = |prefix: &[u8]| {
            self.statement
                .get(..prefix.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
        };
        starts(b"XA COMMIT") || starts(b"XA ROLLBACK")
    }

    /// True for the statements that end a transaction without an XID event (non-transactional
    /// engines, and `ROLLBACK` of a transaction that touched one).
    pub fn is_commit_or_rollback(&self) -> bool {
        self.statement.eq_ignore_ascii_case(b"COMMIT")
            || self.statement.eq_ignore_ascii_case(b"ROLLBACK")
    }
}

/// Reads the query layout shared by QUERY and EXECUTE_LOAD_QUERY; returns the query and the
/// extra post-header bytes after the first 13.
fn parse_common<'a>(
    r: &mut Reader<'a>,
    post_header_len: usize,
    event_type: EventType,
) -> DecodeResult<(Query<'a>, Reader<'a>)> {
    let mut post = r.split(post_header_len)?;
    let thread_id = post.u32()?;
    let exec_time = post.u32()?;
    let schema_len = post.u8()?;
    let error_code = post.u16()?;
    // Servers before binlog v4 had no status variables.
    let status_len = if post_header_len >= QUERY_POST_HEADER_LEN {
        post.u16()?
    } else {
        0
    };
    let status_vars = StatusVars::parse(r.split(usize::from(status_len))?);
    let schema = r.bytes(usize::from(schema_len))?;
    r.skip(1)?; // NUL after the schema
    let statement = if event_type == EventType::MARIA_QUERY_COMPRESSED {
        Cow::Owned(compression::uncompress(r)?)
    } else {
        Cow::Borrowed(r.take_rest())
    };
    Ok((
        Query {
            thread_id,
            exec_time,
            error_code,
            schema,
            status_vars,
            statement,
        },
        post,
    ))
}

/// EXECUTE_LOAD_QUERY: the `LOAD DATA` statement that loads the blocks sent before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecuteLoadQuery<'a> {
    pub query: Query<'a>,
    pub file_id: u32,
    /// Byte range of the file name inside the statement.
    pub file_name_start: u32,
    pub file_name_end: u32,
    /// 0 error, 1 IGNORE, 2 REPLACE.
    pub dup_handling: u8,
}

impl<'a> ExecuteLoadQuery<'a> {
    pub fn parse(event: &Event<'a>) -> DecodeResult<Self> {
        let mut r = event.body_reader();
        let post_header_len = event.post_header_len(EXECUTE_LOAD_POST_HEADER_LEN);
        let (query, mut extra) = parse_common(&mut r, post_header_len, event.event_type())?;
        Ok(Self {
            query,
            file_id: extra.u32()?,
            file_name_start: extra.u32()?,
            file_name_end: extra.u32()?,
            dup_handling: extra.u8()?,
        })
    }
}

/// The session context a QUERY carries. Fields absent from the event are `None`. Decoding stops
/// at the first code it does not know (the format gives no length for it); the bytes from there
/// are kept in `undecoded`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusVars<'a> {
    pub raw: &'a [u8],
    pub flags2: Option<u32>,
    pub sql_mode: Option<u64>,
    pub catalog: Option<&'a [u8]>,
    /// (auto_increment_increment, auto_increment_offset)
    pub auto_increment: Option<(u16, u16)>,
    /// (character_set_client, collation_connection, collation_server)
    pub charset: Option<(u16, u16, u16)>,
    pub time_zone: Option<&'a [u8]>,
    pub lc_time_names: Option<u16>,
    pub charset_database: Option<u16>,
    pub table_map_for_update: Option<u64>,
    pub master_data_written: Option<u32>,
    /// (user, host) of the definer for stored routines and views.
    pub invoker: Option<(&'a [u8], &'a [u8])>,
    /// Schemas the statement touched (multi-threaded applier); `None` when absent or when the
    /// source said there were too many.
    pub updated_db_names: Option<Vec<&'a [u8]>>,
    pub microseconds: Option<u32>,
    pub explicit_defaults_for_timestamp: Option<bool>,
    pub ddl_xid: Option<u64>,
    pub default_collation_for_utf8mb4: Option<u16>,
    pub sql_require_primary_key: Option<u8>,
    pub default_table_encryption: Option<u8>,
    /// MariaDB: high-resolution statement start time (microseconds part).
    pub hrnow: Option<u32>,
    /// MariaDB: the XID of a DDL statement.
    pub xid: Option<u64>,
    /// MariaDB: GTID flags of the statement.
    pub gtid_flags3: Option<u8>,
    /// MariaDB: character-set/collation map of the session.
    pub character_set_collations: Option<&'a [u8]>,
    pub undecoded: &'a [u8],
}

/// Too many schemas to list (`OVER_MAX_DBS_IN_EVENT_MTS`).
const OVER_MAX_DBS: u8 = 254;

impl<'a> StatusVars<'a> {
    pub fn parse(reader: Reader<'a>) -> Self {
        let mut vars = Self {
            raw: reader.rest(),
            ..Self::default()
        };
        let mut r = reader;
        while !r.is_empty() {
            let before = r;
            if vars.parse_one(&mut r).is_err() {
                vars.undecoded = before.rest();
                break;
            }
        }
        vars
    }

    /// Decodes one variable; `Err(())` for an unknown code or a value cut short.
    fn parse_one(&mut self, r: &mut Reader<'a>) -> Result<(), ()> {
        let code = r.u8().map_err(drop)?;
        let short = |_| ();
        match code {
            0 => self.flags2 = Some(r.u32().map_err(short)?),
            1 => self.sql_mode = Some(r.u64().map_err(short)?),
            2 => {
                let len = r.u8().map_err(short)?;
                self.catalog = Some(r.bytes(usize::from(len)).map_err(short)?);
                r.skip(1).map_err(short)?;
            }
            3 => self.auto_increment = Some((r.u16().map_err(short)?, r.u16().map_err(short)?)),
            4 => {
                self.charset = Some((
                    r.u16().map_err(short)?,
                    r.u16().map_err(short)?,
                    r.u16().map_err(short)?,
                ))
            }
            5 => self.time_zone = Some(length_prefixed(r)?),
            6 => self.catalog = Some(length_prefixed(r)?),
            7 => self.lc_time_names = Some(r.u16().map_err(short)?),
            8 => self.charset_database = Some(r.u16().map_err(short)?),
            9 => self.table_map_for_update = Some(r.u64().map_err(short)?),
            10 => self.master_data_written = Some(r.u32().map_err(short)?),
            11 => self.invoker = Some((length_prefixed(r)?, length_prefixed(r)?)),
            12 => {
                let count = r.u8().map_err(short)?;
                if count == OVER_MAX_DBS {
                    self.updated_db_names = None;
                } else {
                    // Each name takes at least its NUL, so `count` is bounded by the input.
                    let mut names = Vec::with_capacity(usize::from(count).min(r.remaining()));
                    for _ in 0..count {
                        if r.is_empty() {
                            return Err(());
                        }
                        names.push(r.until_nul());
                    }
                    self.updated_db_names = Some(names);
                }
            }
            13 => self.microseconds = Some(r.uint(3).map_err(short)? as u32),
            16 => self.explicit_defaults_for_timestamp = Some(r.u8().map_err(short)? != 0),
            17 => self.ddl_xid = Some(r.u64().map_err(short)?),
            18 => self.default_collation_for_utf8mb4 = Some(r.u16().map_err(short)?),
            19 => self.sql_require_primary_key = Some(r.u8().map_err(short)?),
            20 => self.default_table_encryption = Some(r.u8().map_err(short)?),
            128 => self.hrnow = Some(r.uint(3).map_err(short)? as u32),
            129 => self.xid = Some(r.u64().map_err(short)?),
            130 => self.gtid_flags3 = Some(r.u8().map_err(short)?),
            131 => {
                // A count, then per entry a character set id and a collation id (2 bytes each).
                let start = *r;
                let count = r.u8().map_err(short)?;
                r.skip(usize::from(count) * 4).map_err(short)?;
                let used = (r.offset() - start.offset()) as usize;
                self.character_set_collations = Some(&start.rest()[..used]);
            }
            _ => return Err(()),
        }
        Ok(())
    }
}

fn length_prefixed<'a>(r: &mut Reader<'a>) -> Result<&'a [u8], ()> {
    let len = r.u8().map_err(drop)?;
    r.bytes(usize::from(len)).map_err(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_vars_known_and_unknown_codes() {
        let mut raw = vec![0u8, 0, 0, 0, 0]; // flags2 = 0
        raw.extend([4, 33, 0, 33, 0, 8, 0]); // charset 33/33/8
        raw.extend([5, 3, b'U', b'T', b'C']); // time zone
        raw.extend([12, 2, b'a', 0, b'b', 0]); // updated dbs
        raw.extend([99, 1, 2, 3]); // unknown code: decoding stops here
        let vars = StatusVars::parse(Reader::new(&raw, 0));
        assert_eq!(vars.flags2, Some(0));
        assert_eq!(vars.charset, Some((33, 33, 8)));
        assert_eq!(vars.time_zone, Some(&b"UTC"[..]));
        assert_eq!(vars.updated_db_names, Some(vec![&b"a"[..], &b"b"[..]]));
        assert_eq!(vars.undecoded, &[99, 1, 2, 3]);
    }

    #[test]
    fn status_vars_cut_short_are_kept_undecoded() {
        let raw = [1u8, 1, 2, 3];
        let vars = StatusVars::parse(Reader::new(&raw, 0));
        assert_eq!(vars.sql_mode, None);
        assert_eq!(vars.undecoded, &raw);
    }
}
