//! Server bugs behind failure classes, with the releases they affect: a finding says whether
//! the server's version has the bug, so the fix plan can say "upgrade" only where it helps.
//!
//! Each entry lists, per product, the release ranges known to be affected or fixed. A version
//! outside every listed range is reported as unknown, never guessed.

use evidence::model::{Flavor, Fork, ServerEvidence, Version as Release};

use crate::{Class, Finding, Reference};

/// Which build of the server software: Percona Server carries its own fixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Product {
    Mysql,
    Percona,
    Mariadb,
}

impl Product {
    /// From the version string and `version_comment`: Percona Server prints `8.0.21-12`
    /// (a build number after the dash) and says so in its comment.
    pub fn of(server: &ServerEvidence) -> Option<Product> {
        let version = server.identity.version.as_deref()?;
        let comment = server.variables.get("version_comment").unwrap_or_default();
        let flavor = server
            .identity
            .flavor
            .or_else(|| Release::parse(version).map(|v| v.flavor))
            .unwrap_or(Flavor::Mysql);
        Some(match Fork::detect(flavor, version, comment) {
            Fork::Oracle => Product::Mysql,
            Fork::Percona => Product::Percona,
            Fork::Mariadb => Product::Mariadb,
        })
    }
}

/// `major.minor.patch-build` (build 0 when absent): Percona's fixes land in builds.
pub type Version = (u32, u32, u32, u32);

/// Whether one server's version has a bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposure {
    Affected,
    Fixed,
    /// The version is outside every range the table knows.
    Unknown,
}

#[derive(Debug)]
pub struct KnownBug {
    /// `MySQL #99440`, `PS-7232`.
    pub id: &'static str,
    /// Other reports of the same bug.
    pub duplicates: &'static [&'static str],
    /// What goes wrong, for the reference's title.
    pub summary: &'static str,
    pub url: &'static str,
    pub classes: &'static [Class],
    pub product: Product,
    /// Half-open ranges `[from, to)` and what they are.
    pub ranges: &'static [(Version, Version, Exposure)],
    pub fixed_in: &'static str,
}

const END: Version = (u32::MAX, 0, 0, 0);

/// The table. Sources: the bug reports and release notes each entry links.
pub const KNOWN_BUGS: &[KnownBug] = &[
    KnownBug {
        id: "MySQL #99440",
        duplicates: &["MySQL #87796", "MySQL #89247", "MySQL #95249"],
        summary: "a worker rolled back by a lock conflict under slave_preserve_commit_order is never woken, so the multi-threaded applier (and STOP SLAVE) hangs",
        url: "https://bugs.mysql.com/bug.php?id=99440",
        classes: &[Class::MtsCommitOrderHang, Class::ParallelConflictRisk],
        product: Product::Mysql,
        ranges: &[
            ((5, 7, 0, 0), (5, 7, 33, 0), Exposure::Affected),
            ((8, 0, 0, 0), (8, 0, 23, 0), Exposure::Affected),
            ((8, 0, 23, 0), END, Exposure::Fixed),
        ],
        fixed_in: "MySQL 8.0.23",
    },
    KnownBug {
        id: "PS-7232",
        duplicates: &["MySQL #99440"],
        summary: "Percona's fix of the commit-order hang when slave_transaction_retries runs out (upstream bug #99440)",
        url: "https://jira.percona.com/browse/PS-7232",
        classes: &[Class::MtsCommitOrderHang, Class::ParallelConflictRisk],
        product: Product::Percona,
        ranges: &[
            ((5, 7, 0, 0), (5, 7, 32, 35), Exposure::Affected),
            ((5, 7, 32, 35), (5, 8, 0, 0), Exposure::Fixed),
            ((8, 0, 0, 0), (8, 0, 21, 12), Exposure::Affected),
            ((8, 0, 21, 12), END, Exposure::Fixed),
        ],
        fixed_in: "Percona Server 5.7.32-35 and 8.0.21-12",
    },
];

impl KnownBug {
    pub fn exposure(&self, version: Version) -> Exposure {
        self.ranges
            .iter()
            .find(|(from, to, _)| *from <= version && version < *to)
            .map_or(Exposure::Unknown, |(_, _, exposure)| *exposure)
    }
}

/// `5.7.31-log` → (5, 7, 31, 0), `8.0.21-12` → (8, 0, 21, 12), `10.11.6-MariaDB` →
/// (10, 11, 6, 0).
pub fn parse_version(text: &str) -> Option<Version> {
    let (numbers, suffix) = text.trim().split_once('-').unwrap_or((text.trim(), ""));
    let mut parts = numbers.split('.').map(|p| p.parse::<u32>().ok());
    let major = parts.next()??;
    let minor = parts.next()??;
    let patch = parts.next().flatten().unwrap_or(0);
    let build = suffix
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|b| b.parse().ok())
        .unwrap_or(0);
    Some((major, minor, patch, build))
}

