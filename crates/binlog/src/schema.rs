//! Column names from `CREATE TABLE` statements, for binlogs that do not carry them
//! (`binlog_row_metadata=MINIMAL`, MySQL's default, and MariaDB's before FULL): the text of
//! `mysqldump --no-data`, or of `SHOW CREATE TABLE` (also its `\G` form, with the
//! `Create Table:` labels), with `USE db;` and `CREATE DATABASE` lines and qualified names.
//!
//! Only what naming needs is read: each table's name and its columns' names in order. Index
//! and constraint lines are skipped, comments and strings are stepped over, anything that is
//! not a `CREATE TABLE` or `USE` statement is ignored. Text that cannot be read that way is an
//! error naming its line.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::fmt;

/// Tables and their column names, in order.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Schema {
    /// `(database, table)` to columns; the database is `None` for a table created with no
    /// `USE` before it and an unqualified name.
    tables: HashMap<(Option<String>, String), Vec<String>>,
    /// Tables whose column count differed from a table map's, already reported.
    mismatches: RefCell<BTreeSet<(String, String)>>,
}

/// Text that is not `CREATE TABLE` statements as servers print them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// 1-based line of the offending text; `None` for the file as a whole.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for SchemaError {}

fn error(line: usize, message: impl Into<String>) -> SchemaError {
    SchemaError {
        line: Some(line),
        message: message.into(),
    }
}

impl Schema {
    /// Reads the `CREATE TABLE` statements of `text`; at least one is needed.
    pub fn parse(text: &str) -> Result<Self, SchemaError> {
        let statements = statements(text)?;
        let mut schema = Self::default();
        let mut database: Option<String> = None;
        for statement in &statements {
            match Statement::of(statement)? {
                Statement::Use(name) => database = Some(name),
                Statement::CreateTable {
                    database: qualifier,
                    table,
                    columns,
                } => {
                    schema
                        .tables
                        .insert((qualifier.or_else(|| database.clone()), table), columns);
                }
                Statement::Other => {}
            }
        }
        if schema.tables.is_empty() {
            return Err(SchemaError {
                line: None,
                message: "no CREATE TABLE statement found".to_owned(),
            });
        }
        Ok(schema)
    }

    /// The column names of `database`.`table`: the table created under that database, or else
    /// one created without a database. Names compare exactly first, then ignoring ASCII case
    /// (as servers that fold table names to lower case do).
    pub fn columns(&self, database: &str, table: &str) -> Option<&[String]> {
        let key = |d: Option<&str>| (d.map(str::to_owned), table.to_owned());
        if let Some(columns) = self
            .tables
            .get(&key(Some(database)))
            .or_else(|| self.tables.get(&key(None)))
        {
            return Some(columns);
        }
        let mut folded = self.tables.iter().filter(|((d, t), _)| {
            t.eq_ignore_ascii_case(table)
                && d.as_deref()
                    .is_none_or(|d| d.eq_ignore_ascii_case(database))
        });
        match (folded.next(), folded.next()) {
            (Some((_, columns)), None) => Some(columns),
            _ => None,
        }
    }

    /// How many tables it defines.
    pub fn len(&self) -> usize {
        self.tables.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// Notes that the binlog maps `database`.`table` with a column count other than the one
    /// defined here; true the first time for that table (the time to warn).
    pub(crate) fn note_mismatch(&self, database: &str, table: &str) -> bool {
        self.mismatches
            .borrow_mut()
            .insert((database.to_owned(), table.to_owned()))
    }
}

/// One token, with the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    kind: Kind,
    line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// A bare word: a keyword or an unquoted name (`[A-Za-z0-9_$]` and any non-ASCII).
    Word(String),
    /// A name between backquotes (or double quotes, as `ANSI_QUOTES` prints them), unescaped.
    Quoted(String),
    /// A string literal (its text is not needed).
    Text,
    /// Any other character.
    Punct(char),
}

impl Token {
    fn is_word(&self, keyword: &str) -> bool {
        matches!(&self.kind, Kind::Word(w) if w.eq_ignore_ascii_case(keyword))
    }

