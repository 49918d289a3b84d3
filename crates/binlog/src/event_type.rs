//! Event type codes of both flavors: MySQL's 0–42 and MariaDB's 160–172.

use std::fmt;

/// An event type code as written in the header. Unknown codes are kept as they are (a reader
/// skips them by length), so this is a newtype rather than an enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventType(pub u8);

macro_rules! event_types {
    ($($name:ident = $code:expr),* $(,)?) => {
        impl EventType {
            $(pub const $name: EventType = EventType($code);)*

            /// The name used in the MySQL source (without `_EVENT`), or `None` for a code
            /// neither flavor defines.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($code => Some(stringify!($name)),)*
                    _ => None,
                }
            }
        }
    };
}

event_types! {
    UNKNOWN = 0,
    START_V3 = 1,
    QUERY = 2,
    STOP = 3,
    ROTATE = 4,
    INTVAR = 5,
    LOAD = 6,
    SLAVE = 7,
    CREATE_FILE = 8,
    APPEND_BLOCK = 9,
    EXEC_LOAD = 10,
    DELETE_FILE = 11,
    NEW_LOAD = 12,
    RAND = 13,
    USER_VAR = 14,
    FORMAT_DESCRIPTION = 15,
    XID = 16,
    BEGIN_LOAD_QUERY = 17,
    EXECUTE_LOAD_QUERY = 18,
    TABLE_MAP = 19,
    PRE_GA_WRITE_ROWS = 20,
    PRE_GA_UPDATE_ROWS = 21,
    PRE_GA_DELETE_ROWS = 22,
    WRITE_ROWS_V1 = 23,
    UPDATE_ROWS_V1 = 24,
    DELETE_ROWS_V1 = 25,
    INCIDENT = 26,
    HEARTBEAT = 27,
    IGNORABLE = 28,
    ROWS_QUERY = 29,
    WRITE_ROWS_V2 = 30,
    UPDATE_ROWS_V2 = 31,
    DELETE_ROWS_V2 = 32,
    GTID = 33,
    ANONYMOUS_GTID = 34,
    PREVIOUS_GTIDS = 35,
    TRANSACTION_CONTEXT = 36,
    VIEW_CHANGE = 37,
    XA_PREPARE = 38,
    PARTIAL_UPDATE_ROWS = 39,
    TRANSACTION_PAYLOAD = 40,
    HEARTBEAT_V2 = 41,
    GTID_TAGGED = 42,
    MARIA_ANNOTATE_ROWS = 160,
    MARIA_BINLOG_CHECKPOINT = 161,
    MARIA_GTID = 162,
    MARIA_GTID_LIST = 163,
    MARIA_START_ENCRYPTION = 164,
    MARIA_QUERY_COMPRESSED = 165,
    MARIA_WRITE_ROWS_COMPRESSED_V1 = 166,
    MARIA_UPDATE_ROWS_COMPRESSED_V1 = 167,
    MARIA_DELETE_ROWS_COMPRESSED_V1 = 168,
    MARIA_WRITE_ROWS_COMPRESSED = 169,
    MARIA_UPDATE_ROWS_COMPRESSED = 170,
    MARIA_DELETE_ROWS_COMPRESSED = 171,
    MARIA_PARTIAL_ROW_DATA = 172,
}

impl EventType {
    pub fn is_known(self) -> bool {
        self.name().is_some()
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "TYPE_{}", self.0),
        }
    }
}
