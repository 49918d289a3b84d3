//! `CREATE TABLE` statements (`SHOW CREATE TABLE`, `mysqldump --no-data`) into table
//! definitions: the columns in order and the keys. The SQL is parsed by `sqlparser` with its
//! MySQL dialect; each statement is cut out of the text first, so that the rest of a dump
//! (`SET`, `LOCK TABLES`, `DELIMITER ;;` and triggers) never stops it.

use sqlparser::ast::{
    ColumnOption, CreateTable, Expr, IndexColumn, ObjectName, Statement, TableConstraint,
};
use sqlparser::dialect::{GenericDialect, MySqlDialect};
use sqlparser::parser::Parser;

use crate::model::{Provenance, TableColumn, TableDefinition};

/// A statement that could not be read as a table definition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: cannot read CREATE TABLE: {reason}")]
pub struct CreateTableError {
    /// 1-based line of the text where the statement starts.
    pub line: usize,
    pub reason: String,
}

/// Every `CREATE TABLE` of `text`, in order, each with its schema: the statement's own
/// qualifier, else the last `USE db` before it, else `default_schema`. Other statements are
/// skipped; a `CREATE TABLE` that does not parse gives an error in its place.
pub fn create_tables(
    text: &str,
    default_schema: Option<&str>,
    origin: &Provenance,
) -> Vec<Result<TableDefinition, CreateTableError>> {
    let mut schema = default_schema.map(str::to_owned);
    let mut tables = Vec::new();
    let text = &without_vertical_labels(text);
    for (start, statement) in statements(text) {
        let head: String = statement
            .split_whitespace()
            .take(4)
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_uppercase();
        if head.starts_with("USE ") {
            let name = statement.split_whitespace().nth(1).unwrap_or("");
            schema = Some(unquote(name.trim_end_matches(';')));
            continue;
        }
        let creates = head.starts_with("CREATE TABLE")
            || head.starts_with("CREATE TEMPORARY TABLE")
            || head.starts_with("CREATE OR REPLACE TABLE");
        if !creates {
            continue;
        }
        let first_line = text[..start].matches('\n').count() + 1;
        tables.push(
            definition(
                &without_version_comments(statement),
                schema.as_deref(),
                origin,
            )
            .map_err(|(line_in_statement, reason)| CreateTableError {
                line: first_line + line_in_statement.unwrap_or(1) - 1,
                reason,
            }),
        );
    }
    tables
}

/// The table `sql` defines; an error says on which line of `sql` (when the parser knows) and
/// what was wrong.
fn definition(
    sql: &str,
    schema: Option<&str>,
    origin: &Provenance,
) -> Result<TableDefinition, (Option<usize>, String)> {
    let sql = columns_and_keys(sql);
    // `"name"` identifiers come from servers in ANSI_QUOTES mode, which MySQL's dialect reads
    // as strings; the generic dialect takes both quotes.
    let parsed = Parser::parse_sql(&MySqlDialect {}, &sql).or_else(|mysql| {
        if sql.contains('"') {
            Parser::parse_sql(&GenericDialect {}, &sql).map_err(|_| mysql)
        } else {
            Err(mysql)
        }
    });
    let parsed = parsed.map_err(|e| parser_error(&e.to_string()))?;
    let Some(Statement::CreateTable(create)) = parsed.into_iter().next() else {
        return Err((None, "not a CREATE TABLE statement".into()));
    };
    Ok(from_ast(&create, schema, origin))
}

/// `sql parser error: Expected: X, found: Y at Line: 3, Column: 5` as the line (of the
/// statement) and `Expected: X, found: Y`.
fn parser_error(message: &str) -> (Option<usize>, String) {
    let message = message
        .strip_prefix("sql parser error: ")
        .unwrap_or(message);
    match message.rsplit_once(" at Line: ") {
        Some((what, place)) => {
            let line = place.split(',').next().and_then(|l| l.trim().parse().ok());
            (line, what.to_owned())
        }
        None => (None, message.to_owned()),
    }
}

