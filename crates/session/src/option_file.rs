//! The `[client]` group of a MySQL option file (`~/.my.cnf`), read the way the MySQL clients read
//! it: `key = value` lines, `#`/`;` comments, quoted values, `-` and `_` alike in names,
//! `!include` of another file. repldoctor also reads a `[repldoctor]` group, which wins.
//! Errors name the file, the line and the option, never a value: a line that does not parse
//! may be a password.

use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::dsn::Password;
use crate::tls::{SecurityOptions, read_login_file};

/// How deep `!include` may nest before we call it a loop.
const MAX_INCLUDE_DEPTH: usize = 8;

/// Login defaults from an option file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientDefaults {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub user: Option<String>,
    pub password: Option<Password>,
    pub socket: Option<PathBuf>,
    /// `ssl-mode`, `ssl-ca`, `ssl-cert`, `ssl-key`, `get-server-public-key`,
    /// `server-public-key-path`.
    pub security: SecurityOptions,
}

#[derive(Debug, Error)]
pub enum OptionFileError {
    /// Unreadable, not a regular file, or larger than `tls::MAX_LOGIN_FILE_BYTES`.
    #[error("cannot read option file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("option file {path}, line {line}: {reason}")]
    Syntax {
        path: PathBuf,
        line: usize,
        reason: String,
    },
}

impl ClientDefaults {
    /// Reads the option file at `path`. A missing file is no error (most hosts have no
    /// `~/.my.cnf`); an unreadable or malformed one is.
    pub fn load(path: &Path) -> Result<Self, OptionFileError> {
        let mut defaults = Self::default();
        if path.exists() {
            defaults.read_file(path, 0, None)?;
        }
        Ok(defaults)
    }

    /// Reads the option file at `path` as [`ClientDefaults::load`] does, then its `[group]`,
    /// which wins (as mysqld_exporter's `auth_module` names a group of its `.my.cnf`). The file
    /// and the group must exist: a credentials reference that names nothing is a mistake.
    pub fn load_group(path: &Path, group: &str) -> Result<Self, OptionFileError> {
        let mut defaults = Self::default();
        defaults.read_file(path, 0, None)?;
        if !defaults.read_file(path, 0, Some(group))? {
            return Err(OptionFileError::Syntax {
                path: path.to_owned(),
                line: 0,
                reason: format!("there is no [{group}] group"),
            });
        }
        Ok(defaults)
    }