    fn is_punct(&self, c: char) -> bool {
        self.kind == Kind::Punct(c)
    }

    /// The name this token spells, if it can be one.
    fn name(&self) -> Option<String> {
        match &self.kind {
            Kind::Quoted(name) => Some(name.clone()),
            // A bare name may start with a digit but is not all digits.
            Kind::Word(word) if !word.bytes().all(|b| b.is_ascii_digit()) => Some(word.clone()),
            _ => None,
        }
    }

    fn describe(&self) -> String {
        match &self.kind {
            Kind::Word(w) => format!("`{w}`"),
            Kind::Quoted(q) => format!("`{q}`"),
            Kind::Text => "a string".to_owned(),
            Kind::Punct(c) => format!("'{c}'"),
        }
    }
}

/// Splits `text` into statements of tokens: at `;` (or the delimiter a `DELIMITER` line sets),
/// and at the row separators and labels of `SHOW CREATE TABLE\G` output.
fn statements(text: &str) -> Result<Vec<Vec<Token>>, SchemaError> {
    let mut statements = Vec::new();
    let mut current = Vec::new();
    let mut delimiter = ";".to_owned();
    let mut line = 1;
    let mut rest = text;
    let mut at_line_start = true;
    while !rest.is_empty() {
        if at_line_start {
            at_line_start = false;
            let trimmed = rest.trim_start_matches([' ', '\t']);
            let this_line = trimmed.split('\n').next().unwrap_or("");
            let word = this_line.split_whitespace().next().unwrap_or("");
            if word.eq_ignore_ascii_case("DELIMITER") {
                // A client command: it sets the statement end for the lines after it.
                delimiter = this_line[word.len()..].trim().to_owned();
                if delimiter.is_empty() {
                    return Err(error(line, "DELIMITER without a delimiter"));
                }
                end_statement(&mut statements, &mut current);
                rest = &trimmed[this_line.len()..];
                continue;
            }
            if this_line.starts_with("***") || this_line.starts_with("Table:") {
                // `\G` output: a row separator, or the table name label.
                end_statement(&mut statements, &mut current);
                rest = &trimmed[this_line.len()..];
                continue;
            }
            const LABEL: &str = "Create Table:";
            if this_line.starts_with(LABEL) {
                end_statement(&mut statements, &mut current);
                rest = &trimmed[LABEL.len()..];
                continue;
            }
        }
        if rest.starts_with(delimiter.as_str()) {
            end_statement(&mut statements, &mut current);
            rest = &rest[delimiter.len()..];
            continue;
        }
        let Some(c) = rest.chars().next() else { break };
        if c == '\n' {
            line += 1;
            at_line_start = true;
            rest = &rest[1..];
            continue;
        }
        if c.is_whitespace() {
            rest = &rest[c.len_utf8()..];
            continue;
        }
        let start_line = line;
        if rest.starts_with("/*") {
            let end = rest[2..]
                .find("*/")
                .ok_or_else(|| error(start_line, "comment opened here is not closed"))?;
            line += rest[..end + 4].matches('\n').count();
            rest = &rest[end + 4..];
            continue;
        }
        if c == '#'
            || rest.starts_with("--") && rest[2..].starts_with(char::is_whitespace)
            || rest == "--"
        {
            let end = rest.find('\n').unwrap_or(rest.len());
            rest = &rest[end..];
            continue;
        }
        let (kind, len) = match c {
            '`' | '"' => quoted(rest, c).ok_or_else(|| {
                error(
                    start_line,
                    format!("name opened with {c} here is not closed"),
                )
            })?,
            '\'' => (
                Kind::Text,
                string_len(rest)
                    .ok_or_else(|| error(start_line, "string opened here is not closed"))?,
            ),
            c if is_word_char(c) => {
                let len = rest.find(|c: char| !is_word_char(c)).unwrap_or(rest.len());
                (Kind::Word(rest[..len].to_owned()), len)
            }
            c => (Kind::Punct(c), c.len_utf8()),
        };
        line += rest[..len].matches('\n').count();
        rest = &rest[len..];
        current.push(Token {
            kind,
            line: start_line,
        });
    }
    end_statement(&mut statements, &mut current);
    Ok(statements)
}

