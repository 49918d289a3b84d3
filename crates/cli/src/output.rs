//! The one JSON contract of every command that prints one object: the command's fields plus
//! `status` (healthy, warning, critical, unknown) and `exit_status` (0-3), the same as the
//! process exit status. Commands that stream records (`binlog events`, `sql`, `show`, `check`)
//! print JSON Lines, one object per record, instead.

use serde::Serialize;

use crate::failure::Failure;
use crate::status::Status;

/// A payload's fields, then `status` and `exit_status`. Serialised straight to text, so that
/// counts past `u64` (a GTID set's size) stay exact.
#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    #[serde(flatten)]
    payload: &'a T,
    status: &'static str,
    exit_status: u8,
}

/// One line of JSON: `payload` (an object) with the status added.
pub fn envelope(status: Status, payload: &impl Serialize) -> Result<String, Failure> {
    Ok(serde_json::to_string(&wrap(status, payload))?)
}

/// The same, indented for people who read it.
pub fn envelope_pretty(status: Status, payload: &impl Serialize) -> Result<String, Failure> {
    Ok(serde_json::to_string_pretty(&wrap(status, payload))?)
}

fn wrap<T: Serialize>(status: Status, payload: &T) -> Envelope<'_, T> {
    Envelope {
        payload,
        status: status.name(),
        exit_status: status as u8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_joins_the_payload() {
        let json = envelope(Status::Warning, &serde_json::json!({"count": 3})).unwrap();
        assert_eq!(json, r#"{"count":3,"status":"warning","exit_status":1}"#);
        assert!(envelope(Status::Healthy, &7).is_err());
    }
}
