//! Turning `--replica`/`--source` into live connections, for every command that talks to a
//! server.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use evidence::connect::{ServerIdentity, connect};
use evidence::dsn::{Dsn, Endpoint};
use evidence::option_file::ClientDefaults;

use crate::args::{ConnectionArgs, GlobalArgs};
use crate::failure::Failure;

/// Resolves a DSN given on the command line into an endpoint, using the option file and
/// `MYSQL_PWD` for what it leaves out. `role` names the server in errors.
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
    let defaults = ClientDefaults::load(Endpoint::option_file_for(&dsn, &fallback))?;
    let env_password = std::env::var("MYSQL_PWD").ok();
    Ok(Endpoint::resolve(&dsn, &defaults, env_password.as_deref()))
}

/// Connects to the replica and, when given, the source; returns a short description of what
/// answered ("replica 127.0.0.1:3306 (MariaDB 10.11.19, server_id 2)").
pub fn connect_all(connection: &ConnectionArgs, global: &GlobalArgs) -> Result<String, Failure> {
    let mut targets = Vec::new();
    if let Some(replica) = &connection.replica {
        targets.push(("replica", resolve(replica, "replica", connection)?));
    }
    if let Some(source) = &connection.source {
        targets.push(("source", resolve(source, "source", connection)?));
    }
    let timeout = Duration::from_secs(connection.connect_timeout.max(1));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut description = String::new();
    for (role, endpoint) in &targets {
        if global.verbose > 0 {
            eprintln!(
                "repldoctor: connecting to {role} {endpoint} as {}",
                endpoint.user
            );
        }
        let (conn, identity) = runtime.block_on(connect(endpoint, role, timeout))?;
        runtime.block_on(async {
            // Closing politely is a courtesy to the server; failing to is harmless here.
            let _ = conn.disconnect().await;
        });
        if !description.is_empty() {
            description.push_str(", ");
        }
        let _ = write!(description, "{role} {endpoint} ({})", summary(&identity));
    }
    Ok(description)
}

fn summary(identity: &ServerIdentity) -> String {
    format!(
        "{} {}, server_id {}",
        if identity.is_mariadb() {
            "MariaDB"
        } else {
            "MySQL"
        },
        identity.version.split('-').next().unwrap_or_default(),
        identity.server_id
    )
}
