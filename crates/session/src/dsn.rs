//! Where a server is and how to log in: DSNs, option files and `MYSQL_PWD`, resolved the way the
//! MySQL command-line tools do (the DSN wins over the option file, which wins over `MYSQL_PWD`).

use std::fmt;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::option_file::ClientDefaults;
use crate::tls::{SECURITY_OPTION_NAMES, SecurityOptions, ServerKeyPolicy, TlsOptions};

/// The port MySQL and MariaDB listen on unless told otherwise.
pub const DEFAULT_PORT: u16 = 3306;

/// A password that never shows itself: `Debug` and `Display` print `***`, so no log line, error
/// or bundle can carry it by accident.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Password(String);

impl Password {
    pub fn new(password: impl Into<String>) -> Self {
        Self(password.into())
    }

    /// The password itself, for the one place that needs it: the login handshake.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// What a DSN says; anything it leaves out comes from the option file or the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dsn {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub user: Option<String>,
    pub password: Option<Password>,
    pub socket: Option<PathBuf>,
    /// `F=` in the Percona-toolkit form: an option file for this server only.
    pub defaults_file: Option<PathBuf>,
    /// `ssl-mode`, `ssl-ca`, ... as URL parameters or keys.
    pub security: SecurityOptions,
}

/// A DSN that cannot be understood. The message names the part (the port, part 3, the URL
/// parameters) but never quotes the DSN: a password typed in the wrong place, or one with a
/// `,` or `?` in it that split the DSN, is not repeated on the screen.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("bad DSN: {reason}")]
pub struct DsnError {
    reason: String,
}

impl DsnError {
    fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }
}

impl Dsn {
    /// Parses `mysql://user:pass@host:port` (also `mariadb://`, with `?socket=PATH` and the
    /// MySQL client's `ssl-mode`, `ssl-ca`, `ssl-cert`, `ssl-key`, `get-server-public-key`,
    /// `server-public-key-path`), `h=host,P=port,u=user,p=pass,S=socket,F=file` (Percona
    /// toolkit, with the same `ssl-*` keys and `s=1` for TLS), or a bare `host[:port]`.
    pub fn parse(text: &str) -> Result<Self, DsnError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(DsnError::new("the DSN is empty"));
        }
        if let Some(scheme_end) = text.find("://") {
            return Self::parse_url(text, &text[..scheme_end]);
        }
        if text.contains('=') {
            return Self::parse_key_values(text);
        }
        Self::parse_host_port(text)
    }

    fn parse_url(text: &str, scheme: &str) -> Result<Self, DsnError> {
        if !matches!(scheme.to_ascii_lowercase().as_str(), "mysql" | "mariadb") {
            return Err(DsnError::new(
                "unknown scheme (expected mysql:// or mariadb://)",
            ));
        }
        // The url crate's own errors can quote the input; ours never do.
        let url = url::Url::parse(text).map_err(|_| {
            DsnError::new("not a valid URL of the form mysql://user:pass@host:port")
        })?;
        let mut dsn = Self::default();
        let host = url.host_str().unwrap_or_default();
        if !host.is_empty() {
            dsn.host = Some(host.trim_matches(['[', ']']).to_owned());
        }
        dsn.port = url.port();
        if dsn.port == Some(0) {
            return Err(port_error());
        }
        if !url.username().is_empty() {
            dsn.user = Some(percent_decode(url.username(), "user name")?);
        }
        if let Some(password) = url.password() {
            dsn.password = Some(Password::new(percent_decode(password, "password")?));
        }
        for (index, (key, value)) in url.query_pairs().enumerate() {
            if key == "socket" {
                dsn.socket = Some(PathBuf::from(value.as_ref()));
                continue;
            }
            let known = dsn.security.set(&key, Some(&value)).map_err(|reason| {
                DsnError::new(format!("URL parameter {}: {reason}", index + 1))
            })?;
            if !known {
                return Err(DsnError::new(format!(
                    "URL parameter {} is unknown (known: socket, {SECURITY_OPTION_NAMES})",
                    index + 1
                )));
            }
        }
        Ok(dsn)
    }

    fn parse_key_values(text: &str) -> Result<Self, DsnError> {
        let mut dsn = Self::default();
        for (index, part) in text.split(',').enumerate() {
            let Some((key, value)) = part.split_once('=') else {
                return Err(DsnError::new(format!(
                    "part {} has no '=' (expected key=value, e.g. h=host,P=3306,u=user)",
                    index + 1
                )));
            };
            let key = key.trim();
            let value = value.trim();
            match key {
                "h" => dsn.host = Some(value.to_owned()),
                "P" => dsn.port = Some(parse_port(value)?),
                "u" => dsn.user = Some(value.to_owned()),
                "p" => dsn.password = Some(Password::new(value)),
                "S" => dsn.socket = Some(PathBuf::from(value)),
                "F" => dsn.defaults_file = Some(PathBuf::from(value)),
                // Percona's "mysql_ssl": TLS without a certificate check.
                "s" => {
                    let mode = match value {
                        "1" => crate::tls::SslMode::Required,
                        "0" => crate::tls::SslMode::Disabled,
                        _ => {
                            return Err(DsnError::new(format!(
                                "part {}: s (TLS) is not 0 or 1",
                                index + 1
                            )));
                        }
                    };
                    dsn.security.ssl_mode = Some(mode);
                }
                // Percona tools accept these; they do not change where or how we log in.
                "D" | "t" | "A" => {}
                other => {
                    let known = dsn
                        .security
                        .set(other, Some(value))
                        .map_err(|reason| DsnError::new(format!("part {}: {reason}", index + 1)))?;
                    if !known {
                        return Err(DsnError::new(format!(
                            "part {} has an unknown key (known: h host, P port, u user, \
                             p password, S socket, F option file, s TLS, {SECURITY_OPTION_NAMES})",
                            index + 1
                        )));
                    }
                }
            }
        }
        Ok(dsn)
    }

    fn parse_host_port(text: &str) -> Result<Self, DsnError> {
        if text.contains(['@', '/', ' ']) {
            return Err(DsnError::new(
                "expected mysql://user:pass@host:port, h=host,P=port,u=user or host:port",
            ));
        }
        let (host, port) = match text.rsplit_once(':') {
            Some((host, port)) if !host.contains(':') => (host, Some(parse_port(port)?)),
            _ => (text, None),
        };
        Ok(Self {
            host: Some(host.to_owned()),
            port,
            ..Self::default()
        })
    }
}