/// The statement down to what names columns and keys: `CREATE TABLE name (elements)` without
/// the table options after it (`ENGINE=`, MariaDB's `WITH SYSTEM VERSIONING`, partitioning),
/// without MariaDB's `PERIOD FOR` elements and `WITHOUT OVERLAPS` key parts, which the parser
/// does not know and which name neither.
fn columns_and_keys(sql: &str) -> String {
    let bytes = sql.as_bytes();
    let Some(open) = find_outside_quotes(bytes, 0, |b| b == b'(') else {
        return sql.to_owned();
    };
    let mut depth = 0usize;
    let mut elements = Vec::new();
    let mut element_start = open + 1;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            quote @ (b'\'' | b'"' | b'`') => {
                i = skip_quoted(bytes, i, quote);
                continue;
            }
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    elements.push(&sql[element_start..i]);
                    // A dropped element leaves its line breaks, so errors keep their lines.
                    let mut kept: Vec<String> = Vec::new();
                    let mut breaks = String::new();
                    for element in elements {
                        let mut words = element.split_whitespace();
                        let period = words
                            .next()
                            .is_some_and(|w| w.eq_ignore_ascii_case("PERIOD"))
                            && words.next().is_some_and(|w| w.eq_ignore_ascii_case("FOR"));
                        if period {
                            breaks.extend(element.matches('\n'));
                        } else {
                            let element = without_overlaps(element);
                            kept.push(format!("{}{element}", std::mem::take(&mut breaks)));
                        }
                    }
                    return format!("{}({}{breaks})", &sql[..open], kept.join(","));
                }
            }
            b',' if depth == 1 => {
                elements.push(&sql[element_start..i]);
                element_start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    sql.to_owned()
}

/// `PRIMARY KEY (id, p WITHOUT OVERLAPS)` without the period part.
fn without_overlaps(element: &str) -> String {
    let upper = element.to_ascii_uppercase();
    let Some(at) = upper.find(" WITHOUT OVERLAPS") else {
        return element.to_owned();
    };
    // Drop `, p WITHOUT OVERLAPS`: the period's name, the words and the comma before them.
    let before = &element[..at];
    let cut = before.rfind(',').unwrap_or(at);
    format!(
        "{}{}",
        &element[..cut],
        &element[at + " WITHOUT OVERLAPS".len()..]
    )
}

fn find_outside_quotes(bytes: &[u8], from: usize, wanted: impl Fn(u8) -> bool) -> Option<usize> {
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            quote @ (b'\'' | b'"' | b'`') => i = skip_quoted(bytes, i, quote),
            b if wanted(b) => return Some(i),
            _ => i += 1,
        }
    }
    None
}

fn from_ast(create: &CreateTable, schema: Option<&str>, origin: &Provenance) -> TableDefinition {
    let (own_schema, name) = split_name(&create.name);
    let mut table = TableDefinition::new(
        own_schema.or(schema.map(str::to_owned)),
        name,
        origin.clone(),
    );
    for (position, column) in create.columns.iter().enumerate() {
        let name = column.name.value.clone();
        let mut auto_increment = false;
        let mut generated = false;
        for option in &column.options {
            match &option.option {
                ColumnOption::Generated { .. } => generated = true,
                ColumnOption::DialectSpecific(tokens) => {
                    auto_increment |= tokens
                        .iter()
                        .any(|t| t.to_string().eq_ignore_ascii_case("AUTO_INCREMENT"));
                }
                ColumnOption::PrimaryKey(_) => table.add_index_part("PRIMARY", true, 1, &name),
                // MySQL names a column's own UNIQUE index after the column.
                ColumnOption::Unique(_) => table.add_index_part(&name, true, 1, &name),
                _ => {}
            }
        }
        table.set_column(
            position + 1,
            TableColumn {
                column_type: Some(column.data_type.to_string().to_ascii_lowercase()),
                name,
                auto_increment,
                generated,
            },
        );
    }
    for constraint in &create.constraints {
        let (index, unique, columns) = match constraint {
            TableConstraint::PrimaryKey(key) => ("PRIMARY".to_owned(), true, &key.columns),
            TableConstraint::Unique(key) => {
                let name = key.index_name.as_ref().or(key.name.as_ref());
                (index_name(name, &key.columns), true, &key.columns)
            }
            TableConstraint::Index(key) => (
                index_name(key.name.as_ref(), &key.columns),
                false,
                &key.columns,
            ),
            TableConstraint::FulltextOrSpatial(key) => (
                index_name(key.opt_index_name.as_ref(), &key.columns),
                false,
                &key.columns,
            ),
            _ => continue,
        };
        for (sequence, column) in columns.iter().filter_map(key_column).enumerate() {
            table.add_index_part(&index, unique, sequence + 1, &column);
        }
    }
    table
}

