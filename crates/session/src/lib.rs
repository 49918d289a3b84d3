//! The one way repldoctor talks to a server.
//!
//! - [`dsn`] and [`option_file`]: where a server is and how to log in (DSNs in URL and
//!   Percona-toolkit form, `~/.my.cnf`, `MYSQL_PWD`), errors that name the server but never the
//!   password.
//! - [`Session`]: one login with a connect and a statement time limit, the server identified
//!   once ([`ServerIdentity`], [`Dialect`]), and every statement sent on that one connection.
//!   A session never reconnects behind its caller's back: statements that must share a
//!   connection (`SET GTID_NEXT` ... `COMMIT`, `SET sql_log_bin = 0` ...) cannot be split, and
//!   [`Session::connection_id`] proves it.
//! - [`tls`]: `--ssl-mode` and its files, as the MySQL client has them (PREFERRED unless told
//!   otherwise), and what a connection negotiated ([`Session::tls`]). A password never leaves
//!   on a connection that is neither TLS nor a Unix socket unless the user allowed the server's
//!   RSA key (`--get-server-public-key`, `--server-public-key-path`): TCP logins go through a
//!   loopback guard that watches the login packets and cuts the connection before one could.
//! - What is sent is listed in `dialect::catalogue`, each statement with its privilege; a
//!   statement refused for want of one is a [`StatementError::Denied`].
//!
//! Used by the collector (and so `collect` and `diagnose --replica`), `gtid compare`, and next by
//! `fix` and `watch`.

pub mod dsn;
mod guard;
pub mod option_file;
mod session;
pub mod tls;

pub use dialect::{Dialect, Flavor, Fork, Version};
pub use evidence::model::ServerIdentity;
pub use session::{ConnectError, Rows, Session, StatementError, Timeouts};
pub use tls::{SslMode, TlsInfo};
