//! What SHOW ENGINE INNODB STATUS and `information_schema.INNODB_TRX` say about transactions.

use serde::{Deserialize, Serialize};

use super::provenance::Provenance;
use super::time::LogTime;

/// A lock a transaction waits for: `RECORD LOCKS space id 33 page no 4 n bits 72 index u_k of
/// table `kk`.`test` trx id 5568170 lock_mode X waiting`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InnodbLock {
    /// `RECORD` or `TABLE`.
    pub kind: String,
    pub index: Option<String>,
    /// `kk`.`test` as `kk.test`.
    pub table: Option<String>,
    /// `lock_mode X locks gap before rec insert intention waiting` as printed after the trx id.
    pub mode: Option<String>,
}

/// One transaction of the TRANSACTIONS section, of a deadlock report, or of INNODB_TRX.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InnodbTransaction {
    pub trx_id: String,
    pub active_seconds: Option<u64>,
    /// `inserting`, `starting index read`, `LOCK WAIT`, `RUNNING`...
    pub state: Option<String>,
    pub started: Option<LogTime>,
    /// The MySQL thread (processlist) id.
    pub thread_id: Option<u64>,
    pub query_id: Option<u64>,
    /// `localhost root update` after the query id: host, user and thread state.
    pub client: Option<String>,
    pub query: Option<String>,
    /// Set while the transaction waits for a lock.
    pub waiting_for: Option<InnodbLock>,
    /// `TRX HAS BEEN WAITING N SEC FOR THIS LOCK TO BE GRANTED`.
    pub waiting_seconds: Option<u64>,
    pub origin: Provenance,
}

impl InnodbTransaction {
    pub fn new(trx_id: &str, origin: Provenance) -> InnodbTransaction {
        InnodbTransaction {
            trx_id: trx_id.to_owned(),
            active_seconds: None,
            state: None,
            started: None,
            thread_id: None,
            query_id: None,
            client: None,
            query: None,
            waiting_for: None,
            waiting_seconds: None,
            origin,
        }
    }
}

/// The LATEST DETECTED DEADLOCK section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InnodbDeadlock {
    pub time: Option<LogTime>,
    /// `*** (1) TRANSACTION:`, `*** (2) TRANSACTION:` in order.
    pub transactions: Vec<InnodbTransaction>,
    /// `*** WE ROLL BACK TRANSACTION (N)`: 1-based index into `transactions`.
    pub rolled_back: Option<usize>,
}

/// One SHOW ENGINE INNODB STATUS output (or the part of it that was pasted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InnodbStatus {
    /// The `INNODB MONITOR OUTPUT` header's time.
    pub time: Option<LogTime>,
    /// The section names seen (`TRANSACTIONS`, `LATEST DETECTED DEADLOCK`, ...).
    pub sections: Vec<String>,
    pub transactions: Vec<InnodbTransaction>,
    pub latest_deadlock: Option<InnodbDeadlock>,
    /// The text as pasted, for a reader who wants all of it.
    pub text: String,
    pub origin: Provenance,
}
