//! `ls -l` of a server's log directory: the binary and relay logs and their sizes, which say
//! how far each file really reaches (a replica asking for a position past a file's end).

use std::sync::LazyLock;

use regex::Regex;

/// One file of an `ls -l` listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListedFile<'a> {
    pub name: &'a str,
    /// Bytes; `None` when printed rounded (`ls -lh`).
    pub size: Option<u64>,
}

static LS_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^-[-rwxsStT]{9}[.+@]?\s+\d+\s+\S+\s+\S+\s+(\d+(?:[.,]\d+)?[KMGTP]?)\s+(?:[A-Za-z]{3}\s+\d{1,2}\s+(?:\d{1,2}:\d{2}|\d{4})|\d{1,2}\s+[A-Za-z]{3}\s+(?:\d{1,2}:\d{2}|\d{4})|\d{4}-\d{2}-\d{2}(?:\s+\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:\s+[+-]\d{4})?)\s+(\S+)$",
    )
    .expect("static regex")
});
static TOTAL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^total \d+(?:[.,]\d+)?[KMGTP]?$").expect("static regex"));

/// A regular file's line of `ls -l`.
pub(crate) fn parse_ls_line(line: &str) -> Option<ListedFile<'_>> {
    let c = LS_LINE.captures(line.trim())?;
    let size = c.get(1)?.as_str();
    Some(ListedFile {
        name: c.get(2)?.as_str(),
        size: size.parse().ok(),
    })
}

/// `total 2034`, the first line of `ls -l`.
pub(crate) fn is_ls_total(line: &str) -> bool {
    TOTAL.is_match(line.trim())
}

/// `mysql-bin.001025`, `./host-relay-bin.000984`: a log file of the numbered series (index
/// files and data files are not).
pub(crate) fn is_numbered_log(name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    base.rsplit_once('.').is_some_and(|(stem, number)| {
        !stem.is_empty() && number.len() >= 6 && number.chars().all(|c| c.is_ascii_digit())
    })
}

/// A numbered log of the relay-log series rather than the binary log.
pub(crate) fn is_relay_log(name: &str) -> bool {
    name.rsplit('/').next().unwrap_or(name).contains("relay")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_lines() {
        let f =
            parse_ls_line("-rw-rw----. 1 mysql mysql 1073742107 2021-03-04 02:10 binlog.000012")
                .unwrap();
        assert_eq!((f.name, f.size), ("binlog.000012", Some(1_073_742_107)));
        let f =
            parse_ls_line("-rw-r----- 1 mysql mysql 1.1G Aug  3 00:51 mysql-bin.001026").unwrap();
        assert_eq!(f.size, None);
        assert!(parse_ls_line("drwxr-x--- 2 mysql mysql 4096 Aug  3 00:51 mysql").is_none());
        assert!(is_numbered_log("mysql-bin.001026") && !is_numbered_log("mysql-bin.index"));
        assert!(is_relay_log("./db-relay-bin.000984") && !is_relay_log("mysql-bin.000001"));
        assert!(is_ls_total("total 1224496"));
    }
}