    /// The default option file: `$HOME/.my.cnf`.
    pub fn default_path() -> Option<PathBuf> {
        std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".my.cnf"))
    }

    /// Reads `group`, or `[client]` and `[repldoctor]` when `None`; says whether the file (or
    /// one it includes) has such a group.
    fn read_file(
        &mut self,
        path: &Path,
        depth: usize,
        group: Option<&str>,
    ) -> Result<bool, OptionFileError> {
        let bytes = read_login_file(path).map_err(|source| OptionFileError::Read {
            path: path.to_owned(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|_| OptionFileError::Read {
            path: path.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"),
        })?;
        self.read_text(&text, path, depth, group)
    }

    fn read_text(
        &mut self,
        text: &str,
        path: &Path,
        depth: usize,
        group: Option<&str>,
    ) -> Result<bool, OptionFileError> {
        let syntax = |line: usize, reason: String| OptionFileError::Syntax {
            path: path.to_owned(),
            line,
            reason,
        };
        let mut in_our_group = false;
        let mut found = false;
        for (index, raw) in text.lines().enumerate() {
            let line_number = index + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with(['#', ';']) {
                continue;
            }
            if let Some(target) = line.strip_prefix("!include ") {
                if depth >= MAX_INCLUDE_DEPTH {
                    return Err(syntax(line_number, "!include nests too deep".into()));
                }
                let target = path.parent().unwrap_or(Path::new(".")).join(target.trim());
                found |= self.read_file(&target, depth + 1, group)?;
                continue;
            }
            if line.starts_with('!') {
                // !includedir and future directives: the clients skip what they do not need.
                continue;
            }
            if let Some(header) = line.strip_prefix('[') {
                let Some(name) = header.strip_suffix(']') else {
                    return Err(syntax(
                        line_number,
                        "a group header must end with ']'".into(),
                    ));
                };
                in_our_group = match group {
                    Some(group) => name.trim() == group,
                    None => matches!(name.trim(), "client" | "repldoctor"),
                };
                found |= in_our_group;
                continue;
            }
            if !in_our_group {
                continue;
            }
            let (name, value) = match line.split_once('=') {
                Some((name, value)) => (name.trim(), Some(unquote(value.trim()))),
                None => (line, None),
            };
            let name = name.replace('_', "-");
            if self
                .security
                .set(&name, value.as_deref())
                .map_err(|reason| syntax(line_number, reason))?
            {
                continue;
            }
            let Some(value) = value else {
                // `password` with no value means "ask"; we never prompt, so it sets nothing.
                continue;
            };
            match name.as_str() {
                "host" => self.host = Some(value),
                "user" => self.user = Some(value),
                "password" => self.password = Some(Password::new(value)),
                "socket" => self.socket = Some(PathBuf::from(value)),
                "port" => {
                    let port = value.parse::<u16>().ok().filter(|port| *port > 0);
                    let port = port.ok_or_else(|| {
                        syntax(line_number, "port is not a number from 1 to 65535".into())
                    })?;
                    self.port = Some(port);
                }
                _ => {}
            }
        }
        Ok(found)
    }
}

/// Strips one pair of matching quotes and an unquoted trailing comment.
fn unquote(value: &str) -> String {
    for quote in ['"', '\''] {
        if let Some(inner) = value.strip_prefix(quote)
            && let Some(end) = inner.find(quote)
        {
            return inner[..end].to_owned();
        }
    }
    match value.find(" #") {
        Some(comment) => value[..comment].trim_end().to_owned(),
        None => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> ClientDefaults {
        let mut defaults = ClientDefaults::default();
        defaults
            .read_text(text, Path::new("/test/my.cnf"), 0, None)
            .unwrap();
        defaults
    }

    #[test]
    fn reads_client_group_only() {
        let defaults = parse(
            "[mysqld]\nport=3307\nuser=mysql\n\n[client]\n# comment\nuser = monitor\n\
             password = \"se cret#1\"\nport=3310\nsocket=/run/mysqld/mysqld.sock\n[mysql]\nuser=x\n",
        );
        assert_eq!(defaults.user.as_deref(), Some("monitor"));
        assert_eq!(defaults.password.unwrap().expose(), "se cret#1");
        assert_eq!(defaults.port, Some(3310));
        assert_eq!(
            defaults.socket.as_deref(),
            Some(Path::new("/run/mysqld/mysqld.sock"))
        );
    }

    #[test]
    fn a_named_group_wins_over_client() {
        let text = "[client]\nuser=root\nport=3310\n[client.replicas]\nuser=monitor\n";
        let mut defaults = parse(text);
        let found = defaults
            .read_text(text, Path::new("/test/my.cnf"), 0, Some("client.replicas"))
            .unwrap();
        assert!(found);
        assert_eq!(defaults.user.as_deref(), Some("monitor"));
        assert_eq!(defaults.port, Some(3310));
        let missing = defaults.read_text(text, Path::new("/test/my.cnf"), 0, Some("nope"));
        assert!(!missing.unwrap());
    }

    #[test]
    fn repldoctor_group_and_bare_password() {
        let defaults = parse("[client]\npassword\nhost=db1 # primary\n[repldoctor]\nhost=db2\n");
        assert_eq!(defaults.password, None);
        assert_eq!(defaults.host.as_deref(), Some("db2"));
    }

    #[test]
    fn bad_port_names_the_line() {
        let mut defaults = ClientDefaults::default();
        let err = defaults
            .read_text("[client]\nport=abc\n", Path::new("/x/my.cnf"), 0, None)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "option file /x/my.cnf, line 2: port is not a number from 1 to 65535"
        );
    }

    #[test]
    fn include_is_followed() {
        let dir = std::env::temp_dir().join(format!("repldoctor-cnf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("extra.cnf"), "[client]\nuser=included\n").unwrap();
        std::fs::write(
            dir.join("my.cnf"),
            "!include extra.cnf\n[client]\nport=3399\n",
        )
        .unwrap();
        let defaults = ClientDefaults::load(&dir.join("my.cnf")).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(defaults.user.as_deref(), Some("included"));
        assert_eq!(defaults.port, Some(3399));
    }

    #[test]
    fn missing_file_is_empty_defaults() {
        let defaults = ClientDefaults::load(Path::new("/nonexistent/.my.cnf")).unwrap();
        assert_eq!(defaults, ClientDefaults::default());
    }
}