fn parse_port(text: &str) -> Result<u16, DsnError> {
    match text.parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(port_error()),
    }
}

/// The port's text is not quoted: in `user:password@host` mistyped without a scheme, the
/// "port" is the password.
fn port_error() -> DsnError {
    DsnError::new("the port is not a number from 1 to 65535")
}

fn percent_decode(text: &str, what: &str) -> Result<String, DsnError> {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .map(|decoded| decoded.into_owned())
        .map_err(|_| DsnError::new(format!("the {what} is not valid UTF-8 once %-decoded")))
}

/// Everything needed to open a connection, after the DSN, the option file and the environment
/// have been combined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: Option<Password>,
    /// When set, the connection goes through this Unix socket instead of TCP.
    pub socket: Option<PathBuf>,
    pub tls: TlsOptions,
    pub server_key: ServerKeyPolicy,
}

impl Endpoint {
    /// Combines the sources in the MySQL clients' order of precedence: the DSN, then the option
    /// file's `[client]` group, then `MYSQL_PWD` (password only), then the defaults
    /// (127.0.0.1:3306, the login name of the current user, `ssl-mode=PREFERRED`).
    pub fn resolve(dsn: &Dsn, defaults: &ClientDefaults, env_password: Option<&str>) -> Self {
        let socket = dsn.socket.clone().or_else(|| {
            // An option-file socket applies only when the DSN names no TCP host of its own.
            dsn.host
                .is_none()
                .then(|| defaults.socket.clone())
                .flatten()
        });
        let (tls, server_key) = dsn.security.or(&defaults.security).resolve();
        Self {
            host: dsn
                .host
                .clone()
                .or_else(|| defaults.host.clone())
                .unwrap_or_else(|| "127.0.0.1".to_owned()),
            port: dsn.port.or(defaults.port).unwrap_or(DEFAULT_PORT),
            user: dsn
                .user
                .clone()
                .or_else(|| defaults.user.clone())
                .or_else(|| std::env::var("USER").ok())
                .unwrap_or_else(|| "root".to_owned()),
            password: dsn
                .password
                .clone()
                .or_else(|| defaults.password.clone())
                .or_else(|| env_password.map(Password::new)),
            socket,
            tls,
            server_key,
        }
    }

