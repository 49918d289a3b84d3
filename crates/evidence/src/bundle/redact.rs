//! Making a bundle safe to share: passwords always removed; with `--redact`, host names, user
//! names and row values replaced by stable placeholders (`host-1`, `user-2`, `'value-3'`: the
//! same original always gives the same placeholder, so the diagnosis still sees which rows,
//! hosts and users are the same).

use std::collections::HashMap;

use super::{Collection, Gap, GapCause, Item};

/// Columns (and `SHOW VARIABLES` names) that hold a host name.
const HOST_FIELDS: &[&str] = &[
    "master_host",
    "source_host",
    "host",
    "hostname",
    "report_host",
    "wsrep_node_address",
    "wsrep_node_name",
    "wsrep_cluster_address",
];
/// Columns that hold a user name.
const USER_FIELDS: &[&str] = &["master_user", "source_user", "user"];
/// Processlist users that are server threads, not accounts.
const SERVER_USERS: &[&str] = &["system user", "event_scheduler", "unauthenticated user"];
/// Columns that hold SQL text, whose literals are row values.
const SQL_FIELDS: &[&str] = &[
    "info",
    "trx_query",
    "waiting_query",
    "blocking_query",
    "query",
    "sql_text",
];
/// Host names that say nothing about anyone's network.
const GENERIC_HOSTS: &[&str] = &["", "localhost", "0.0.0.0", "::", "*", "%"];

/// Removes every occurrence of each secret (a password) from everything the bundle holds.
/// Secrets shorter than 3 characters are left: replacing them would garble every text and hide
/// nothing. A binlog slice holding a secret is dropped, as binary data cannot be edited in place.
pub fn scrub_secrets(collection: &mut Collection, secrets: &[&str]) {
    let secrets: Vec<&str> = secrets.iter().copied().filter(|s| s.len() >= 3).collect();
    if secrets.is_empty() {
        return;
    }
    rewrite_texts(collection, |text| {
        let mut text = text.to_owned();
        for secret in &secrets {
            if text.contains(secret) {
                text = text.replace(secret, "***");
            }
        }
        text
    });
    let slice_has_secret = collection.binlog_slice.as_ref().is_some_and(|slice| {
        secrets
            .iter()
            .any(|s| slice.windows(s.len()).any(|w| w == s.as_bytes()))
    });
    if slice_has_secret {
        drop_slice(collection, "it held a password");
    }
}

/// Replaces host names, user names and row values with placeholders. `users` are account
/// names known from elsewhere (the DSNs used).
pub fn redact(collection: &mut Collection, users: &[&str]) {
    let mut hosts: Vec<String> = Vec::new();
    let mut accounts: Vec<String> = users.iter().map(|u| (*u).to_owned()).collect();
    for server in &collection.manifest.servers {
        hosts.push(host_of(&server.endpoint).to_owned());
    }
    // Row captures hold table data, not the topology's hosts and users.
    for capture in collection
        .captures
        .iter()
        .filter(|c| c.row_lookup.is_none())
    {
        let named = |wanted: &[&str]| -> Vec<usize> {
            capture
                .columns
                .iter()
                .enumerate()
                .filter(|(_, c)| wanted.contains(&c.to_ascii_lowercase().as_str()))
                .map(|(i, _)| i)
                .collect()
        };
        let host_columns = named(HOST_FIELDS);
        let user_columns = named(USER_FIELDS);
        let variable = named(&["variable_name"]).first().copied();
        let value = named(&["value"]).first().copied();
        for row in &capture.rows {
            let cell = |i: usize| row.get(i).and_then(Option::as_deref);
            for &i in &host_columns {
                if let Some(host) = cell(i) {
                    hosts.push(host_of(host).to_owned());
                }
            }
            for &i in &user_columns {
                if let Some(user) = cell(i) {
                    accounts.push(user.to_owned());
                }
            }
            if let (Some(name), Some(value)) = (variable.and_then(cell), value.and_then(cell))
                && HOST_FIELDS.contains(&name.to_ascii_lowercase().as_str())
            {
                hosts.push(host_of(value).to_owned());
            }
        }
    }
    let mut names = Placeholders::default();
    let mut terms: Vec<(String, String)> = Vec::new();
    for host in hosts {
        if !GENERIC_HOSTS.contains(&host.as_str()) && !terms.iter().any(|(t, _)| *t == host) {
            let placeholder = names.get("host", &host);
            terms.push((host, placeholder));
        }
    }
    for user in accounts {
        if !user.is_empty()
            && !SERVER_USERS.contains(&user.as_str())
            && !terms.iter().any(|(t, _)| *t == user)
        {
            let placeholder = names.get("user", &user);
            terms.push((user, placeholder));
        }
    }
    // Longest first, so that `db1.example` is replaced before `db1`.
    terms.sort_by_key(|(term, _)| std::cmp::Reverse(term.len()));
    let mut values = Placeholders::default();
    for capture in &mut collection.captures {
        if let Some(lookup) = &mut capture.row_lookup {
            // Every cell of a compared row is a value; the same value gets the same placeholder
            // everywhere, so identical rows stay identical.
            for value in lookup.key_values.iter_mut().flatten() {
                *value = values.get("value", value);
            }
            for text in capture.rows.iter_mut().flatten().flatten() {
                *text = values.get("value", text);
            }
            continue;
        }
        let sql_columns: Vec<bool> = capture
            .columns
            .iter()
            .map(|c| SQL_FIELDS.contains(&c.to_ascii_lowercase().as_str()))
            .collect();
        for row in &mut capture.rows {
            for (cell, is_sql) in row.iter_mut().zip(&sql_columns) {
                if let Some(text) = cell
                    && *is_sql
                {
                    *text = redact_sql_literals(text, &mut values);
                }
            }
        }
    }
    rewrite_texts(collection, |text| {
        let mut text = redact_error_values(text, &mut values);
        for (term, placeholder) in &terms {
            text = replace_words(&text, term, placeholder);
        }
        text
    });
    collection.manifest.options.redacted = true;
    drop_slice(
        collection,
        "--redact: its row values are binary and are not kept",
    );
}