/// An index's name, or MySQL's default for an unnamed one: its first column's.
fn index_name(name: Option<&sqlparser::ast::Ident>, columns: &[IndexColumn]) -> String {
    name.map(|n| n.value.clone())
        .or_else(|| columns.first().and_then(key_column))
        .unwrap_or_default()
}

/// The column of a key part: `a`, or `note` of a prefix part `note(10)`; `None` for an
/// expression.
fn key_column(part: &IndexColumn) -> Option<String> {
    match &part.column.expr {
        Expr::Identifier(ident) => Some(ident.value.clone()),
        Expr::CompoundIdentifier(parts) => parts.last().map(|i| i.value.clone()),
        Expr::Function(function) => split_name(&function.name).1.into(),
        _ => None,
    }
}

fn split_name(name: &ObjectName) -> (Option<String>, String) {
    let parts: Vec<String> = name
        .0
        .iter()
        .filter_map(|p| p.as_ident().map(|i| i.value.clone()))
        .collect();
    match parts.as_slice() {
        [.., schema, table] => (Some(schema.clone()), table.clone()),
        [table] => (None, table.clone()),
        [] => (None, String::new()),
    }
}

/// `SHOW CREATE TABLE ... \\G` output as plain statements: the row headers and `Table:` lines
/// blanked, the `Create Table:` label taken off (lines kept, so errors name the right line).
fn without_vertical_labels(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let is_row_header = trimmed.starts_with("***") && trimmed.contains(" row ");
        if is_row_header {
            // A row ends the statement of the row before (vertical output has no `;`).
            out.push_str(if line.ends_with('\n') { ";\n" } else { ";" });
        } else if trimmed.starts_with("Table: ") {
            out.push_str(if line.ends_with('\n') { "\n" } else { "" });
        } else if let Some(statement) = trimmed.strip_prefix("Create Table:") {
            out.push_str(statement.trim_start());
        } else {
            out.push_str(line);
        }
    }
    out
}

/// `` `db` `` or `db` into `db`.
fn unquote(name: &str) -> String {
    let trimmed = name.trim();
    trimmed
        .strip_prefix('`')
        .and_then(|n| n.strip_suffix('`'))
        .map_or_else(|| trimmed.to_owned(), |n| n.replace("``", "`"))
}

/// The statements of `text` with their byte offsets: cut at `;` outside quotes and comments,
/// the last one possibly without its `;`. A `DELIMITER` line changes the terminator as the
/// mysql client does.
fn statements(text: &str) -> Vec<(usize, &str)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut delimiter: Vec<u8> = b";".to_vec();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let at_line_start = i == 0 || bytes[i - 1] == b'\n';
        // Bytes, not text: the tenth byte may fall inside a character.
        if at_line_start
            && bytes
                .get(i..i + 10)
                .is_some_and(|b| b.eq_ignore_ascii_case(b"DELIMITER "))
        {
            let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
            let new = text[i + 10..end].trim();
            if !new.is_empty() {
                delimiter = new.as_bytes().to_vec();
            }
            i = end;
            start = end;
            continue;
        }
        match bytes[i] {
            quote @ (b'\'' | b'"' | b'`') => i = skip_quoted(bytes, i, quote),
            b'#' => i = skip_line(bytes, i),
            b'-' if bytes.get(i + 1) == Some(&b'-')
                && bytes.get(i + 2).is_none_or(|c| c.is_ascii_whitespace()) =>
            {
                i = skip_line(bytes, i)
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') && bytes.get(i + 2) != Some(&b'!') => {
                i = text[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |n| i + 2 + n + 2)
            }
            _ if bytes[i..].starts_with(&delimiter) => {
                push_statement(&mut out, text, start, i);
                i += delimiter.len();
                start = i;
            }
            _ => i += 1,
        }
    }
    push_statement(&mut out, text, start, bytes.len());
    out
}

fn push_statement<'t>(out: &mut Vec<(usize, &'t str)>, text: &'t str, start: usize, end: usize) {
    let piece = &text[start..end];
    let trimmed = piece.trim_start();
    if !trimmed.trim().is_empty() {
        out.push((start + piece.len() - trimmed.len(), trimmed.trim_end()));
    }
}

