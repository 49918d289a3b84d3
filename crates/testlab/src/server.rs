//! One `mariadbd` process: its option file, start, readiness, SQL, stop by pid.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, OptsBuilder, Row, Value};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::error::LabError;
use crate::status::SlaveStatus;
use crate::template::{find_program, tail};

/// The account replicas log in to their source with.
pub const REPLICATION_USER: &str = "repl";
pub const REPLICATION_PASSWORD: &str = "repl-Secret-42";
/// A least-privilege account for collecting evidence, with a password, for tests of logins.
pub const MONITOR_USER: &str = "monitor";
pub const MONITOR_PASSWORD: &str = "monitor-Secret-42";

/// Small InnoDB files: instances start fast and copy fast. Used for the template too, so that
/// no instance has to resize its redo log at start-up.
pub(crate) const STORAGE_OPTIONS: &[&str] = &[
    "--innodb-buffer-pool-size=64M",
    "--innodb-log-file-size=32M",
];

const START_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_TIMEOUT: Duration = Duration::from_secs(30);
const PORT_ATTEMPTS: usize = 5;

pub(crate) fn running_as_root() -> bool {
    nix::unistd::geteuid().is_root()
}

pub(crate) fn account_statements() -> String {
    format!(
        "CREATE USER '{REPLICATION_USER}'@'127.0.0.1' IDENTIFIED BY '{REPLICATION_PASSWORD}';
         GRANT REPLICATION SLAVE ON *.* TO '{REPLICATION_USER}'@'127.0.0.1';
         CREATE USER '{MONITOR_USER}'@'127.0.0.1' IDENTIFIED BY '{MONITOR_PASSWORD}';
         GRANT SELECT, PROCESS, BINLOG MONITOR, SLAVE MONITOR ON *.* TO '{MONITOR_USER}'@'127.0.0.1';"
    )
}

/// How to run one instance.
#[derive(Debug, Clone)]
pub(crate) struct ServerConfig {
    pub name: String,
    /// Holds `data/`, `tmp/`, the socket, pid file, error log and option file.
    pub dir: PathBuf,
    pub server_id: u32,
    pub binlog: bool,
    /// More `name=value` lines for the `[mariadbd]` group.
    pub extra: Vec<String>,
}

/// A running `mariadbd` on 127.0.0.1. Dropping it stops the process by its pid.
#[derive(Debug)]
pub struct Server {
    config: ServerConfig,
    port: u16,
    child: Option<Child>,
}