fn end_statement(statements: &mut Vec<Vec<Token>>, current: &mut Vec<Token>) {
    if !current.is_empty() {
        statements.push(std::mem::take(current));
    }
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$' || !c.is_ascii()
}

/// A name between `quote`s (doubled inside to stand for itself) and the bytes it takes.
fn quoted(text: &str, quote: char) -> Option<(Kind, usize)> {
    let mut name = String::new();
    let mut chars = text.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        if c == quote {
            if chars.peek().is_some_and(|&(_, next)| next == quote) {
                chars.next();
            } else {
                return Some((Kind::Quoted(name), i + 1));
            }
        }
        name.push(c);
    }
    None
}

/// The bytes a `'...'` string takes (backslash escapes and doubled quotes inside).
fn string_len(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\'' if bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b'\'' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// What a statement means here.
#[derive(Debug)]
enum Statement {
    Use(String),
    CreateTable {
        database: Option<String>,
        table: String,
        columns: Vec<String>,
    },
    Other,
}

/// Items of a column list that define no column.
const NOT_COLUMNS: &[&str] = &[
    "KEY",
    "INDEX",
    "CONSTRAINT",
    "PRIMARY",
    "UNIQUE",
    "FULLTEXT",
    "SPATIAL",
    "CHECK",
    "FOREIGN",
];

impl Statement {
    fn of(tokens: &[Token]) -> Result<Self, SchemaError> {
        let mut t = Cursor { tokens, at: 0 };
        if t.eat_word("USE") {
            let name = t.name("a database name after USE")?;
            return Ok(Self::Use(name));
        }
        if !t.eat_word("CREATE") {
            return Ok(Self::Other);
        }
        if t.eat_word("OR") && !t.eat_word("REPLACE") {
            return Ok(Self::Other);
        }
        t.eat_word("TEMPORARY");
        if !t.eat_word("TABLE") {
            return Ok(Self::Other);
        }
        if t.eat_word("IF") {
            t.eat_word("NOT");
            t.eat_word("EXISTS");
        }
        let first = t.name("a table name after CREATE TABLE")?;
        let (database, table) = if t.peek().is_some_and(|p| p.is_punct('.')) {
            t.at += 1;
            (Some(first), t.name("a table name after the database name")?)
        } else {
            (None, first)
        };
        let open = t.peek().cloned();
        match open {
            Some(open) if open.is_punct('(') => {
                t.at += 1;
                let columns = column_names(&mut t, &table, open.line)?;
                Ok(Self::CreateTable {
                    database,
                    table,
                    columns,
                })
            }
            Some(other) => Err(error(
                other.line,
                format!(
                    "CREATE TABLE `{table}` is followed by {} rather than its column list \
                     (CREATE TABLE ... LIKE and ... SELECT do not name the columns: give the \
                     table's SHOW CREATE TABLE)",
                    other.describe()
                ),
            )),
            None => Err(error(
                tokens.last().map_or(1, |l| l.line),
                format!("CREATE TABLE `{table}` has no column list"),
            )),
        }
    }
}

/// The column names of a column list, the cursor just after its `(`.
fn column_names(
    t: &mut Cursor<'_>,
    table: &str,
    open_line: usize,
) -> Result<Vec<String>, SchemaError> {
    let mut columns = Vec::new();
    loop {
        let Some(first) = t.next() else {
            return Err(error(
                open_line,
                format!("the column list of `{table}` opened here is not closed"),
            ));
        };
        if first.is_punct(')') && columns.is_empty() {
            return Err(error(first.line, format!("`{table}` has no columns")));
        }
        let second = t.peek();
        let not_a_column = NOT_COLUMNS.iter().any(|k| first.is_word(k))
            || first.is_word("PERIOD") && second.is_some_and(|s| s.is_word("FOR"))
            || first.is_word("VECTOR")
                && second.is_some_and(|s| s.is_word("INDEX") || s.is_word("KEY"));
        if !not_a_column {
            let name = first.name().ok_or_else(|| {
                error(
                    first.line,
                    format!(
                        "expected a column name in `{table}`, found {}",
                        first.describe()
                    ),
                )
            })?;
            columns.push(name);
        }
        // The rest of the item, to the comma or parenthesis that ends it at this depth.
        let mut depth = 0usize;
        loop {
            let Some(token) = t.next() else {
                return Err(error(
                    open_line,
                    format!("the column list of `{table}` opened here is not closed"),
                ));
            };
            match token.kind {
                Kind::Punct('(') => depth += 1,
                Kind::Punct(')') if depth > 0 => depth -= 1,
                Kind::Punct(')') => return Ok(columns),
                Kind::Punct(',') if depth == 0 => break,
                _ => {}
            }
        }
    }
}

struct Cursor<'t> {
    tokens: &'t [Token],
    at: usize,
}

