//! The statements verify builds per table: how each column is normalised before hashing, how a
//! key value is written back as a literal by the server itself, chunk ranges, and the chunk,
//! row and column checksums. Their shapes are listed in `dialect::catalogue::VERIFY`.

use dialect::quote;

use crate::tables::{Column, Table};

/// A backquoted identifier.
pub fn ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

pub fn qualified(table: &Table) -> String {
    format!("{}.{}", ident(&table.schema), ident(&table.name))
}

/// The column's value in a form that is equal on both servers exactly when the data is equal:
/// text converted to one character set and hex-encoded (a trailing space, a case difference
/// and a latin1 vs utf8mb4 column of the same text are all seen for what they are), bytes
/// hex-encoded (trailing zero bytes of BINARY count), floats rounded to the digits the type
/// holds (their printing differs between releases), temporal values as text in the session's
/// UTC.
pub fn normalised(column: &Column) -> String {
    let c = ident(&column.name);
    match column.data_type.as_str() {
        "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" | "decimal"
        | "numeric" | "year" => c,
        "bit" => format!("{c} + 0"),
        "float" => format!("IFNULL(ROUND({c}, 5 - FLOOR(LOG10(ABS({c})))), {c})"),
        "double" | "real" => format!("IFNULL(ROUND({c}, 14 - FLOOR(LOG10(ABS({c})))), {c})"),
        "date" | "datetime" | "timestamp" | "time" => format!("CAST({c} AS CHAR)"),
        // MySQL's binary JSON prints in one canonical form.
        "json" => format!("HEX(CONVERT(CAST({c} AS CHAR) USING utf8mb4))"),
        "uuid" | "inet4" | "inet6" => format!("CAST({c} AS CHAR)"),
        // UTF-8 and ASCII text already has the bytes a conversion to utf8mb4 would give.
        _ if column
            .charset
            .as_deref()
            .is_some_and(|cs| matches!(cs, "utf8mb4" | "utf8mb3" | "utf8" | "ascii")) =>
        {
            format!("HEX({c})")
        }
        _ if column.charset.is_some() => format!("HEX(CONVERT({c} USING utf8mb4))"),
        // Bytes: BINARY, VARBINARY, BLOBs, spatial types, and anything unknown.
        _ => format!("HEX({c})"),
    }
}

/// An expression the server evaluates to the SQL literal of the column's value (`NULL`
/// included), so that key bounds and --print-sql values are written by the server that holds
/// them, bytes exact: text as hex under its own character set and collation (an index on the
/// column still serves the comparison), bytes as hex, numbers as they are.
pub fn literal(column: &Column) -> String {
    let c = ident(&column.name);
    let value = match column.data_type.as_str() {
        "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" | "decimal"
        | "numeric" | "year" => format!("CAST({c} AS CHAR)"),
        "bit" => format!("CONCAT('b''', BIN({c}), '''')"),
        "float" | "double" | "real" | "date" | "datetime" | "timestamp" | "time" | "uuid"
        | "inet4" | "inet6" => format!("CONCAT('''', CAST({c} AS CHAR), '''')"),
        "json" => format!("CONCAT('CAST(X''', HEX(CAST({c} AS CHAR)), ''' AS JSON)')"),
        _ => match (&column.charset, &column.collation) {
            (Some(charset), Some(collation)) => format!(
                "CONCAT({}, HEX({c}), {})",
                quote(&format!("_{charset} X'")),
                quote(&format!("' COLLATE {collation}"))
            ),
            _ => format!("CONCAT('X''', HEX({c}), '''')"),
        },
    };
    format!("IF({c} IS NULL, 'NULL', {value})")
}

/// The key's literals, column by column, as the server writes them.
pub fn key_literals(table: &Table) -> String {
    table
        .key_columns()
        .map(literal)
        .collect::<Vec<_>>()
        .join(", ")
}