/// The bugs of `class` for this server's product, with its exposure to each.
pub fn for_class(class: Class, server: &ServerEvidence) -> Vec<(&'static KnownBug, Exposure)> {
    let Some(product) = Product::of(server) else {
        return Vec::new();
    };
    let version = server.identity.version.as_deref().and_then(parse_version);
    KNOWN_BUGS
        .iter()
        .filter(|bug| bug.product == product && bug.classes.contains(&class))
        .map(|bug| (bug, version.map_or(Exposure::Unknown, |v| bug.exposure(v))))
        .collect()
}

/// Whether the server has any known bug of `class`: `Some(true)` affected, `Some(false)` every
/// listed bug fixed, `None` when the table cannot tell.
pub fn affected(class: Class, server: &ServerEvidence) -> Option<bool> {
    let bugs = for_class(class, server);
    if bugs.iter().any(|(_, e)| *e == Exposure::Affected) {
        Some(true)
    } else if !bugs.is_empty() && bugs.iter().all(|(_, e)| *e == Exposure::Fixed) {
        Some(false)
    } else {
        None
    }
}

/// Adds the known bugs of the finding's class on `server` to its facts (`known_bugs`: each
/// bug's id, whether this version has it, where it is fixed) and references.
pub fn attach(finding: &mut Finding, server: &ServerEvidence) {
    let bugs = for_class(finding.class, server);
    if bugs.is_empty() {
        return;
    }
    let facts: Vec<String> = bugs
        .iter()
        .map(|(bug, exposure)| {
            let exposure = match exposure {
                Exposure::Affected => "this version is affected",
                Exposure::Fixed => "fixed in this version",
                Exposure::Unknown => "not known for this version",
            };
            format!("{} ({exposure}; fixed in {})", bug.id, bug.fixed_in)
        })
        .collect();
    finding.facts.set("known_bugs", facts);
    if let Some(version) = &server.identity.version {
        finding.facts.set("version", version.clone());
    }
    if let Some(affected) = affected(finding.class, server) {
        finding.facts.set("version_has_known_bug", affected);
    }
    for (bug, _) in bugs {
        let title = if bug.duplicates.is_empty() {
            format!("{}: {}", bug.id, bug.summary)
        } else {
            let also = bug.duplicates.join(", ");
            format!("{} (also {also}): {}", bug.id, bug.summary)
        };
        if !finding.references.iter().any(|r| r.url == bug.url) {
            finding.references.push(Reference::new(title, bug.url));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Text;

    fn server(version: &str, comment: &str) -> ServerEvidence {
        let mut server = ServerEvidence::default();
        server.identity.version = Some(version.to_owned());
        if !comment.is_empty() {
            let origin = evidence::model::Provenance::pasted("-", 1, 1);
            server.variables.set("version_comment", comment, origin);
        }
        server
    }

    #[test]
    fn versions_with_builds() {
        assert_eq!(parse_version("5.7.31-log"), Some((5, 7, 31, 0)));
        assert_eq!(parse_version("8.0.21-12"), Some((8, 0, 21, 12)));
        assert_eq!(parse_version("10.11.6-MariaDB-log"), Some((10, 11, 6, 0)));
        assert_eq!(parse_version("8.0"), Some((8, 0, 0, 0)));
        assert_eq!(parse_version("garbage"), None);
    }

    #[test]
    fn commit_order_hang_by_product_and_version() {
        let class = Class::MtsCommitOrderHang;
        // Case 2 of the founding incidents: MySQL 5.7.31.
        assert_eq!(affected(class, &server("5.7.31-log", "")), Some(true));
        assert_eq!(affected(class, &server("8.0.22", "")), Some(true));
        assert_eq!(affected(class, &server("8.0.23", "")), Some(false));
        // After 5.7.32 the table does not know whether upstream 5.7 got the fix.
        assert_eq!(affected(class, &server("5.7.44", "")), None);
        // Percona fixed it in a build of its own.
        assert_eq!(affected(class, &server("8.0.21-11", "")), Some(true));
        assert_eq!(affected(class, &server("8.0.21-12", "")), Some(false));
        assert_eq!(
            affected(
                class,
                &server("5.7.32-35-log", "Percona Server (GPL), Release 35")
            ),
            Some(false)
        );
        // MariaDB's parallel replication is another design: no entry, no answer.
        assert_eq!(affected(class, &server("10.11.6-MariaDB", "")), None);
        assert!(for_class(class, &server("10.11.6-MariaDB", "")).is_empty());
    }

    #[test]
    fn attach_gives_facts_and_references_once() {
        let mut finding = Finding::new(
            Class::MtsCommitOrderHang,
            crate::Severity::Critical,
            crate::Confidence::High,
            Text::new("t", "t"),
        );
        let replica = server("5.7.31-log", "");
        attach(&mut finding, &replica);
        attach(&mut finding, &replica);
        assert_eq!(
            finding.facts.other["known_bugs"][0],
            "MySQL #99440 (this version is affected; fixed in MySQL 8.0.23)"
        );
        assert_eq!(
            finding.facts.other["known_bugs"].as_array().unwrap().len(),
            1
        );
        assert_eq!(finding.facts.other["version_has_known_bug"], true);
        assert_eq!(finding.references.len(), 1);
        assert!(finding.references[0].title.contains("#87796"));
    }
}