impl Server {
    /// Starts the instance on a free port and waits until it accepts logins.
    pub(crate) async fn launch(config: ServerConfig) -> Result<Self, LabError> {
        let mut last_error = None;
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port()?;
            let mut server = Self {
                config: config.clone(),
                port,
                child: None,
            };
            match server.start().await {
                Ok(()) => return Ok(server),
                // Another test took the port between our probe and the server's bind: retry.
                Err(LabError::StartFailed { tail, .. })
                    if tail.contains("Address already in use") || tail.contains("Bind on TCP") =>
                {
                    last_error = Some(tail);
                }
                Err(err) => return Err(err),
            }
        }
        Err(LabError::StartFailed {
            name: config.name.clone(),
            reason: format!("no free port after {PORT_ATTEMPTS} attempts"),
            log: config.dir.join("error.log"),
            tail: last_error.unwrap_or_default(),
        })
    }

    /// Starts (or starts again, on the same port and data) and waits until logins work.
    pub async fn start(&mut self) -> Result<(), LabError> {
        if self.child.is_some() {
            return Ok(());
        }
        let tmp = self.config.dir.join("tmp");
        std::fs::create_dir_all(&tmp)
            .map_err(|err| LabError::io(format!("creating {}", tmp.display()), err))?;
        let option_file = self.config.dir.join("my.cnf");
        std::fs::write(&option_file, self.option_file())
            .map_err(|err| LabError::io(format!("writing {}", option_file.display()), err))?;
        let mariadbd = find_program("mariadbd")?;
        let child = Command::new(&mariadbd)
            .arg(format!("--defaults-file={}", option_file.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|err| LabError::io(format!("starting {}", mariadbd.display()), err))?;
        self.child = Some(child);
        self.wait_ready().await
    }

    async fn wait_ready(&mut self) -> Result<(), LabError> {
        let started = Instant::now();
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                return Err(self.start_failed(format!("mariadbd exited with {status}")));
            }
            if let Ok(conn) = Conn::new(self.root_opts()).await {
                let _ = conn.disconnect().await;
                return Ok(());
            }
            if started.elapsed() > START_TIMEOUT {
                self.stop();
                return Err(self.start_failed(format!(
                    "no login possible within {} s",
                    START_TIMEOUT.as_secs()
                )));
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    fn start_failed(&self, reason: String) -> LabError {
        let log = self.error_log();
        LabError::StartFailed {
            name: self.config.name.clone(),
            reason,
            tail: tail(&std::fs::read_to_string(&log).unwrap_or_default(), 15),
            log,
        }
    }

    fn option_file(&self) -> String {
        let dir = &self.config.dir;
        let mut lines = vec![
            "[mariadbd]".to_owned(),
            format!("datadir={}", dir.join("data").display()),
            format!("tmpdir={}", dir.join("tmp").display()),
            format!("socket={}", dir.join("sock").display()),
            format!("pid-file={}", dir.join("mariadbd.pid").display()),
            format!("log-error={}", self.error_log().display()),
            format!("port={}", self.port),
            "bind-address=127.0.0.1".to_owned(),
            "skip-name-resolve".to_owned(),
            format!("server-id={}", self.config.server_id),
            "max-connections=100".to_owned(),
            "report-host=127.0.0.1".to_owned(),
            format!("report-port={}", self.port),
        ];
        lines.extend(
            STORAGE_OPTIONS
                .iter()
                .map(|option| option.trim_start_matches("--").to_owned()),
        );
        if self.config.binlog {
            lines.extend(
                [
                    "log-bin=mariadb-bin",
                    "relay-log=relay-bin",
                    "binlog-format=ROW",
                    "log-slave-updates",
                    "gtid-domain-id=0",
                ]
                .map(str::to_owned),
            );
        } else {
            lines.push("skip-log-bin".to_owned());
        }
        if running_as_root() {
            lines.push("user=root".to_owned());
        }
        lines.extend(self.config.extra.iter().cloned());
        lines.push(String::new());
        lines.join("\n")
    }

    /// Stops the process by its pid: SIGTERM, then SIGKILL if it has not exited in time.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let pid = Pid::from_raw(child.id() as i32);
        let _ = kill(pid, Signal::SIGTERM);
        let deadline = Instant::now() + STOP_TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = kill(pid, Signal::SIGKILL);
        let _ = child.wait();
    }

    /// Kills the process with SIGKILL, as a crash would.
    pub fn crash(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn name(&self) -> &str {
        &self.config.name
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn server_id(&self) -> u32 {
        self.config.server_id
    }

    /// The process id while running.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    pub fn data_dir(&self) -> PathBuf {
        self.config.dir.join("data")
    }

    pub fn error_log(&self) -> PathBuf {
        self.config.dir.join("error.log")
    }

    /// A DSN for the root account (no password).
    pub fn dsn(&self) -> String {
        format!("mysql://root@127.0.0.1:{}", self.port)
    }

    /// A DSN for the least-privilege monitoring account, password included.
    pub fn monitor_dsn(&self) -> String {
        format!(
            "mysql://{MONITOR_USER}:{MONITOR_PASSWORD}@127.0.0.1:{}",
            self.port
        )
    }

    fn root_opts(&self) -> OptsBuilder {
        OptsBuilder::default()
            .ip_or_hostname("127.0.0.1")
            .tcp_port(self.port)
            .user(Some("root"))
            .prefer_socket(false)
    }

    /// A new root connection.
    pub async fn conn(&self) -> Result<Conn, LabError> {
        Conn::new(self.root_opts())
            .await
            .map_err(|source| self.sql_error("connect", source))
    }

    /// A failed statement on this server, as an error naming both.
    pub(crate) fn sql_error(&self, statement: &str, source: mysql_async::Error) -> LabError {
        LabError::Sql {
            server: format!("{} (127.0.0.1:{})", self.config.name, self.port),
            statement: statement.to_owned(),
            source,
        }
    }

    /// Runs one or more statements (separated by `;`) on a fresh connection.
    pub async fn exec(&self, sql: &str) -> Result<(), LabError> {
        let mut conn = self.conn().await?;
        conn.query_drop(sql)
            .await
            .map_err(|source| self.sql_error(sql, source))?;
        let _ = conn.disconnect().await;
        Ok(())
    }

    /// Pipes `sql` into the `mariadb` client connected to this server, as a DBA would pipe a
    /// script; the client's error output when it refuses a statement.
    pub fn pipe_sql(&self, sql: &str) -> Result<(), String> {
        use std::io::Write as _;
        let client = find_program("mariadb").map_err(|err| err.to_string())?;
        let mut child = Command::new(client)
            .args([
                "--no-defaults",
                "--protocol=TCP",
                "-h127.0.0.1",
                &format!("-P{}", self.port),
                "-uroot",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|err| format!("cannot start the mariadb client: {err}"))?;
        // A client that stops at an error closes its input: what it said matters, not the pipe.
        let written = child
            .stdin
            .take()
            .map(|mut stdin| stdin.write_all(sql.as_bytes()));
        let out = child.wait_with_output().map_err(|err| err.to_string())?;
        if out.status.success() {
            match written {
                Some(Err(err)) => Err(err.to_string()),
                _ => Ok(()),
            }
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// Runs a query and returns its rows as column name to text (`None` for NULL).
    pub async fn rows(&self, sql: &str) -> Result<Vec<BTreeMap<String, Option<String>>>, LabError> {
        let mut conn = self.conn().await?;
        let rows: Vec<Row> = conn
            .query(sql)
            .await
            .map_err(|source| self.sql_error(sql, source))?;
        let _ = conn.disconnect().await;
        Ok(rows.into_iter().map(row_to_map).collect())
    }

    /// The first column of the first row, as text.
    pub async fn value(&self, sql: &str) -> Result<Option<String>, LabError> {
        let mut conn = self.conn().await?;
        let row: Option<Row> = conn
            .query_first(sql)
            .await
            .map_err(|source| self.sql_error(sql, source))?;
        let _ = conn.disconnect().await;
        Ok(row.and_then(|row| row.as_ref(0).and_then(value_to_text)))
    }

    /// `SHOW ALL SLAVES STATUS`: one entry per replication connection.
    pub async fn slave_status(&self) -> Result<Vec<SlaveStatus>, LabError> {
        Ok(self
            .rows("SHOW ALL SLAVES STATUS")
            .await?
            .into_iter()
            .map(|fields| SlaveStatus { fields })
            .collect())
    }

    /// The status of the default (unnamed) replication connection.
    pub async fn default_channel(&self) -> Result<Option<SlaveStatus>, LabError> {
        Ok(self
            .slave_status()
            .await?
            .into_iter()
            .find(|status| status.connection_name().is_empty()))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> Result<u16, LabError> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|err| LabError::io("finding a free port on 127.0.0.1", err))?;
    listener
        .local_addr()
        .map(|addr| addr.port())
        .map_err(|err| LabError::io("finding a free port on 127.0.0.1", err))
}

fn row_to_map(row: Row) -> BTreeMap<String, Option<String>> {
    let columns = row.columns();
    let values = row.unwrap();
    columns
        .iter()
        .zip(values.iter())
        .map(|(column, value)| (column.name_str().into_owned(), value_to_text(value)))
        .collect()
}

fn value_to_text(value: &Value) -> Option<String> {
    match value {
        Value::NULL => None,
        Value::Bytes(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
        Value::Int(n) => Some(n.to_string()),
        Value::UInt(n) => Some(n.to_string()),
        Value::Float(n) => Some(n.to_string()),
        Value::Double(n) => Some(n.to_string()),
        other => Some(other.as_sql(false).trim_matches('\'').to_owned()),
    }
}

/// Copies a template data directory (`cp -a` keeps it simple and fast).
pub(crate) fn copy_dir(from: &Path, to: &Path) -> Result<(), LabError> {
    let status = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .map_err(|err| LabError::io("running cp", err))?;
    if status.success() {
        Ok(())
    } else {
        Err(LabError::Command {
            program: format!("cp -a {} {}", from.display(), to.display()),
            status: status.to_string(),
            output: String::new(),
        })
    }
}
