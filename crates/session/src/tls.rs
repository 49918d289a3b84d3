//! TLS and the server's RSA key: what the user asked for (the MySQL client's `--ssl-mode`,
//! `--ssl-ca`, `--ssl-cert`, `--ssl-key`, `--get-server-public-key`,
//! `--server-public-key-path`), and what a connection got.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Files repldoctor reads for a login (option files, certificates, keys) are small: a bigger one
/// is a mistake (or `/dev/zero`), not something to read to the end.
pub const MAX_LOGIN_FILE_BYTES: u64 = 1 << 20;

/// How much TLS a connection needs, as the MySQL client's `--ssl-mode` says it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SslMode {
    /// Never TLS.
    Disabled,
    /// TLS when the server offers it, the certificate not checked.
    #[default]
    Preferred,
    /// TLS or no connection, the certificate not checked.
    Required,
    /// TLS with a certificate signed by the CA (`--ssl-ca`), whatever name it is for.
    VerifyCa,
    /// TLS with a certificate signed by the CA and made out to the host connected to.
    VerifyIdentity,
}

impl SslMode {
    pub const NAMES: &'static str = "DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY";

    /// Whether a connection without TLS is refused.
    pub fn requires_tls(self) -> bool {
        !matches!(self, SslMode::Disabled | SslMode::Preferred)
    }
}

/// An `ssl-mode` that is none of the five. The value is not repeated: it may have been typed in
/// the wrong place and be a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the ssl-mode is not one of {}", SslMode::NAMES)]
pub struct UnknownSslMode;

impl FromStr for SslMode {
    type Err = UnknownSslMode;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_uppercase().replace('-', "_").as_str() {
            "DISABLED" => Ok(SslMode::Disabled),
            "PREFERRED" => Ok(SslMode::Preferred),
            "REQUIRED" => Ok(SslMode::Required),
            "VERIFY_CA" => Ok(SslMode::VerifyCa),
            "VERIFY_IDENTITY" => Ok(SslMode::VerifyIdentity),
            _ => Err(UnknownSslMode),
        }
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SslMode::Disabled => "DISABLED",
            SslMode::Preferred => "PREFERRED",
            SslMode::Required => "REQUIRED",
            SslMode::VerifyCa => "VERIFY_CA",
            SslMode::VerifyIdentity => "VERIFY_IDENTITY",
        })
    }
}

/// The TLS a login asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    pub mode: SslMode,
    /// CA certificates (PEM) the server's certificate must chain to (VERIFY_CA,
    /// VERIFY_IDENTITY); without it, the public web roots.
    pub ca: Option<PathBuf>,
    /// A client certificate (PEM) and its key, for accounts that `REQUIRE X509`.
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

/// When a password may be sent encrypted under the server's RSA key on a connection that is
/// neither TLS nor a Unix socket (caching_sha2_password full authentication, sha256_password).
/// By default it may not: whoever answers at the address could hand over a key of their own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerKeyPolicy {
    /// `--get-server-public-key`: trust the key the server sends.
    pub get_server_public_key: bool,
    /// `--server-public-key-path`: only this key (PEM) is trusted.
    pub server_public_key_path: Option<PathBuf>,
}

/// What a connection negotiated: TLS, with the version and cipher the server reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsInfo {
    /// `Ssl_version`, e.g. `TLSv1.3`; `None` when the server would not say.
    pub version: Option<String>,
    /// `Ssl_cipher`, e.g. `TLS_AES_256_GCM_SHA384`.
    pub cipher: Option<String>,
}

impl fmt::Display for TlsInfo {
    /// `TLSv1.3 TLS_AES_256_GCM_SHA384`, or `TLS` when the server did not say which.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.version, &self.cipher) {
            (None, None) => f.write_str("TLS"),
            (version, cipher) => {
                let parts: Vec<&str> = [version, cipher]
                    .into_iter()
                    .flatten()
                    .map(String::as_str)
                    .collect();
                f.write_str(&parts.join(" "))
            }
        }
    }
}

/// The TLS and server-key options one source (a DSN, an option file, the command line) gives;
/// what it leaves out comes from the next source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecurityOptions {
    pub ssl_mode: Option<SslMode>,
    pub ssl_ca: Option<PathBuf>,
    pub ssl_cert: Option<PathBuf>,
    pub ssl_key: Option<PathBuf>,
    pub get_server_public_key: Option<bool>,
    pub server_public_key_path: Option<PathBuf>,
}

/// Names and spellings as the MySQL client has them (`_` and `-` alike).
pub const SECURITY_OPTION_NAMES: &str =
    "ssl-mode, ssl-ca, ssl-cert, ssl-key, get-server-public-key, server-public-key-path";

