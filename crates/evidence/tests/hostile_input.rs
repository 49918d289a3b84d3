//! Inputs the fuzzer found or that stress the reader's loops: each must give a bounded answer.

use evidence::text::parse_text;

#[test]
fn binlog_header_that_also_looks_like_a_prefixed_error_log_line() {
    // Found by the fuzzer: the reader of mysqlbinlog output stopped before its own first line,
    // and the main loop asked it again forever.
    let text = "#160118 17:33:11 server id 1  end_log_pos 4 Query x | 2019-10-29T03:29:51.885616+08:00 11 [ERROR] y\nnext";
    let parsed = parse_text("t", text);
    let events = &parsed.evidence.servers[0].binlog_events;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].end_log_pos, Some(4));
    assert_eq!(events[0].body, vec!["next".to_owned()]);
}

#[test]
fn many_labels_and_repeated_records_stay_linear() {
    let mut text = String::new();
    for i in 0..20_000 {
        text.push_str(&format!("db{i}> Last_Errno: {i}\n"));
    }
    let parsed = parse_text("t", &text);
    assert_eq!(parsed.evidence.servers.len(), 20_000);
    assert_eq!(
        parsed.evidence.servers[19_999].channels()[0].last_errno,
        Some(19_999)
    );

    let mut text = String::from(
        "+----+---------+-------+------+\n| Id | Command | State | User |\n+----+---------+-------+------+\n",
    );
    for i in 0..50_000 {
        text.push_str(&format!("| {i} | Query | x | u |\n"));
    }
    let parsed = parse_text("t", &text);
    let server = &parsed.evidence.servers[0];
    assert_eq!(server.samples.len(), 1);
    assert_eq!(server.samples[0].processlist.len(), 50_000);
}

#[test]
fn garbage_is_reported_with_line_numbers() {
    let parsed = parse_text(
        "t",
        "hello\nworld\n\n\u{fffd}\u{fffd}\nLast_Errno: 1\n-- sou\u{fffd}",
    );
    let spans: Vec<(usize, usize)> = parsed
        .not_understood
        .iter()
        .map(|n| (n.first_line, n.last_line))
        .collect();
    assert_eq!(spans, vec![(1, 2), (4, 4)]);
    assert_eq!(parsed.evidence.servers[0].channels()[0].last_errno, Some(1));
}

#[test]
fn long_values_over_many_lines_stay_linear() {
    // Each continuation line is judged without rescanning the value gathered so far.
    let lines = 50_000;
    let mut text =
        String::from("Last_SQL_Error: Error 'x' on query. Query: 'insert into t values\n");
    let mut log = String::from(
        "2024-01-01T00:00:00.000000Z 5 [ERROR] [MY-010584] [Repl] Slave SQL: Query: 'insert into t values\n",
    );
    for i in 0..lines {
        text.push_str(&format!("({i}, 'a'),\n"));
        log.push_str(&format!("({i}, 'a'),\n"));
    }
    let parsed = parse_text("t", &text);
    let error = parsed.evidence.servers[0].channels()[0]
        .last_sql_error
        .clone()
        .unwrap();
    assert_eq!(error.lines().count(), lines + 1);
    let parsed = parse_text("t", &log);
    assert_eq!(
        parsed.evidence.servers[0].error_log[0]
            .message
            .lines()
            .count(),
        lines + 1
    );
}