fn drop_slice(collection: &mut Collection, why: &str) {
    if collection.binlog_slice.take().is_some()
        && let Some(entry) = collection.manifest.binlog_slice.take()
    {
        collection.manifest.gaps.push(Gap::new(
            entry.server,
            Item::BinlogSlice,
            GapCause::Redacted,
            "binlog slice",
            format!("left out of the bundle: {why}"),
        ));
    }
}

/// Applies `rewrite` to every text a bundle holds: cells, statements, labels, file texts and
/// the manifest's strings.
fn rewrite_texts(collection: &mut Collection, mut rewrite: impl FnMut(&str) -> String) {
    let mut apply = |text: &mut String| *text = rewrite(text);
    for capture in &mut collection.captures {
        apply(&mut capture.server);
        apply(&mut capture.statement);
        for row in &mut capture.rows {
            for text in row.iter_mut().flatten() {
                apply(text);
            }
        }
    }
    for file in &mut collection.files {
        apply(&mut file.text);
        apply(&mut file.entry.server);
        apply(&mut file.entry.read_from);
    }
    let manifest = &mut collection.manifest;
    for entry in &mut manifest.files {
        apply(&mut entry.server);
        apply(&mut entry.read_from);
    }
    for server in &mut manifest.servers {
        apply(&mut server.label);
        apply(&mut server.endpoint);
    }
    for statement in &mut manifest.statements {
        apply(&mut statement.server);
        apply(&mut statement.statement);
    }
    for gap in &mut manifest.gaps {
        apply(&mut gap.server);
        apply(&mut gap.what);
        apply(&mut gap.reason);
    }
    if let Some(slice) = &mut manifest.binlog_slice {
        apply(&mut slice.server);
        apply(&mut slice.obtained_from);
    }
}

/// Stable placeholders: the n-th distinct original of a kind is `kind-n`.
#[derive(Debug, Default)]
struct Placeholders {
    seen: HashMap<String, String>,
}

impl Placeholders {
    fn get(&mut self, kind: &str, original: &str) -> String {
        let next = self.seen.len() + 1;
        self.seen
            .entry(original.to_owned())
            .or_insert_with(|| format!("{kind}-{next}"))
            .clone()
    }
}

/// `host` of `host:port`, `[v6]:port` or a bare host.
fn host_of(endpoint: &str) -> &str {
    if let Some(rest) = endpoint.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match endpoint.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            host
        }
        _ => endpoint,
    }
}

fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-'
}

