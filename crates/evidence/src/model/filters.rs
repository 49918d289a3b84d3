//! A channel's replication filters (`Replicate_*` of its status): which tables it replicates.
//! `verify` leaves out the tables a channel does not replicate; `diagnose` asks whether the
//! filters explain an object missing on the replica.
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
    /// The filters a channel's status lists.
    pub fn of_channel(status: &super::ChannelStatus) -> Filters {
        let list = |field: &Option<String>| Filters::list(field.as_deref());
        Filters {
            do_db: list(&status.replicate_do_db),
            ignore_db: list(&status.replicate_ignore_db),
            do_table: list(&status.replicate_do_table),
            ignore_table: list(&status.replicate_ignore_table),
            wild_do_table: list(&status.replicate_wild_do_table),
            wild_ignore_table: list(&status.replicate_wild_ignore_table),
        }
    }

    /// No rule at all.
    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }

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

/// SQL `LIKE` with `%`, `_` and `\` escapes, as the wild filters match `db.table`: dynamic
/// programming over pattern and text, so that no pattern costs more than their product.
fn like(pattern: &str, text: &str) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum Token {
        Any,
        One,
        Char(char),
    }
    let mut tokens = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        tokens.push(match c {
            '%' => Token::Any,
            '_' => Token::One,
            '\\' => Token::Char(chars.next().unwrap_or('\\')),
            c => Token::Char(c),
        });
    }
    let text: Vec<char> = text.chars().collect();
    // matched[j]: the tokens read so far match text[..j].
    let mut matched = vec![false; text.len() + 1];
    matched[0] = true;
    for token in tokens {
        let mut next = vec![false; text.len() + 1];
        match token {
            Token::Any => {
                let mut any = false;
                for j in 0..=text.len() {
                    any |= matched[j];
                    next[j] = any;
                }
            }
            Token::One => next[1..].copy_from_slice(&matched[..text.len()]),
            Token::Char(c) => {
                for j in 1..=text.len() {
                    next[j] = matched[j - 1] && text[j - 1] == c;
                }
            }
        }
        matched = next;
    }
    matched[text.len()]
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
        assert!(like("%", "") && like("a%b%c", "axxbyyc") && !like("a%b%c", "axxbyy"));
        // Many wildcards against a long name stay linear in each.
        let long = "a".repeat(5_000);
        assert!(!like(&"%a".repeat(200).replace("%a%a", "%a%b"), &long));
    }
}