fn key_order(table: &Table) -> String {
    table
        .key_columns()
        .map(|c| ident(&c.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows whose key is after `bound` (`strict`) or up to it: `(a > 1) OR (a = 1 AND b > 2)`,
/// expanded so that every release uses the key's index for it.
fn key_compared(table: &Table, bound: &[String], after: bool) -> String {
    let columns: Vec<String> = table.key_columns().map(|c| ident(&c.name)).collect();
    let mut alternatives = Vec::with_capacity(columns.len());
    for last in 0..columns.len() {
        let mut terms: Vec<String> = (0..last)
            .map(|i| format!("{} = {}", columns[i], bound[i]))
            .collect();
        let operator = match (after, last + 1 == columns.len()) {
            (true, _) => ">",
            (false, true) => "<=",
            (false, false) => "<",
        };
        terms.push(format!("{} {operator} {}", columns[last], bound[last]));
        alternatives.push(format!("({})", terms.join(" AND ")));
    }
    format!("({})", alternatives.join(" OR "))
}

/// The rows of one chunk: after `lower` (none: from the first row) up to `upper` (none: to
/// the last), within the user's `--where`.
pub fn chunk_range(
    table: &Table,
    lower: Option<&[String]>,
    upper: Option<&[String]>,
    filter: Option<&str>,
) -> String {
    let mut terms = Vec::new();
    if let Some(lower) = lower {
        terms.push(key_compared(table, lower, true));
    }
    if let Some(upper) = upper {
        terms.push(key_compared(table, upper, false));
    }
    if let Some(filter) = filter {
        terms.push(format!("({filter})"));
    }
    if terms.is_empty() {
        "1 = 1".to_owned()
    } else {
        terms.join(" AND ")
    }
}

/// The key of the last row of the chunk that starts after `lower` and holds `rows` rows,
/// within `upper` (a chunk being cut smaller) or to the end.
pub fn chunk_upper_bound(
    table: &Table,
    lower: Option<&[String]>,
    upper: Option<&[String]>,
    rows: u64,
    filter: Option<&str>,
) -> String {
    format!(
        "SELECT {} FROM {} WHERE {} ORDER BY {} LIMIT 1 OFFSET {}",
        key_literals(table),
        qualified(table),
        chunk_range(table, lower, upper, filter),
        key_order(table),
        rows.saturating_sub(1)
    )
}

/// One row's hash: MD5 over the normalised columns and a NULL map (CONCAT_WS skips NULLs, so
/// without the map `(NULL, 'a')` and `('a', NULL)` would hash alike).
pub fn row_hash(table: &Table) -> String {
    let values: Vec<String> = table.columns.iter().map(normalised).collect();
    let nulls: Vec<String> = table
        .columns
        .iter()
        .map(|c| format!("ISNULL({})", ident(&c.name)))
        .collect();
    format!(
        "MD5(CONCAT_WS('#', {}, CONCAT({})))",
        values.join(", "),
        nulls.join(", ")
    )
}

/// A chunk's checksum: the row count and a 64-bit combination of the rows' hashes (the first
/// 64 bits of each row's MD5, computed once per row). Rows of a keyed table are distinct, so an
/// XOR serves; a table without a key may hold equal rows, which an XOR would cancel in pairs,
/// so there the hashes are summed.
pub fn chunk_checksum(table: &Table, range: &str) -> String {
    let combine = if table.key.is_empty() {
        "SUM"
    } else {
        "BIT_XOR"
    };
    format!(
        "SELECT COUNT(*), COALESCE({combine}(CAST(CONV(LEFT({}, 16), 16, 10) AS UNSIGNED)), 0) \
         FROM {} WHERE {range}",
        row_hash(table),
        qualified(table)
    )
}

/// Every row of a chunk as its key literals and its hash, in key order.
pub fn row_hashes(table: &Table, range: &str, limit: usize) -> String {
    format!(
        "SELECT {}, {} FROM {} WHERE {range} ORDER BY {} LIMIT {limit}",
        key_literals(table),
        row_hash(table),
        qualified(table),
        key_order(table)
    )
}

/// The row with these key literals.
pub fn key_equals(table: &Table, key: &[String]) -> String {
    table
        .key_columns()
        .zip(key)
        .map(|(c, v)| format!("{} = {v}", ident(&c.name)))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// One row's columns, each hashed, to name the columns that differ.
pub fn column_hashes(table: &Table, key: &[String]) -> String {
    let hashes: Vec<String> = table
        .columns
        .iter()
        .map(|c| {
            format!(
                "MD5(CONCAT(ISNULL({}), '#', IFNULL({}, '')))",
                ident(&c.name),
                normalised(c)
            )
        })
        .collect();
    format!(
        "SELECT {} FROM {} WHERE {}",
        hashes.join(", "),
        qualified(table),
        key_equals(table, key)
    )
}

/// One row's stored columns as literals, for the statement that would make the replica match.
pub fn row_literals(table: &Table, key: &[String]) -> String {
    let values: Vec<String> = table.stored_columns().map(literal).collect();
    format!(
        "SELECT {} FROM {} WHERE {}",
        values.join(", "),
        qualified(table),
        key_equals(table, key)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, data_type: &str, charset: Option<&str>) -> Column {
        Column {
            name: name.into(),
            data_type: data_type.into(),
            column_type: data_type.into(),
            charset: charset.map(Into::into),
            collation: charset.map(|c| format!("{c}_general_ci")),
            nullable: true,
            generated: false,
        }
    }

    fn table() -> Table {
        Table {
            schema: "app".into(),
            name: "or`ders".into(),
            columns: vec![
                column("a", "int", None),
                column("b", "varchar", Some("latin1")),
                column("c", "binary", None),
            ],
            key: vec![0, 1],
            key_name: Some("PRIMARY".into()),
            estimated_rows: 0,
        }
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(qualified(&table()), "`app`.`or``ders`");
    }

    #[test]
    fn chunk_ranges_expand_the_composite_key() {
        let lower = vec!["1".to_owned(), "'x'".to_owned()];
        let upper = vec!["5".to_owned(), "'y'".to_owned()];
        assert_eq!(
            chunk_range(&table(), Some(&lower), Some(&upper), Some("a < 100")),
            "((`a` > 1) OR (`a` = 1 AND `b` > 'x')) AND ((`a` < 5) OR (`a` = 5 AND `b` <= 'y')) \
             AND (a < 100)"
        );
        assert_eq!(chunk_range(&table(), None, None, None), "1 = 1");
    }

    #[test]
    fn text_bytes_and_numbers_are_normalised_by_kind() {
        let t = table();
        assert_eq!(normalised(&t.columns[0]), "`a`");
        assert_eq!(normalised(&t.columns[1]), "HEX(CONVERT(`b` USING utf8mb4))");
        assert_eq!(normalised(&t.columns[2]), "HEX(`c`)");
        assert_eq!(
            literal(&t.columns[1]),
            "IF(`b` IS NULL, 'NULL', CONCAT('_latin1 X''', HEX(`b`), ''' COLLATE latin1_general_ci'))"
        );
        assert_eq!(
            row_hash(&t),
            "MD5(CONCAT_WS('#', `a`, HEX(CONVERT(`b` USING utf8mb4)), HEX(`c`), \
             CONCAT(ISNULL(`a`), ISNULL(`b`), ISNULL(`c`))))"
        );
    }

    #[test]
    fn the_upper_bound_skips_the_chunk() {
        assert_eq!(
            chunk_upper_bound(&table(), None, None, 1000, None),
            "SELECT IF(`a` IS NULL, 'NULL', CAST(`a` AS CHAR)), IF(`b` IS NULL, 'NULL', \
             CONCAT('_latin1 X''', HEX(`b`), ''' COLLATE latin1_general_ci')) FROM `app`.`or``ders` \
             WHERE 1 = 1 ORDER BY `a`, `b` LIMIT 1 OFFSET 999"
        );
    }
}
