//! The replica's replication filters (`Replicate_*` of its channel's status): a table the
//! channel does not replicate is left out of the comparison, said so, never compared.
//!
//! Evaluated as both servers do for row events (MySQL manual, "How Servers Evaluate
//! Replication Filtering Rules"): the database rules first (`Replicate_Do_DB`, then
//! `Replicate_Ignore_DB`), then the table rules in order: `Do_Table`, `Ignore_Table`,
//! `Wild_Do_Table`, `Wild_Ignore_Table`; with any do-table rule set, a table none matches is
//! not replicated.

/// The filters of one channel, as `SHOW SLAVE STATUS` lists them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub do_db: Vec<String>,
    pub ignore_db: Vec<String>,
    pub do_table: Vec<String>,
    pub ignore_table: Vec<String>,
    pub wild_do_table: Vec<String>,
    pub wild_ignore_table: Vec<String>,
}

impl Filters {
    /// Reads a status field's comma-separated list.
    pub fn list(field: Option<&str>) -> Vec<String> {
        field
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// `None` when the channel replicates `schema.table`; else the rule that leaves it out.
    pub fn excludes(&self, schema: &str, table: &str) -> Option<&'static str> {
        if !self.do_db.is_empty() && !self.do_db.iter().any(|d| d == schema) {
            return Some("Replicate_Do_DB");
        }
        if self.ignore_db.iter().any(|d| d == schema) {
            return Some("Replicate_Ignore_DB");
        }
        let name = format!("{schema}.{table}");
        if self.do_table.contains(&name) {
            return None;
        }
        if self.ignore_table.contains(&name) {
            return Some("Replicate_Ignore_Table");
        }
        if self.wild_do_table.iter().any(|p| like(p, &name)) {
            return None;
        }
        if self.wild_ignore_table.iter().any(|p| like(p, &name)) {
            return Some("Replicate_Wild_Ignore_Table");
        }
        if !self.do_table.is_empty() || !self.wild_do_table.is_empty() {
            return Some("Replicate_Do_Table / Replicate_Wild_Do_Table");
        }
        None
    }
}

/// SQL `LIKE` with `%`, `_` and `\` escapes, as the wild filters match `db.table`.
fn like(pattern: &str, text: &str) -> bool {
    fn matches(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('%', rest)) => (0..=t.len()).any(|i| matches(rest, &t[i..])),
            Some(('_', rest)) => !t.is_empty() && matches(rest, &t[1..]),
            Some(('\\', rest)) if !rest.is_empty() => {
                t.first() == Some(&rest[0]) && matches(&rest[1..], &t[1..])
            }
            Some((c, rest)) => t.first() == Some(c) && matches(rest, &t[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    matches(&p, &t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_in_its_order() {
        let filters = Filters {
            ignore_db: vec!["scratch".into()],
            do_table: vec!["app.keep".into()],
            ignore_table: vec!["app.audit".into()],
            wild_do_table: vec!["app.order%".into()],
            wild_ignore_table: vec!["app.orders\\_tmp".into()],
            ..Filters::default()
        };
        assert_eq!(filters.excludes("app", "keep"), None);
        assert_eq!(
            filters.excludes("app", "audit"),
            Some("Replicate_Ignore_Table")
        );
        assert_eq!(filters.excludes("app", "orders"), None);
        // The wild do-rule matches first.
        assert_eq!(filters.excludes("app", "orders_tmp"), None);
        assert!(filters.excludes("app", "other").is_some());
        assert_eq!(
            filters.excludes("scratch", "keep"),
            Some("Replicate_Ignore_DB")
        );
        let none = Filters::default();
        assert_eq!(none.excludes("any", "table"), None);
        let do_db = Filters {
            do_db: vec!["app".into()],
            ..Filters::default()
        };
        assert_eq!(do_db.excludes("other", "t"), Some("Replicate_Do_DB"));
        assert!(like("a_c%", "abcdef") && !like("a\\_c", "abc") && like("a\\_c", "a_c"));
    }
}
