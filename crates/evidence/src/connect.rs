//! Opening a connection to a server, with a time limit and an error that names the server and
//! never the password.

use std::time::Duration;

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, OptsBuilder};
use thiserror::Error;

use crate::dsn::Endpoint;

/// A server could not be reached or would not let us in.
#[derive(Debug, Error)]
#[error("cannot connect to {role} {server}: {reason}")]
pub struct ConnectError {
    /// What the server is to us: "replica", "source".
    pub role: String,
    /// `host:port` or the socket path.
    pub server: String,
    pub reason: String,
}

/// The first facts learnt from a server right after logging in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerIdentity {
    /// `@@version`, e.g. `10.11.19-MariaDB-0+deb12u1` or `8.0.36`.
    pub version: String,
    pub server_id: u64,
}

impl ServerIdentity {
    pub fn is_mariadb(&self) -> bool {
        self.version.contains("MariaDB")
    }
}

/// Connects to `endpoint`, giving up after `timeout`, and reads the server's identity.
pub async fn connect(
    endpoint: &Endpoint,
    role: &str,
    timeout: Duration,
) -> Result<(Conn, ServerIdentity), ConnectError> {
    let fail = |reason: String| ConnectError {
        role: role.to_owned(),
        server: endpoint.to_string(),
        reason: scrub(reason, endpoint),
    };
    let opts = OptsBuilder::default()
        .ip_or_hostname(endpoint.host.clone())
        .tcp_port(endpoint.port)
        .socket(
            endpoint
                .socket
                .as_ref()
                .map(|s| s.to_string_lossy().into_owned()),
        )
        .prefer_socket(false)
        .user(Some(endpoint.user.clone()))
        .pass(endpoint.password.as_ref().map(|p| p.expose().to_owned()))
        .wait_timeout(Some(timeout.as_secs().max(1) as usize * 60));
    let login = async {
        let mut conn = Conn::new(opts).await?;
        let row: Option<(String, u64)> = conn.query_first("SELECT @@version, @@server_id").await?;
        Ok::<_, mysql_async::Error>((conn, row))
    };
    match tokio::time::timeout(timeout, login).await {
        Err(_) => Err(fail(format!(
            "no answer within {} s (is the address right and the port open?)",
            timeout.as_secs_f32()
        ))),
        Ok(Err(err)) => Err(fail(describe(&err))),
        Ok(Ok((conn, row))) => {
            let (version, server_id) = row.unwrap_or_default();
            Ok((conn, ServerIdentity { version, server_id }))
        }
    }
}

/// One line a DBA recognises: the server's own error with its number, or the OS error.
fn describe(err: &mysql_async::Error) -> String {
    match err {
        mysql_async::Error::Server(server) => format!("error {}: {}", server.code, server.message),
        mysql_async::Error::Io(mysql_async::IoError::Io(io)) => io.to_string(),
        other => other.to_string(),
    }
}

/// Drivers and servers should never echo a password, but a message that did would end up on a
/// terminal or in a ticket: remove it whatever its origin. Very short passwords are left, as
/// replacing every occurrence of one or two characters would garble the message and hide little.
fn scrub(message: String, endpoint: &Endpoint) -> String {
    match &endpoint.password {
        Some(password) if password.expose().len() >= 3 => message.replace(password.expose(), "***"),
        _ => message,
    }
}
