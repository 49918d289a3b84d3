//! Turning `--replica`/`--source` into live connections, for every command that talks to a
//! server.

use std::path::PathBuf;

use session::dsn::{Dsn, Endpoint};
use session::option_file::ClientDefaults;

use crate::args::ConnectionArgs;
use crate::failure::Failure;

/// Resolves a DSN given on the command line into an endpoint, using the `--ssl-*` flags, the
/// option file and `MYSQL_PWD` for what it leaves out. `role` names the server in errors.
pub fn resolve(
    dsn_text: &str,
    role: &str,
    connection: &ConnectionArgs,
) -> Result<Endpoint, Failure> {
    let dsn = Dsn::parse(dsn_text).map_err(|err| Failure::new(format!("--{role}: {err}")))?;
    let fallback = connection
        .defaults_file
        .clone()
        .or_else(ClientDefaults::default_path)
        .unwrap_or_else(|| PathBuf::from(".my.cnf"));
    let mut defaults = ClientDefaults::load(Endpoint::option_file_for(&dsn, &fallback))?;
    defaults.security = connection.security.options().or(&defaults.security);
    let env_password = std::env::var("MYSQL_PWD").ok();
    Ok(Endpoint::resolve(&dsn, &defaults, env_password.as_deref()))
}

/// `--connect-timeout` and `--query-timeout`, at least a second each.
pub fn timeouts(connection: &ConnectionArgs) -> session::Timeouts {
    session::Timeouts {
        connect: std::time::Duration::from_secs(connection.connect_timeout.max(1)),
        statement: std::time::Duration::from_secs(connection.query_timeout.max(1)),
    }
}