impl<'t> Cursor<'t> {
    fn peek(&self) -> Option<&'t Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<&'t Token> {
        let token = self.tokens.get(self.at)?;
        self.at += 1;
        Some(token)
    }

    fn eat_word(&mut self, keyword: &str) -> bool {
        let found = self.peek().is_some_and(|t| t.is_word(keyword));
        if found {
            self.at += 1;
        }
        found
    }

    fn name(&mut self, what: &str) -> Result<String, SchemaError> {
        let line = self.peek().or(self.tokens.last()).map_or(1, |t| t.line);
        match self.next() {
            Some(token) => token
                .name()
                .ok_or_else(|| error(line, format!("expected {what}, found {}", token.describe()))),
            None => Err(error(line, format!("expected {what}, found the end"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns<'s>(schema: &'s Schema, database: &str, table: &str) -> Vec<&'s str> {
        schema
            .columns(database, table)
            .unwrap_or_else(|| panic!("no {database}.{table}"))
            .iter()
            .map(String::as_str)
            .collect()
    }

    /// The shape `mysqldump --no-data` writes, with a generated column, keys of every kind,
    /// comments, and names that need quoting.
    const DUMP: &str = "-- MySQL dump 10.13  Distrib 8.0.36
/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET NAMES utf8mb4 */;

--
-- Current Database: `shop`
--

CREATE DATABASE /*!32312 IF NOT EXISTS*/ `shop` /*!40100 DEFAULT CHARACTER SET utf8mb4 */;

USE `shop`;

--
-- Table structure for table `orders`
--

DROP TABLE IF EXISTS `orders`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
CREATE TABLE `orders` (
  `id` int NOT NULL AUTO_INCREMENT,
  `customer id` bigint unsigned NOT NULL COMMENT 'who, (and why); it''s here',
  `we``ird` varchar(20) DEFAULT 'a,b',
  `total` decimal(10,2) GENERATED ALWAYS AS ((`qty` * `price`)) STORED,
  # a comment line
  `qty` int DEFAULT NULL, -- trailing comment
  `price` decimal(10,2) DEFAULT NULL,
  `key` int DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `u` (`customer id`,`we``ird`),
  KEY `k` (`qty`),
  FULLTEXT KEY `f` (`we``ird`),
  SPATIAL INDEX `s` (`id`),
  CONSTRAINT `fk` FOREIGN KEY (`qty`) REFERENCES `other` (`id`),
  CONSTRAINT `c` CHECK ((`qty` > 0)),
  CHECK (`price` >= 0)
) ENGINE=InnoDB AUTO_INCREMENT=5 DEFAULT CHARSET=utf8mb4 COMMENT='orders; all of them'
/*!50100 PARTITION BY HASH (`id`)
PARTITIONS 4 */;
/*!40101 SET character_set_client = @saved_cs_client */;

DELIMITER ;;
CREATE DEFINER=`root`@`localhost` PROCEDURE `p`()
BEGIN
  CREATE TABLE scratch (a int);
END ;;
DELIMITER ;

CREATE TABLE other.plain (a INT, b TEXT, period INT);
";

    #[test]
    fn reads_a_dump_with_keys_comments_generated_columns_and_quoting() {
        let schema = Schema::parse(DUMP).unwrap();
        assert_eq!(
            columns(&schema, "shop", "orders"),
            [
                "id",
                "customer id",
                "we`ird",
                "total",
                "qty",
                "price",
                "key"
            ]
        );
        assert_eq!(columns(&schema, "other", "plain"), ["a", "b", "period"]);
        // The CREATE TABLE inside the procedure's body is not a table of the dump.
        assert_eq!(schema.len(), 2);
        assert!(schema.columns("shop", "scratch").is_none());
        // Case folded when nothing matches exactly.
        assert_eq!(columns(&schema, "SHOP", "Orders").len(), 7);
    }

    #[test]
    fn reads_show_create_table_output_in_its_vertical_form() {
        let text = "*************************** 1. row ***************************
       Table: t1
Create Table: CREATE TABLE `t1` (
  `a` int(11) NOT NULL,
  `b` varchar(10) DEFAULT NULL,
  PERIOD FOR `p` (`a`, `a`),
  PRIMARY KEY (`a`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1
*************************** 1. row ***************************
       Table: t2
Create Table: CREATE TABLE \"t2\" (
  \"x\" int(11) DEFAULT NULL
)
";
        let schema = Schema::parse(text).unwrap();
        // No USE: the tables match any database.
        assert_eq!(columns(&schema, "db", "t1"), ["a", "b"]);
        assert_eq!(columns(&schema, "other", "t2"), ["x"]);
    }

    #[test]
    fn a_qualified_table_or_one_after_use_belongs_to_that_database() {
        let schema =
            Schema::parse("CREATE TABLE a.t (x INT); USE b; CREATE TABLE t (y INT, z INT); USE c;")
                .unwrap();
        assert_eq!(columns(&schema, "a", "t"), ["x"]);
        assert_eq!(columns(&schema, "b", "t"), ["y", "z"]);
        assert!(schema.columns("c", "t").is_none());
    }

    #[test]
    fn bad_input_is_an_error_naming_its_line() {
        let cases: &[(&str, usize, &str)] = &[
            ("CREATE TABLE t (\n  a INT,\n  b INT", 1, "not closed"),
            (
                "CREATE TABLE t (\n  a INT DEFAULT 'x\n)",
                2,
                "string opened here",
            ),
            ("\n\nCREATE TABLE `t (a INT)", 3, "name opened with ` here"),
            ("/* x", 1, "comment opened here"),
            ("CREATE TABLE t (a INT);\nCREATE TABLE u LIKE t;", 2, "LIKE"),
            (
                "CREATE TABLE t (\n  42 INT\n)",
                2,
                "expected a column name in `t`, found `42`",
            ),
            ("CREATE TABLE t ()", 1, "`t` has no columns"),
            ("CREATE TABLE (a INT)", 1, "expected a table name"),
            ("USE ;", 1, "expected a database name"),
            ("DELIMITER\nCREATE TABLE t (a INT)", 1, "DELIMITER without"),
        ];
        for (text, line, message) in cases {
            let err = Schema::parse(text).unwrap_err();
            assert_eq!(err.line, Some(*line), "{text:?}: {err}");
            assert!(err.message.contains(message), "{text:?}: {err}");
        }
        let err = Schema::parse("SET NAMES utf8mb4;\n-- nothing else\n").unwrap_err();
        assert_eq!(err.to_string(), "no CREATE TABLE statement found");
    }

    #[test]
    fn every_cut_of_a_dump_parses_or_names_a_line_in_it() {
        for end in (0..DUMP.len()).filter(|&i| DUMP.is_char_boundary(i)) {
            let text = &DUMP[..end];
            match Schema::parse(text) {
                Ok(schema) => assert!(schema.len() <= 2, "{text:?}"),
                Err(SchemaError {
                    line: Some(line), ..
                }) => assert!(line <= text.lines().count().max(1), "{text:?}: line {line}"),
                Err(err) => assert_eq!(err.message, "no CREATE TABLE statement found"),
            }
        }
    }
}