/// Just past the closing quote (a doubled quote or a backslash escape stays inside).
fn skip_quoted(bytes: &[u8], open: usize, quote: u8) -> usize {
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote != b'`' => i += 2,
            c if c == quote && bytes.get(i + 1) == Some(&quote) => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

fn skip_line(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(bytes.len(), |n| from + n)
}

/// Removes MySQL's versioned comments (`/*!50100 PARTITION BY ... */`, `/*!80023 INVISIBLE */`):
/// what they hold (partitioning, visibility) says nothing of columns and keys, and the parser
/// would read it as SQL it does not know.
fn without_version_comments(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(at) = rest.find("/*!").or_else(|| rest.find("/*M!")) {
        out.push_str(&rest[..at]);
        let comment = rest[at..]
            .find("*/")
            .map_or(&rest[at..], |end| &rest[at..at + end + 2]);
        // Its line breaks stay, so errors keep their lines.
        out.extend(comment.matches('\n'));
        rest = &rest[at + comment.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<Result<TableDefinition, CreateTableError>> {
        create_tables(text, None, &Provenance::pasted("-", 1, 1))
    }

    fn names(table: &TableDefinition) -> Vec<&str> {
        table.columns.iter().map(|c| c.name.as_str()).collect()
    }

    #[test]
    fn show_create_table_of_mariadb() {
        let tables = parse(
            "CREATE TABLE `orders` (\n  `id` int(11) NOT NULL,\n  `a` int(11) NOT NULL,\n  \
             `b` varchar(20) NOT NULL,\n  `c` int(11) DEFAULT NULL,\n  `note` text DEFAULT NULL,\n  \
             PRIMARY KEY (`id`,`a`,`b`),\n  UNIQUE KEY `uk_a_b` (`a`,`b`,`id`),\n  KEY `idx_c` (`c`)\n\
             ) ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci",
        );
        let table = tables[0].as_ref().unwrap();
        assert_eq!(table.qualified_name(), "orders");
        assert_eq!(names(table), ["id", "a", "b", "c", "note"]);
        assert_eq!(table.columns[2].column_type.as_deref(), Some("varchar(20)"));
        assert_eq!(table.primary_key().unwrap().columns, ["id", "a", "b"]);
        let unique: Vec<String> = table
            .unique_secondary_keys()
            .map(|k| k.describe())
            .collect();
        assert_eq!(unique, ["uk_a_b (a,b,id)"]);
        assert!(table.indexes.iter().any(|i| i.name == "idx_c" && !i.unique));
    }

    #[test]
    fn a_dump_with_use_partitions_triggers_and_odd_names() {
        let dump = "-- MySQL dump 10.13\n/*!40101 SET NAMES utf8mb4 */;\nUSE `shop`;\n\
            DROP TABLE IF EXISTS `we;ird``s`;\n\
            CREATE TABLE `we;ird``s` (\n  `my col` int unsigned NOT NULL AUTO_INCREMENT COMMENT 'a;b',\n  \
            `n` varchar(10) /*!80023 INVISIBLE */ DEFAULT NULL,\n  # a comment line\n  \
            `t` text, -- a trailing comment\n  \
            `g` int GENERATED ALWAYS AS ((length(`t`) + 1)) STORED,\n  \
            CONSTRAINT `c` CHECK ((`g` > 0)),\n  \
            PRIMARY KEY (`my col`),\n  UNIQUE KEY `n` (`n`),\n  KEY `t_prefix` (`t`(10))\n\
            ) ENGINE=InnoDB AUTO_INCREMENT=5 DEFAULT CHARSET=utf8mb4\n\
            /*!50100 PARTITION BY HASH (`my col`)\nPARTITIONS 4 */;\n\
            LOCK TABLES `we;ird``s` WRITE;\nINSERT INTO `we;ird``s` VALUES (1,'x;y','z');\n\
            DELIMITER ;;\nCREATE TRIGGER tr BEFORE INSERT ON x FOR EACH ROW BEGIN SET @a = 1; END ;;\n\
            DELIMITER ;\nCREATE TABLE other.t2 (id int PRIMARY KEY, code char(3) UNIQUE);\n";
        let tables = parse(dump);
        assert_eq!(tables.len(), 2);
        let first = tables[0].as_ref().unwrap();
        assert_eq!(first.qualified_name(), "shop.we;ird`s");
        assert_eq!(names(first), ["my col", "n", "t", "g"]);
        assert!(first.columns[0].auto_increment);
        assert!(first.columns[3].generated);
        assert!(!first.columns[2].generated);
        assert_eq!(first.primary_key().unwrap().columns, ["my col"]);
        let prefix = first.indexes.iter().find(|i| i.name == "t_prefix").unwrap();
        assert_eq!(prefix.columns, ["t"]);
        let second = tables[1].as_ref().unwrap();
        assert_eq!(second.qualified_name(), "other.t2");
        assert_eq!(second.primary_key().unwrap().columns, ["id"]);
        let unique: Vec<String> = second
            .unique_secondary_keys()
            .map(|k| k.describe())
            .collect();
        assert_eq!(unique, ["code (code)"]);
    }

    #[test]
    fn vertical_output_of_mariadb_with_its_own_syntax_and_ansi_quotes() {
        // MariaDB 10.11's SHOW CREATE TABLE ...\\G of a system-versioned table, an
        // application-time period and its own types; then a table printed under ANSI_QUOTES.
        let text = "*************************** 1. row ***************************
       Table: sv
Create Table: CREATE TABLE `sv` (
  `id` int(11) NOT NULL,
  `x` int(11) DEFAULT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci WITH SYSTEM VERSIONING
*************************** 1. row ***************************
       Table: ap
Create Table: CREATE TABLE `ap` (
  `id` int(11) NOT NULL,
  `s` date NOT NULL,
  `e` date NOT NULL,
  PERIOD FOR `p` (`s`, `e`),
  PRIMARY KEY (`id`,`p` WITHOUT OVERLAPS)
) ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci
*************************** 1. row ***************************
       Table: ty
Create Table: CREATE TABLE `ty` (
  `id` int(11) NOT NULL,
  `a` inet6 DEFAULT NULL,
  `b` blob /*M!100301 COMPRESSED*/ DEFAULT NULL,
  `c` int(11) INVISIBLE DEFAULT NULL,
  `j` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL CHECK (json_valid(`j`)),
  `period` int DEFAULT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci
*************************** 1. row ***************************
       Table: q
Create Table: CREATE TABLE \"q\" (
  \"x\" int(11) DEFAULT NULL,
  UNIQUE KEY \"ux\" (\"x\")
)
";
        let tables: Vec<TableDefinition> = parse(text).into_iter().map(Result::unwrap).collect();
        let read: Vec<(String, Vec<&str>)> = tables
            .iter()
            .map(|t| (t.qualified_name(), names(t)))
            .collect();
        assert_eq!(
            read,
            [
                ("sv".to_owned(), vec!["id", "x"]),
                ("ap".to_owned(), vec!["id", "s", "e"]),
                ("ty".to_owned(), vec!["id", "a", "b", "c", "j", "period"]),
                ("q".to_owned(), vec!["x"]),
            ]
        );
        assert_eq!(tables[1].primary_key().unwrap().columns, ["id"]);
        let unique: Vec<String> = tables[3]
            .unique_secondary_keys()
            .map(|k| k.describe())
            .collect();
        assert_eq!(unique, ["ux (x)"]);
    }

    #[test]
    fn a_statement_that_does_not_parse_is_an_error_with_its_line() {
        let tables = parse("SELECT 1;\n\nCREATE TABLE t (id int,, );\nCREATE TABLE u (id int);");
        let error = tables[0].as_ref().unwrap_err();
        assert_eq!(error.line, 3);
        // The line of the token the parser stopped at, past a dropped PERIOD and a comment.
        let text = "USE shop;\nCREATE TABLE t (\n  `a` int /*!80023 INVISIBLE\n */,\n  \
                    PERIOD FOR p (a, a),\n  'b' int\n);";
        let error = parse(text).remove(0).unwrap_err();
        assert_eq!(error.line, 6, "{error}");
        assert!(error.reason.starts_with("Expected: "), "{error}");
        assert!(!error.reason.contains("Line:"), "{error}");
        assert_eq!(names(tables[1].as_ref().unwrap()), ["id"]);
    }

    #[test]
    fn truncated_and_hostile_text_never_panics() {
        for text in [
            "CREATE TABLE `t` (`a",
            "CREATE TABLE t (a int /*!5",
            "DELIMITER ",
            "DELIMITER \n",
            "DELIMITER\u{e9}x\nCREATE TABLE",
            "\u{e9}\nDELIMITE\u{20ac};",
            "CREATE TABLE 'x",
            "USE",
            &format!(
                "CREATE TABLE t ({}a int{})",
                "(".repeat(5000),
                ")".repeat(5000)
            ),
        ] {
            let results = parse(text);
            assert!(
                results.iter().all(Result::is_err),
                "{text:.40}: {results:?}"
            );
        }
    }
}
