//! A server's version, read once from `@@version` (and its fork from `@@version_comment`).

use serde::{Deserialize, Serialize};

/// Which server software.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flavor {
    /// Oracle MySQL and Percona Server for MySQL.
    Mysql,
    Mariadb,
}

/// Who built the server, where it matters (a known bug of Percona Server, its own options).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fork {
    Oracle,
    Percona,
    Mariadb,
}

impl Fork {
    /// The fork a server names in `@@version_comment` (`Percona Server (GPL), Release 28`,
    /// `MySQL Community Server - GPL`, `Debian 12`, `mariadb.org binary distribution`), given
    /// its flavor.
    pub fn from_comment(flavor: Flavor, version_comment: &str) -> Fork {
        Fork::detect(flavor, "", version_comment)
    }

    /// The fork from `@@version` and `@@version_comment` (either may be empty): Percona Server
    /// says so in its comment and prints its build after the release (`8.0.21-12`, all digits,
    /// where distributions print `8.0.36-0ubuntu0.22.04.1` and Oracle `-log` or nothing).
    pub fn detect(flavor: Flavor, version: &str, version_comment: &str) -> Fork {
        let percona_build = version
            .split('-')
            .nth(1)
            .is_some_and(|build| !build.is_empty() && build.bytes().all(|b| b.is_ascii_digit()));
        match flavor {
            Flavor::Mariadb => Fork::Mariadb,
            Flavor::Mysql
                if percona_build || version_comment.to_ascii_lowercase().contains("percona") =>
            {
                Fork::Percona
            }
            Flavor::Mysql => Fork::Oracle,
        }
    }
}

/// A release: flavor and `(major, minor, patch)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Version {
    pub flavor: Flavor,
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl Version {
    /// Reads `@@version` as servers print it: `8.0.36`, `5.7.31-log`, `8.0.20-11` (Percona),
    /// `10.11.19-MariaDB-0+deb12u1`, `5.5.5-10.6.4-MariaDB` (the prefix some MariaDB builds
    /// and proxies show old clients). `None` unless it starts with at least `major.minor`.
    pub fn parse(version: &str) -> Option<Version> {
        let version = version.trim();
        let flavor = if version.to_ascii_lowercase().contains("mariadb") {
            Flavor::Mariadb
        } else {
            Flavor::Mysql
        };
        let version = match flavor {
            Flavor::Mariadb => version.strip_prefix("5.5.5-").unwrap_or(version),
            Flavor::Mysql => version,
        };
        let release = version
            .split(|c: char| !c.is_ascii_digit() && c != '.')
            .next()
            .unwrap_or_default();
        let mut numbers = release.split('.').map(|n| n.parse::<u32>().ok());
        let major = numbers.next()??;
        let minor = numbers.next()??;
        let patch = numbers.next().flatten().unwrap_or(0);
        Some(Version {
            flavor,
            major,
            minor,
            patch,
        })
    }

    /// A MySQL release, for tests and tables.
    pub const fn mysql(major: u32, minor: u32, patch: u32) -> Version {
        Version {
            flavor: Flavor::Mysql,
            major,
            minor,
            patch,
        }
    }

    /// A MariaDB release, for tests and tables.
    pub const fn mariadb(major: u32, minor: u32, patch: u32) -> Version {
        Version {
            flavor: Flavor::Mariadb,
            major,
            minor,
            patch,
        }
    }

    pub fn triple(&self) -> (u32, u32, u32) {
        (self.major, self.minor, self.patch)
    }

    pub fn is_mariadb(&self) -> bool {
        self.flavor == Flavor::Mariadb
    }

    /// This flavor at this release or later.
    pub fn at_least(&self, major: u32, minor: u32, patch: u32) -> bool {
        self.triple() >= (major, minor, patch)
    }

    /// MySQL (not MariaDB) at this release or later.
    pub fn mysql_at_least(&self, major: u32, minor: u32, patch: u32) -> bool {
        self.flavor == Flavor::Mysql && self.at_least(major, minor, patch)
    }

    /// MariaDB at this release or later.
    pub fn mariadb_at_least(&self, major: u32, minor: u32, patch: u32) -> bool {
        self.flavor == Flavor::Mariadb && self.at_least(major, minor, patch)
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self.flavor {
            Flavor::Mysql => "MySQL",
            Flavor::Mariadb => "MariaDB",
        };
        write!(f, "{name} {}.{}.{}", self.major, self.minor, self.patch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_as_servers_print_them() {
        let cases = [
            ("8.0.36", Some(Version::mysql(8, 0, 36))),
            ("5.7.31-log", Some(Version::mysql(5, 7, 31))),
            ("8.0.20-11", Some(Version::mysql(8, 0, 20))),
            ("8.4.3", Some(Version::mysql(8, 4, 3))),
            ("9.1.0-commercial", Some(Version::mysql(9, 1, 0))),
            (
                "10.11.19-MariaDB-0+deb12u1",
                Some(Version::mariadb(10, 11, 19)),
            ),
            ("10.6.4-MariaDB-log", Some(Version::mariadb(10, 6, 4))),
            ("5.5.5-10.6.4-MariaDB", Some(Version::mariadb(10, 6, 4))),
            ("11.4.2-MariaDB-ubu2404", Some(Version::mariadb(11, 4, 2))),
            ("8.0", Some(Version::mysql(8, 0, 0))),
            ("", None),
            ("8", None),
            ("MariaDB", None),
            ("v8.0.1", None),
            ("99999999999.1.1", None),
        ];
        for (text, expected) in cases {
            assert_eq!(Version::parse(text), expected, "{text:?}");
        }
    }

    #[test]
    fn forks_from_the_version_comment() {
        assert_eq!(
            Fork::from_comment(
                Flavor::Mysql,
                "Percona Server (GPL), Release 28, Revision 47601f19"
            ),
            Fork::Percona
        );
        assert_eq!(
            Fork::from_comment(Flavor::Mysql, "MySQL Community Server - GPL"),
            Fork::Oracle
        );
        assert_eq!(
            Fork::from_comment(Flavor::Mariadb, "Debian 12"),
            Fork::Mariadb
        );
        assert_eq!(Fork::detect(Flavor::Mysql, "8.0.21-12", ""), Fork::Percona);
        assert_eq!(
            Fork::detect(Flavor::Mysql, "8.0.21-12-log", ""),
            Fork::Percona
        );
        assert_eq!(
            Fork::detect(Flavor::Mysql, "8.0.36-0ubuntu0.22.04.1", "(Ubuntu)"),
            Fork::Oracle
        );
        assert_eq!(Fork::detect(Flavor::Mysql, "5.7.31-log", ""), Fork::Oracle);
    }

    #[test]
    fn release_comparisons_keep_to_their_flavor() {
        let maria = Version::mariadb(10, 11, 6);
        assert!(maria.at_least(10, 5, 2));
        assert!(!maria.mysql_at_least(8, 0, 22));
        assert!(Version::mysql(8, 0, 22).mysql_at_least(8, 0, 22));
        assert!(!Version::mysql(8, 0, 21).mysql_at_least(8, 0, 22));
        assert_eq!(maria.to_string(), "MariaDB 10.11.6");
    }
}