/// Replaces `term` where it stands as a whole word (not inside `replica` for `repl`, nor inside
/// `10.0.0.12` for `10.0.0.1`).
fn replace_words(text: &str, term: &str, replacement: &str) -> String {
    if term.is_empty() || !text.contains(term) {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (at, _) in text.match_indices(term) {
        if at < last {
            continue;
        }
        let end = at + term.len();
        let before_ok = at == 0 || !is_word_byte(bytes[at - 1]);
        let after = bytes.get(end).copied();
        let after_ok = match after {
            None => true,
            // A dot followed by a word character continues a host name or an address.
            Some(b'.') => !bytes.get(end + 1).copied().is_some_and(is_word_byte),
            Some(b) => !is_word_byte(b),
        };
        if before_ok && after_ok {
            out.push_str(&text[last..at]);
            out.push_str(replacement);
            last = end;
        }
    }
    out.push_str(&text[last..]);
    out
}

/// Replaces the string and number literals of SQL text with placeholders.
fn redact_sql_literals(sql: &str, values: &mut Placeholders) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.char_indices().peekable();
    let mut previous: Option<char> = None;
    while let Some((start, c)) = chars.next() {
        if c == '\'' || c == '"' {
            let mut literal = String::new();
            let mut closed = false;
            while let Some((_, next)) = chars.next() {
                if next == '\\' {
                    if let Some((_, escaped)) = chars.next() {
                        literal.push(next);
                        literal.push(escaped);
                    }
                    continue;
                }
                if next == c {
                    if chars.peek().is_some_and(|(_, n)| *n == c) {
                        literal.push(next);
                        chars.next();
                        continue;
                    }
                    closed = true;
                    break;
                }
                literal.push(next);
            }
            out.push('\'');
            out.push_str(&values.get("value", &literal));
            if closed {
                out.push('\'');
            }
            previous = Some(c);
            continue;
        }
        let starts_number = c.is_ascii_digit()
            && !previous.is_some_and(|p| p.is_alphanumeric() || p == '_' || p == '`' || p == '.');
        if starts_number {
            let mut end = start + c.len_utf8();
            while let Some(&(at, next)) = chars.peek() {
                if next.is_ascii_alphanumeric() || next == '.' {
                    end = at + next.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            out.push('\'');
            out.push_str(&values.get("value", &sql[start..end]));
            out.push('\'');
            previous = Some('0');
            continue;
        }
        out.push(c);
        previous = Some(c);
    }
    out
}

/// Row values quoted in server error messages: `Duplicate entry '10' for key`.
fn redact_error_values(text: &str, values: &mut Placeholders) -> String {
    const MARKER: &str = "Duplicate entry '";
    if !text.contains(MARKER) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(MARKER) {
        let value_start = at + MARKER.len();
        out.push_str(&rest[..value_start]);
        let tail = &rest[value_start..];
        match tail.find("' for key") {
            Some(end) => {
                out.push_str(&values.get("value", &tail[..end]));
                rest = &tail[end..];
            }
            None => {
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_replaced_whole() {
        assert_eq!(
            replace_words("repl@10.0.0.1:3306 replica 10.0.0.12", "10.0.0.1", "host-1"),
            "repl@host-1:3306 replica 10.0.0.12"
        );
        assert_eq!(
            replace_words("user repl, replication", "repl", "user-1"),
            "user user-1, replication"
        );
        assert_eq!(replace_words("db1.", "db1", "host-1"), "host-1.");
    }

    #[test]
    fn sql_literals_get_stable_placeholders() {
        let mut values = Placeholders::default();
        let a = redact_sql_literals(
            "UPDATE t1 SET v = 'it''s' WHERE id = 10 AND c2 = 10",
            &mut values,
        );
        assert_eq!(
            a,
            "UPDATE t1 SET v = 'value-1' WHERE id = 'value-2' AND c2 = 'value-2'"
        );
        let b = redact_error_values("Duplicate entry '10' for key 'PRIMARY'", &mut values);
        assert_eq!(b, "Duplicate entry 'value-2' for key 'PRIMARY'");
    }

    #[test]
    fn hosts_of_endpoints() {
        assert_eq!(host_of("127.0.0.1:3306"), "127.0.0.1");
        assert_eq!(host_of("[::1]:3306"), "::1");
        assert_eq!(host_of("db1"), "db1");
    }
}
