//! The catalogue table test: every template of every replication error the servers' message
//! catalogues list, filled in and pasted in several framings, comes out with the class the
//! catalogue gives its error, and with its number.

use diagnose::catalogue;
use evidence::model::{Flavor, ReplicationThread};
use evidence::text::messages::catalogue::{Template, templates};
use evidence::text::parse_text;

/// The template with its placeholders filled: an error number where the server prints one
/// (`Got fatal error %d`), a short value elsewhere.
fn instance(template: &Template) -> String {
    let mut out = String::new();
    let mut parts = template.fixed.split('%').peekable();
    while let Some(part) = parts.next() {
        out.push_str(part);
        if parts.peek().is_none() {
            break;
        }
        let lower = part.to_ascii_lowercase();
        let names_number = ["error ", "errno: ", "error_code: ", "code: "]
            .iter()
            .any(|p| lower.ends_with(p));
        if names_number {
            out.push_str(&template.number.to_string());
        } else {
            out.push_str("x7");
        }
    }
    out
}

fn framings(template: &Template, message: &str) -> Vec<(&'static str, String)> {
    let n = template.number;
    let (status, log) = match (template.thread, template.flavor) {
        (ReplicationThread::Applier, Flavor::Mariadb) => (
            format!(
                "Slave_IO_Running: Yes\nSlave_SQL_Running: No\nLast_SQL_Errno: {n}\nLast_SQL_Error: {message}\n"
            ),
            format!(
                "2024-05-01 10:00:00 7 [ERROR] Slave SQL: {message}, Internal MariaDB error code: {n}\n"
            ),
        ),
        (ReplicationThread::Receiver, Flavor::Mariadb) => (
            format!(
                "Slave_IO_Running: No\nSlave_SQL_Running: Yes\nLast_IO_Errno: {n}\nLast_IO_Error: {message}\n"
            ),
            format!(
                "2024-05-01 10:00:00 7 [ERROR] Slave I/O: {message}, Internal MariaDB error code: {n}\n"
            ),
        ),
        (ReplicationThread::Applier, Flavor::Mysql) => (
            format!(
                "Replica_IO_Running: Yes\nReplica_SQL_Running: No\nLast_SQL_Errno: {n}\nLast_SQL_Error: {message}\n"
            ),
            format!(
                "2024-05-01T10:00:00.000000Z 7 [ERROR] [MY-010584] [Repl] Replica SQL for channel '': {message}, Error_code: MY-{n:06}\n"
            ),
        ),
        (ReplicationThread::Receiver, Flavor::Mysql) => (
            format!(
                "Replica_IO_Running: No\nReplica_SQL_Running: Yes\nLast_IO_Errno: {n}\nLast_IO_Error: {message}\n"
            ),
            format!(
                "2024-05-01T10:00:00.000000Z 7 [ERROR] [MY-010584] [Repl] Replica I/O for channel '': {message}, Error_code: MY-{n:06}\n"
            ),
        ),
    };
    let mut framings = vec![
        ("the message alone", format!("{message}\n")),
        ("a status field", status),
        ("an error-log line", log),
        ("a client error", format!("ERROR {n} (HY000): {message}\n")),
    ];
    // Programs that print the server's error in their own framing: only errors that name
    // replication, since there a generic one (a duplicate key, a lock wait) is the program's
    // own statement failing, not a replica's (crates/evidence/src/text/embedded.rs).
    if !template.names_replication() {
        return framings;
    }
    framings.extend([
        (
            "a connector's exception",
            format!(
                "2024-05-01 10:00:00 [destination = x] ERROR c.a.o.canal.parse - java.io.IOException: Received error packet: errno = {n}, sqlstate = HY000 errmsg = {message}\n"
            ),
        ),
        (
            "after another program's log prefix",
            format!("ERRO[0000] close sync with err: ERROR {n} (HY000): {message}\n"),
        ),
        (
            "a driver's error tuple",
            format!("pymysql.err.InternalError: ({n}, \"{message}\")\n"),
        ),
        (
            "a string of a JSON document",
            format!(
                "{{\"tasks\":[{{\"state\":\"FAILED\",\"trace\":\"org.apache.kafka.connect.errors.ConnectException: {} Error code: {n}; SQLSTATE: HY000.\\n\\tat io.debezium.X.wrap(X.java:230)\"}}]}}\n",
                message.replace('"', "\\\"")
            ),
        ),
    ]);
    framings
}

/// Error `number` prints `message` too: the same words (MySQL prints ER_DUP_ENTRY_WITH_KEY_NAME's
/// wording under 1062), or its wording is this one with details added (1452's foreign key
/// message is 1216's with the constraint).
fn same_message(template: &Template, message: &str, number: u32) -> bool {
    number == template.number
        || templates()
            .iter()
            .filter(|t| t.number == number)
            .any(|t| t.matches(message) || t.fixed.starts_with(template.fixed))
}

/// Instances that do not come out right yet, as (number, framing), with why: each must still
/// fail, so that a fix shrinks the list.
const KNOWN_GAPS: &[(u32, &str, &str)] = &[];

#[test]
fn every_catalogued_template_comes_out_with_its_class_in_every_framing() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for template in templates() {
        let entry = catalogue::entry(template.flavor, template.number)
            .unwrap_or_else(|| panic!("{} {} has no entry", template.number, template.symbol));
        let class = entry
            .class()
            .expect("only classified errors have templates");
        let message = instance(template);
        for (framing, text) in framings(template, &message) {
            checked += 1;
            let report = diagnose::diagnose(&parse_text("t", &text).evidence);
            let top = report.findings.first();
            let got_class = top.map(|f| f.class);
            let got_number = top
                .and_then(|f| f.facts.other.get("error_code"))
                .and_then(|v| v.as_u64());
            let number_ok = got_number.is_some_and(|n| same_message(template, &message, n as u32));
            let known_gap = KNOWN_GAPS
                .iter()
                .any(|&(number, gap, _)| number == template.number && gap == framing);
            if known_gap {
                assert!(
                    got_class != Some(class) || !number_ok,
                    "{} as {framing} is right now: remove it from KNOWN_GAPS",
                    template.number
                );
                continue;
            }
            if got_class != Some(class) || !number_ok {
                failures.push(format!(
                    "{} {} ({:?}) as {framing}: {got_class:?} #{got_number:?}, expected {class:?}\n    {}",
                    template.number,
                    template.symbol,
                    template.flavor,
                    text.trim_end()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
