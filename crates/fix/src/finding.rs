//! Which finding a fix is for, so that a saved diagnosis, a journal and a fresh diagnosis can
//! be compared: the same class, server and channel, and the same failing transaction.

use diagnose::{Class, Finding};
use serde::{Deserialize, Serialize};

/// What identifies a finding across diagnoses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingKey {
    pub class: Class,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub server: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub channel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error_code: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub gtid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub source_log_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub end_log_pos: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub table: Option<String>,
}

impl FindingKey {
    pub fn of(finding: &Finding) -> FindingKey {
        let facts = &finding.facts;
        FindingKey {
            class: finding.class,
            server: facts.server.clone(),
            channel: facts.channel.clone(),
            error_code: finding.error_code,
            gtid: facts.gtid.clone(),
            source_log_file: facts.source_log_file.clone(),
            end_log_pos: facts.end_log_pos,
            table: facts.table.clone(),
        }
    }

    /// Reads finding `number` (1-based) of a saved `diagnose --format json` (with or without
    /// its envelope) or of a bundle's diagnosis.
    pub fn from_saved(json: &serde_json::Value, number: usize) -> Result<FindingKey, String> {
        let findings = json
            .get("findings")
            .or_else(|| json.get("report").and_then(|r| r.get("findings")))
            .or_else(|| json.get("data").and_then(|r| r.get("findings")))
            .and_then(serde_json::Value::as_array)
            .ok_or("it holds no \"findings\": save it with `repldoctor diagnose --format json`")?;
        let finding = findings.get(number.wrapping_sub(1)).ok_or_else(|| {
            format!(
                "it has {} finding(s), not a finding {number}",
                findings.len()
            )
        })?;
        let text = |value: &serde_json::Value| value.as_str().map(str::to_owned);
        let facts = &finding["facts"];
        Ok(FindingKey {
            class: serde_json::from_value(finding["class"].clone())
                .map_err(|_| format!("finding {number} has no class repldoctor knows"))?,
            server: text(&facts["server"]),
            channel: text(&facts["channel"]),
            error_code: finding["error_code"]
                .as_u64()
                .and_then(|c| u32::try_from(c).ok()),
            gtid: text(&facts["gtid"]),
            source_log_file: text(&facts["source_log_file"]),
            end_log_pos: facts["end_log_pos"].as_u64(),
            table: text(&facts["table"]),
        })
    }

    /// How `other` differs from this finding, in words; empty when it is the same finding.
    /// A fact one side lacks is no difference (a paste may not show the GTID a live read has),
    /// but the class, and each fact both sides know, must agree.
    pub fn differences(&self, other: &FindingKey) -> Vec<String> {
        let mut differences = Vec::new();
        if self.class != other.class {
            differences.push(format!("class {} is now {}", self.class, other.class));
        }
        let mut compare = |name: &str, ours: Option<String>, theirs: Option<String>| {
            if let (Some(ours), Some(theirs)) = (ours, theirs)
                && ours != theirs
            {
                differences.push(format!("{name} {ours} is now {theirs}"));
            }
        };
        compare("server", self.server.clone(), other.server.clone());
        compare("channel", self.channel.clone(), other.channel.clone());
        compare(
            "error",
            self.error_code.map(|c| c.to_string()),
            other.error_code.map(|c| c.to_string()),
        );
        compare("GTID", self.gtid.clone(), other.gtid.clone());
        compare(
            "binlog",
            self.source_log_file.clone(),
            other.source_log_file.clone(),
        );
        compare(
            "end_log_pos",
            self.end_log_pos.map(|p| p.to_string()),
            other.end_log_pos.map(|p| p.to_string()),
        );
        compare("table", self.table.clone(), other.table.clone());
        differences
    }

    /// A finding of the same class on the same server and channel: it has not gone away.
    pub fn still_there(&self, findings: &[Finding]) -> Option<usize> {
        findings.iter().position(|finding| {
            let other = FindingKey::of(finding);
            other.class == self.class
                && other.server == self.server
                && other.channel == self.channel
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> FindingKey {
        FindingKey {
            class: Class::DupKey,
            server: Some("127.0.0.1:3307".to_owned()),
            channel: Some(String::new()),
            error_code: Some(1062),
            gtid: Some("0-1-42".to_owned()),
            source_log_file: Some("bin.000002".to_owned()),
            end_log_pos: Some(1234),
            table: Some("lab.dup".to_owned()),
        }
    }

    #[test]
    fn another_transaction_is_another_finding() {
        let mut later = key();
        later.gtid = Some("0-1-43".to_owned());
        later.end_log_pos = Some(2345);
        assert_eq!(
            key().differences(&later),
            vec!["GTID 0-1-42 is now 0-1-43", "end_log_pos 1234 is now 2345"]
        );
        let mut unknown = key();
        unknown.gtid = None;
        assert!(key().differences(&unknown).is_empty());
        let mut other_class = key();
        other_class.class = Class::RowNotFound;
        assert_eq!(key().differences(&other_class).len(), 1);
    }

    #[test]
    fn a_saved_diagnosis_is_read_with_or_without_its_envelope() {
        let finding = serde_json::json!({
            "class": "dup_key", "error_code": 1062,
            "facts": {"server": "127.0.0.1:3307", "channel": "", "gtid": "0-1-42",
                      "source_log_file": "bin.000002", "end_log_pos": 1234, "table": "lab.dup"}
        });
        let bare = serde_json::json!({"findings": [finding]});
        assert_eq!(FindingKey::from_saved(&bare, 1).unwrap(), key());
        let wrapped = serde_json::json!({"status": "critical", "data": {"findings": [finding]}});
        assert_eq!(FindingKey::from_saved(&wrapped, 1).unwrap(), key());
        assert!(FindingKey::from_saved(&bare, 2).is_err());
        assert!(FindingKey::from_saved(&bare, 0).is_err());
        assert!(FindingKey::from_saved(&serde_json::json!([]), 1).is_err());
    }
}