impl SecurityOptions {
    /// Sets the option `name` (a MySQL client option name) to `value`; `Ok(false)` when `name`
    /// is none of [`SECURITY_OPTION_NAMES`]. `None` is a bare flag (`get-server-public-key`
    /// alone in an option file). Errors name the option, never the value.
    pub fn set(&mut self, name: &str, value: Option<&str>) -> Result<bool, String> {
        let name = name.trim().to_ascii_lowercase().replace('_', "-");
        let path = |value: Option<&str>| match value.map(str::trim) {
            Some(path) if !path.is_empty() => Ok(PathBuf::from(path)),
            _ => Err(format!("{name} needs a file name")),
        };
        match name.as_str() {
            "ssl-mode" => {
                let mode = value
                    .unwrap_or_default()
                    .parse()
                    .map_err(|err| format!("{err}"))?;
                self.ssl_mode = Some(mode);
            }
            "ssl-ca" => self.ssl_ca = Some(path(value)?),
            "ssl-cert" => self.ssl_cert = Some(path(value)?),
            "ssl-key" => self.ssl_key = Some(path(value)?),
            "server-public-key-path" => self.server_public_key_path = Some(path(value)?),
            "get-server-public-key" => {
                let on = match value.map(|v| v.trim().to_ascii_lowercase()) {
                    None => true,
                    Some(v) if matches!(v.as_str(), "" | "1" | "true" | "on" | "yes") => true,
                    Some(v) if matches!(v.as_str(), "0" | "false" | "off" | "no") => false,
                    Some(_) => return Err(format!("{name} is not 0 or 1")),
                };
                self.get_server_public_key = Some(on);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Each option from `self`, else from `fallback`.
    pub fn or(&self, fallback: &SecurityOptions) -> SecurityOptions {
        SecurityOptions {
            ssl_mode: self.ssl_mode.or(fallback.ssl_mode),
            ssl_ca: self.ssl_ca.clone().or_else(|| fallback.ssl_ca.clone()),
            ssl_cert: self.ssl_cert.clone().or_else(|| fallback.ssl_cert.clone()),
            ssl_key: self.ssl_key.clone().or_else(|| fallback.ssl_key.clone()),
            get_server_public_key: self
                .get_server_public_key
                .or(fallback.get_server_public_key),
            server_public_key_path: self
                .server_public_key_path
                .clone()
                .or_else(|| fallback.server_public_key_path.clone()),
        }
    }

    /// What a login uses. As the MySQL client does, a CA given without a mode means VERIFY_CA.
    pub fn resolve(&self) -> (TlsOptions, ServerKeyPolicy) {
        let mode = self.ssl_mode.unwrap_or(if self.ssl_ca.is_some() {
            SslMode::VerifyCa
        } else {
            SslMode::Preferred
        });
        (
            TlsOptions {
                mode,
                ca: self.ssl_ca.clone(),
                cert: self.ssl_cert.clone(),
                key: self.ssl_key.clone(),
            },
            ServerKeyPolicy {
                get_server_public_key: self.get_server_public_key.unwrap_or(false),
                server_public_key_path: self.server_public_key_path.clone(),
            },
        )
    }
}

/// Reads a small login file (option file, certificate, key): a regular file of at most
/// [`MAX_LOGIN_FILE_BYTES`]. A device or FIFO is refused before it is opened, so `/dev/zero` or a
/// pipe cannot make us read forever. The error names the problem, never the content.
pub fn read_login_file(path: &Path) -> Result<Vec<u8>, std::io::Error> {
    use std::io::{Error, ErrorKind};
    let metadata = std::fs::metadata(path)?;
    if !metadata.is_file() {
        return Err(Error::new(ErrorKind::InvalidInput, "not a regular file"));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_LOGIN_FILE_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_LOGIN_FILE_BYTES {
        return Err(Error::new(
            ErrorKind::InvalidData,
            format!(
                "larger than the {} MiB allowed for a login file",
                MAX_LOGIN_FILE_BYTES >> 20
            ),
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_as_the_mysql_client_spells_them() {
        assert_eq!("verify_ca".parse(), Ok(SslMode::VerifyCa));
        assert_eq!("VERIFY-IDENTITY".parse(), Ok(SslMode::VerifyIdentity));
        assert_eq!("DISABLED".parse(), Ok(SslMode::Disabled));
        assert_eq!("S3cretPass".parse::<SslMode>(), Err(UnknownSslMode));
        assert!(!UnknownSslMode.to_string().contains("S3cret"));
        assert_eq!(SslMode::default(), SslMode::Preferred);
    }

    #[test]
    fn special_and_oversized_files_are_refused() {
        let err = read_login_file(Path::new("/dev/zero")).unwrap_err();
        assert_eq!(err.to_string(), "not a regular file");
        let big = tempfile_path("big");
        std::fs::write(&big, vec![b'#'; (MAX_LOGIN_FILE_BYTES + 1) as usize]).unwrap();
        let err = read_login_file(&big).unwrap_err();
        std::fs::remove_file(&big).unwrap();
        assert!(err.to_string().contains("1 MiB"), "{err}");
    }

    fn tempfile_path(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("repldoctor-tls-{name}-{}", std::process::id()))
    }
}