    /// The option file a DSN points at with `F=`, if any, else the one given.
    pub fn option_file_for<'a>(dsn: &'a Dsn, fallback: &'a Path) -> &'a Path {
        dsn.defaults_file.as_deref().unwrap_or(fallback)
    }
}

impl fmt::Display for Endpoint {
    /// `host:port`, or the socket path: how a DBA names a server in an error.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.socket {
            Some(socket) => write!(f, "{} (socket)", socket.display()),
            None if self.host.contains(':') => write!(f, "[{}]:{}", self.host, self.port),
            None => write!(f, "{}:{}", self.host, self.port),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_form_with_encoded_password() {
        let dsn = Dsn::parse("mysql://repl:p%40ss%3Aword@db1.example:3307").unwrap();
        assert_eq!(dsn.host.as_deref(), Some("db1.example"));
        assert_eq!(dsn.port, Some(3307));
        assert_eq!(dsn.user.as_deref(), Some("repl"));
        assert_eq!(dsn.password.unwrap().expose(), "p@ss:word");
    }

    #[test]
    fn url_form_with_socket_and_ipv6() {
        let dsn = Dsn::parse("mariadb://root@[::1]?socket=/run/mysqld/mysqld.sock").unwrap();
        assert_eq!(dsn.host.as_deref(), Some("::1"));
        assert_eq!(dsn.socket, Some(PathBuf::from("/run/mysqld/mysqld.sock")));
        assert_eq!(dsn.password, None);
    }

    #[test]
    fn percona_form() {
        let dsn = Dsn::parse("h=10.0.0.5,P=3308,u=monitor,p=s3cret,S=/tmp/m.sock,D=test").unwrap();
        assert_eq!(dsn.host.as_deref(), Some("10.0.0.5"));
        assert_eq!(dsn.port, Some(3308));
        assert_eq!(dsn.user.as_deref(), Some("monitor"));
        assert_eq!(dsn.password.unwrap().expose(), "s3cret");
        assert_eq!(dsn.socket, Some(PathBuf::from("/tmp/m.sock")));
    }

    #[test]
    fn bare_host_and_port() {
        let dsn = Dsn::parse("replica-1:3310").unwrap();
        assert_eq!(dsn.host.as_deref(), Some("replica-1"));
        assert_eq!(dsn.port, Some(3310));
    }

    #[test]
    fn errors_never_quote_the_password() {
        for bad in [
            "h=db,p=topsecret,Q=1",
            "h=db,p=topsecret,P=99999",
            "postgres://u:topsecret@db",
            "mysql://u:topsecret@db?sslmode=1",
            "h=db,p=topsecret,junk",
            "u:topsecret@db",
        ] {
            let err = Dsn::parse(bad).unwrap_err().to_string();
            assert!(!err.contains("topsecret"), "{bad} gave {err}");
            assert!(err.starts_with("bad DSN: "), "{err}");
        }
    }

    #[test]
    fn precedence_dsn_then_option_file_then_environment() {
        let defaults = ClientDefaults {
            user: Some("filed".into()),
            password: Some(Password::new("from-file")),
            port: Some(3310),
            ..ClientDefaults::default()
        };
        let dsn = Dsn::parse("h=db,u=given").unwrap();
        let endpoint = Endpoint::resolve(&dsn, &defaults, Some("from-env"));
        assert_eq!(endpoint.user, "given");
        assert_eq!(endpoint.port, 3310);
        assert_eq!(endpoint.password.unwrap().expose(), "from-file");

        let endpoint = Endpoint::resolve(&dsn, &ClientDefaults::default(), Some("from-env"));
        assert_eq!(endpoint.password.as_ref().unwrap().expose(), "from-env");
        assert_eq!(endpoint.to_string(), "db:3306");
    }

    #[test]
    fn debug_output_hides_the_password() {
        let dsn = Dsn::parse("mysql://u:hunter22@h").unwrap();
        assert!(!format!("{dsn:?}").contains("hunter22"));
    }
}
