//! The fleet file (`watch --config FILE`, TOML): the replicas to watch, their sources, where
//! their credentials are, how often to look and where to serve. Credentials are named, never
//! written: a password in the file is refused, so the file can be shared and versioned.
//!
//! ```toml
//! interval = 10                 # seconds between two polls of a target
//! listen = "127.0.0.1:9108"     # /metrics
//!
//! [credentials.monitor]         # an option file's group, as mysqld_exporter's auth_module
//! option_file = "/etc/repldoctor/monitor.cnf"
//! group = "client.monitor"      # optional: read after [client], and wins
//!
//! [credentials.ops]             # or a user and an environment variable holding the password
//! user = "repldoctor"
//! password_env = "REPLDOCTOR_OPS_PASSWORD"
//!
//! [[target]]
//! name = "db2"
//! replica = "h=10.0.0.12,P=3306"
//! source = "h=10.0.0.11"
//! credentials = "monitor"
//! ```

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use session::dsn::{Dsn, Endpoint};
use session::option_file::ClientDefaults;
use thiserror::Error;

use crate::alerts::{Maintenance, Sink, SinkKind, Window};

/// A fleet file is small; anything larger is not one.
const MAX_CONFIG_BYTES: u64 = 16 << 20;

pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(10);
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9108";

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    /// The TOML parser's message names the line and the key, never a value it did not expect.
    #[error("{path}: {reason}")]
    Syntax { path: PathBuf, reason: String },
    #[error("{path}: {reason}")]
    Invalid { path: PathBuf, reason: String },
}

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FleetFile {
    interval: Option<f64>,
    /// Limit for one poll of one target, in seconds (default: the interval).
    timeout: Option<f64>,
    listen: Option<String>,
    /// The history database (default: under the XDG state directory).
    history: Option<PathBuf>,
    /// Days the history keeps figures and ended findings (default 14).
    retention_days: Option<f64>,
    #[serde(default)]
    credentials: BTreeMap<String, CredentialsFile>,
    #[serde(default, rename = "target")]
    targets: Vec<TargetFile>,
    /// Where people reach the watcher's page, for links in alerts (default `http://LISTEN`).
    page_url: Option<String>,
    #[serde(default, rename = "alert")]
    alerts: Vec<AlertFile>,
    #[serde(default)]
    maintenance: Vec<MaintenanceFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AlertFile {
    name: Option<String>,
    kind: SinkKind,
    url: Option<String>,
    url_env: Option<String>,
    secret_env: Option<String>,
    min_severity: Option<String>,
    repeat_hours: Option<f64>,
    lang: Option<String>,
    #[serde(default)]
    targets: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MaintenanceFile {
    name: String,
    #[serde(default)]
    targets: Vec<String>,
    #[serde(default)]
    classes: Vec<String>,
    daily: Option<String>,
    from: Option<String>,
    until: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialsFile {
    option_file: Option<PathBuf>,
    group: Option<String>,
    user: Option<String>,
    password_env: Option<String>,
    /// Present only to be refused with the reason.
    password: Option<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetFile {
    name: String,
    replica: String,
    source: Option<String>,
    credentials: Option<String>,
    /// Read the source the replica's status names, with the same credentials.
    #[serde(default)]
    follow_source: bool,
    /// The replica's error log, when it is readable where the watcher runs.
    error_log: Option<PathBuf>,
    /// Alternative spelling refused with the reason.
    password: Option<toml::Value>,
}

/// A fleet, checked and resolved.
#[derive(Debug, Clone)]
pub struct Fleet {
    pub interval: Duration,
    pub timeout: Duration,
    pub listen: SocketAddr,
    /// The history database the file names, relative paths taken from the file's folder.
    pub history: Option<PathBuf>,
    pub retention: Duration,
    pub targets: Vec<Target>,
    pub alerts: Vec<Sink>,
    pub maintenance: Vec<Maintenance>,
}

/// One replica to watch, with where to log in.
#[derive(Debug, Clone)]
pub struct Target {
    /// The name in metrics, history and alerts.
    pub name: String,
    pub replica: Endpoint,
    pub source: Option<Endpoint>,
    pub follow_source: bool,
    pub error_log: Option<PathBuf>,
}

impl Fleet {
    /// Reads and checks a fleet file. Every mistake names the target or credentials set.
    pub fn load(path: &Path) -> Result<Fleet, ConfigError> {
        let read_error = |reason: String| ConfigError::Read {
            path: path.to_owned(),
            reason,
        };
        let metadata = std::fs::metadata(path).map_err(|err| read_error(err.to_string()))?;
        if !metadata.is_file() {
            return Err(read_error("not a regular file".into()));
        }
        if metadata.len() > MAX_CONFIG_BYTES {
            return Err(read_error(format!(
                "{} bytes; a fleet file is at most {MAX_CONFIG_BYTES}",
                metadata.len()
            )));
        }
        let text = std::fs::read_to_string(path).map_err(|err| read_error(err.to_string()))?;
        Fleet::parse(&text, path)
    }

    /// Checks a fleet file's text; `path` names it in errors and anchors relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Fleet, ConfigError> {
        let file: FleetFile = toml::from_str(text).map_err(|err| ConfigError::Syntax {
            path: path.to_owned(),
            reason: err.message().to_owned() + &line_of(text, err.span()),
        })?;
        let invalid = |reason: String| ConfigError::Invalid {
            path: path.to_owned(),
            reason,
        };
        let interval = seconds(file.interval, DEFAULT_INTERVAL, "interval").map_err(invalid)?;
        let timeout = seconds(file.timeout, interval, "timeout").map_err(invalid)?;
        let listen = file.listen.as_deref().unwrap_or(DEFAULT_LISTEN);
        let listen = listen
            .parse()
            .map_err(|_| invalid(format!("listen = {listen:?} is not an address:port")))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let retention = match file.retention_days {
            None => crate::history::DEFAULT_RETENTION,
            Some(days) if (0.01..=3660.0).contains(&days) => {
                Duration::from_secs_f64(days * 86_400.0)
            }
            Some(days) => {
                return Err(invalid(format!(
                    "retention_days = {days}: give days from 0.01 to 3660"
                )));
            }
        };
        let history = file.history.as_deref().map(|h| base.join(expand_home(h)));
        let mut credentials = BTreeMap::new();
        for (name, set) in &file.credentials {
            let resolved = Credentials::check(name, set, base).map_err(invalid)?;
            credentials.insert(name.as_str(), resolved);
        }
        if file.targets.is_empty() {
            return Err(invalid("no [[target]]: nothing to watch".into()));
        }
        let mut targets: Vec<Target> = Vec::with_capacity(file.targets.len());
        for target in &file.targets {
            let resolved = resolve_target(target, &credentials).map_err(invalid)?;
            if targets.iter().any(|t| t.name == resolved.name) {
                return Err(invalid(format!(
                    "target {:?} is named twice: names must be unique",
                    resolved.name
                )));
            }
            targets.push(resolved);
        }
        let page = file
            .page_url
            .clone()
            .unwrap_or_else(|| format!("http://{listen}"));
        let page = page.trim_end_matches('/').to_owned();
        let mut alerts: Vec<Sink> = Vec::with_capacity(file.alerts.len());
        for (index, alert) in file.alerts.iter().enumerate() {
            let sink = check_alert(alert, index, &page).map_err(invalid)?;
            if alerts.iter().any(|a| a.name == sink.name) {
                return Err(invalid(format!(
                    "alert {:?} is named twice: names must be unique",
                    sink.name
                )));
            }
            alerts.push(sink);
        }
        let maintenance = file
            .maintenance
            .iter()
            .map(check_maintenance)
            .collect::<Result<Vec<_>, _>>()
            .map_err(invalid)?;
        Ok(Fleet {
            interval,
            timeout,
            listen,
            history,
            retention,
            targets,
            alerts,
            maintenance,
        })
    }

    /// The targets of shard `index` of `count` (1-based, as `--shard 2/4`): those whose name
    /// hashes there, the same for every process that reads the same file.
    pub fn shard(&mut self, index: u32, count: u32) {
        self.targets
            .retain(|target| in_shard(&target.name, index, count));
    }
}

/// Whether a target named `name` belongs to shard `index` of `count` (1-based). CRC-32 of the
/// name: stable across processes, releases and machines, unlike the standard hasher.
pub fn in_shard(name: &str, index: u32, count: u32) -> bool {
    count <= 1 || crc32fast::hash(name.as_bytes()) % count == index - 1
}

/// Parses `K/N` with 1 <= K <= N.
pub fn parse_shard(text: &str) -> Result<(u32, u32), String> {
    let bad = || format!("--shard {text:?}: give K/N with 1 <= K <= N, such as 2/4");
    let (index, count) = text.split_once('/').ok_or_else(bad)?;
    let index: u32 = index.trim().parse().map_err(|_| bad())?;
    let count: u32 = count.trim().parse().map_err(|_| bad())?;
    if index == 0 || count == 0 || index > count {
        return Err(bad());
    }
    Ok((index, count))
}

/// A checked credentials set.
#[derive(Debug, Clone)]
enum Credentials {
    OptionFile {
        path: PathBuf,
        group: Option<String>,
    },
    Environment {
        user: String,
        variable: String,
    },
}

impl Credentials {
    fn check(name: &str, set: &CredentialsFile, base: &Path) -> Result<Credentials, String> {
        if set.password.is_some() {
            return Err(format!(
                "credentials {name:?}: a password is not written in the fleet file; name an \
                 option file (option_file, group) or an environment variable (password_env)"
            ));
        }
        match (&set.option_file, &set.password_env) {
            (Some(path), None) => {
                if set.user.is_some() {
                    return Err(format!(
                        "credentials {name:?}: the user goes in the option file with its password"
                    ));
                }
                Ok(Credentials::OptionFile {
                    path: base.join(expand_home(path)),
                    group: set.group.clone(),
                })
            }
            (None, Some(variable)) => {
                if set.group.is_some() {
                    return Err(format!(
                        "credentials {name:?}: group applies to an option_file only"
                    ));
                }
                let user = set
                    .user
                    .clone()
                    .ok_or_else(|| format!("credentials {name:?}: password_env needs a user"))?;
                Ok(Credentials::Environment {
                    user,
                    variable: variable.clone(),
                })
            }
            (Some(_), Some(_)) => Err(format!(
                "credentials {name:?}: give option_file or password_env, not both"
            )),
            (None, None) => Err(format!(
                "credentials {name:?}: give option_file (and group) or user and password_env"
            )),
        }
    }

    /// Login defaults, read now: a missing file, group or variable is an error naming it.
    fn defaults(&self, name: &str) -> Result<ClientDefaults, String> {
        match self {
            Credentials::OptionFile { path, group } => {
                if !path.is_file() {
                    return Err(format!(
                        "credentials {name:?}: option file {} not found",
                        path.display()
                    ));
                }
                let loaded = match group {
                    Some(group) => ClientDefaults::load_group(path, group),
                    None => ClientDefaults::load(path),
                };
                loaded.map_err(|err| format!("credentials {name:?}: {err}"))
            }
            Credentials::Environment { user, variable } => {
                let password = std::env::var(variable).map_err(|_| {
                    format!("credentials {name:?}: the environment variable {variable} is not set")
                })?;
                Ok(ClientDefaults {
                    user: Some(user.clone()),
                    password: Some(session::dsn::Password::new(password)),
                    ..ClientDefaults::default()
                })
            }
        }
    }
}

fn resolve_target(
    target: &TargetFile,
    credentials: &BTreeMap<&str, Credentials>,
) -> Result<Target, String> {
    let name = target.name.trim();
    if name.is_empty() || name.chars().any(|c| c.is_control()) {
        return Err("a target needs a name of printable characters".into());
    }
    if target.password.is_some() {
        return Err(format!(
            "target {name:?}: a password is not written in the fleet file; name a credentials set"
        ));
    }
    let defaults = match &target.credentials {
        Some(set) => credentials
            .get(set.as_str())
            .ok_or_else(|| format!("target {name:?}: no [credentials.{set}] in the file"))?
            .defaults(set)?,
        None => ClientDefaults::default(),
    };
    let endpoint = |dsn_text: &str, role: &str| -> Result<Endpoint, String> {
        let dsn = Dsn::parse(dsn_text).map_err(|err| format!("target {name:?}, {role}: {err}"))?;
        if dsn.password.is_some() {
            return Err(format!(
                "target {name:?}, {role}: the DSN holds a password; name a credentials set \
                 instead (the fleet file is not the place for secrets)"
            ));
        }
        if dsn.defaults_file.is_some() {
            return Err(format!(
                "target {name:?}, {role}: F= is not read here; name a credentials set"
            ));
        }
        // No MYSQL_PWD: one variable for a whole fleet would send one password everywhere.
        Ok(Endpoint::resolve(&dsn, &defaults, None))
    };
    let replica = endpoint(&target.replica, "replica")?;
    let source = target
        .source
        .as_deref()
        .map(|dsn| endpoint(dsn, "source"))
        .transpose()?;
    if source.is_some() && target.follow_source {
        return Err(format!(
            "target {name:?}: give source or follow_source, not both"
        ));
    }
    Ok(Target {
        name: name.to_owned(),
        replica,
        source,
        follow_source: target.follow_source,
        error_log: target.error_log.clone(),
    })
}

fn check_alert(alert: &AlertFile, index: usize, page: &str) -> Result<Sink, String> {
    let name = alert
        .name
        .clone()
        .unwrap_or_else(|| format!("{}-{}", alert.kind.name(), index + 1));
    let from_env = |variable: &str, what: &str| {
        std::env::var(variable).map_err(|_| {
            format!("alert {name:?}: the environment variable {variable} ({what}) is not set")
        })
    };
    let url = match (&alert.url, &alert.url_env) {
        (Some(url), None) => url.clone(),
        (None, Some(variable)) => from_env(variable, "its URL")?,
        _ => return Err(format!("alert {name:?}: give url or url_env (one of them)")),
    };
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        // Not quoted: a URL of a chat robot holds its token.
        return Err(format!(
            "alert {name:?}: the URL must start with http:// or https://"
        ));
    }
    let secret = alert
        .secret_env
        .as_deref()
        .map(|variable| from_env(variable, "its signing secret"))
        .transpose()?;
    if secret.is_some() && alert.kind != SinkKind::Dingtalk {
        return Err(format!(
            "alert {name:?}: secret_env is for kind = \"dingtalk\" only"
        ));
    }
    let min_severity = match alert.min_severity.as_deref() {
        None | Some("warning") => diagnose::Severity::Warning,
        Some("critical") => diagnose::Severity::Critical,
        Some("info") => diagnose::Severity::Info,
        Some(other) => {
            return Err(format!(
                "alert {name:?}: min_severity = {other:?}: give info, warning or critical"
            ));
        }
    };
    let default_repeat = match alert.kind {
        // Alertmanager ends an alert it has not heard of within its resolve_timeout (5 m).
        SinkKind::Alertmanager => 1.0 / 60.0,
        _ => 4.0,
    };
    let hours = alert.repeat_hours.unwrap_or(default_repeat);
    let repeat = if hours == 0.0 {
        None
    } else if (0.001..=720.0).contains(&hours) {
        Some(Duration::from_secs_f64(hours * 3600.0))
    } else {
        return Err(format!(
            "alert {name:?}: repeat_hours = {hours}: give 0 (never) or hours up to 720"
        ));
    };
    let zh = match alert.lang.as_deref() {
        None | Some("en") => false,
        Some("zh") => true,
        Some(other) => return Err(format!("alert {name:?}: lang = {other:?}: give en or zh")),
    };
    Ok(Sink {
        targets: patterns(&alert.targets, &format!("alert {name:?}"))?,
        name,
        kind: alert.kind,
        url,
        secret,
        min_severity,
        repeat,
        zh,
        page: Some(page.to_owned()),
    })
}

fn check_maintenance(window: &MaintenanceFile) -> Result<Maintenance, String> {
    let name = &window.name;
    for class in &window.classes {
        let known: Result<diagnose::Class, _> =
            serde_json::from_value(serde_json::Value::String(class.clone()));
        if known.is_err() {
            return Err(format!(
                "maintenance {name:?}: {class:?} is not a failure class (see the README's \
                 failure classes)"
            ));
        }
    }
    let when = match (&window.daily, &window.from, &window.until) {
        (Some(daily), None, None) => {
            let parsed = daily.split_once('-').and_then(|(from, until)| {
                Some((from.trim().parse().ok()?, until.trim().parse().ok()?))
            });
            let Some((from, until)) = parsed else {
                return Err(format!(
                    "maintenance {name:?}: daily = {daily:?}: give \"HH:MM-HH:MM\" (UTC)"
                ));
            };
            Window::Daily { from, until }
        }
        (None, Some(from), Some(until)) => {
            let at = |text: &str| {
                text.parse::<jiff::Timestamp>().map_err(|_| {
                    format!(
                        "maintenance {name:?}: {text:?} is not a time such as 2026-12-06T02:00:00Z"
                    )
                })
            };
            let (from, until) = (at(from)?, at(until)?);
            if until <= from {
                return Err(format!("maintenance {name:?}: until comes before from"));
            }
            Window::Once { from, until }
        }
        _ => {
            return Err(format!(
                "maintenance {name:?}: give daily = \"HH:MM-HH:MM\", or from and until"
            ));
        }
    };
    Ok(Maintenance {
        name: name.clone(),
        targets: patterns(&window.targets, &format!("maintenance {name:?}"))?,
        classes: window.classes.clone(),
        when,
    })
}

fn patterns(globs: &[String], owner: &str) -> Result<Vec<glob::Pattern>, String> {
    globs
        .iter()
        .map(|g| glob::Pattern::new(g).map_err(|err| format!("{owner}: target {g:?}: {err}")))
        .collect()
}

fn seconds(value: Option<f64>, default: Duration, key: &str) -> Result<Duration, String> {
    let Some(value) = value else {
        return Ok(default);
    };
    if !(0.1..=86_400.0).contains(&value) {
        return Err(format!("{key} = {value}: give seconds from 0.1 to 86400"));
    }
    Ok(Duration::from_secs_f64(value))
}

fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => path.to_owned(),
    }
}

/// ", line N" for a parser error's span.
fn line_of(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    span.map(|span| {
        let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
        format!(" (line {line})")
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Fleet, String> {
        Fleet::parse(text, Path::new("/etc/repldoctor/fleet.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn a_target_with_environment_credentials() {
        // A variable every test process has, read as the password.
        let home = std::env::var("HOME").unwrap();
        let fleet = parse(
            "interval = 5\n[credentials.ops]\nuser = \"mon\"\npassword_env = \"HOME\"\n\
             [[target]]\nname = \"db2\"\nreplica = \"h=127.0.0.1,P=3307\"\nsource = \
             \"h=127.0.0.1,P=3306\"\ncredentials = \"ops\"\n",
        )
        .unwrap();
        assert_eq!(fleet.interval, Duration::from_secs(5));
        assert_eq!(fleet.timeout, Duration::from_secs(5));
        assert_eq!(fleet.listen.to_string(), DEFAULT_LISTEN);
        let target = &fleet.targets[0];
        assert_eq!(target.name, "db2");
        assert_eq!(target.replica.port, 3307);
        assert_eq!(target.replica.user, "mon");
        assert_eq!(target.replica.password.as_ref().unwrap().expose(), home);
        assert_eq!(target.source.as_ref().unwrap().port, 3306);
    }

    #[test]
    fn passwords_in_the_file_are_refused_without_being_repeated() {
        for text in [
            "[[target]]\nname = \"a\"\nreplica = \"h=db,u=mon,p=Hunter2x\"\n",
            "[[target]]\nname = \"a\"\nreplica = \"mysql://mon:Hunter2x@db\"\n",
            "[[target]]\nname = \"a\"\nreplica = \"h=db\"\npassword = \"Hunter2x\"\n",
            "[credentials.c]\nuser = \"m\"\npassword = \"Hunter2x\"\n[[target]]\nname = \
             \"a\"\nreplica = \"h=db\"\ncredentials = \"c\"\n",
        ] {
            let err = parse(text).unwrap_err();
            assert!(err.contains("password"), "{err}");
            assert!(!err.contains("Hunter2x"), "{err}");
        }
    }

    #[test]
    fn mistakes_are_named() {
        let cases = [
            ("", "no [[target]]"),
            ("[[target]]\nname = \"a\"\n", "replica"),
            (
                "[[target]]\nname = \"a\"\nreplica = \"h=x\"\ncredentials = \"none\"\n",
                "no [credentials.none]",
            ),
            (
                "[[target]]\nname = \"a\"\nreplica = \"h=x\"\n[[target]]\nname = \"a\"\nreplica = \"h=y\"\n",
                "named twice",
            ),
            (
                "interval = 0\n[[target]]\nname = \"a\"\nreplica = \"h=x\"\n",
                "interval = 0",
            ),
            (
                "listen = \"here\"\n[[target]]\nname = \"a\"\nreplica = \"h=x\"\n",
                "listen",
            ),
            ("bogus = 1\n", "unknown field `bogus`"),
            (
                "[credentials.c]\noption_file = \"/nonexistent/my.cnf\"\n[[target]]\nname = \
                 \"a\"\nreplica = \"h=x\"\ncredentials = \"c\"\n",
                "not found",
            ),
            (
                "[credentials.c]\nuser = \"m\"\npassword_env = \"REPLDOCTOR_TEST_UNSET_VAR\"\n\
                 [[target]]\nname = \"a\"\nreplica = \"h=x\"\ncredentials = \"c\"\n",
                "REPLDOCTOR_TEST_UNSET_VAR is not set",
            ),
        ];
        for (text, expected) in cases {
            let err = parse(text).unwrap_err();
            assert!(err.contains(expected), "{text:?}: {err}");
        }
    }

    #[test]
    fn an_option_file_group_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let cnf = dir.path().join("monitor.cnf");
        std::fs::write(
            &cnf,
            "[client]\nuser=root\n[client.monitor]\nuser=mon\npassword=pw1\n",
        )
        .unwrap();
        let text = "[credentials.m]\noption_file = \"monitor.cnf\"\ngroup = \"client.monitor\"\n\
             [[target]]\nname = \"a\"\nreplica = \"h=127.0.0.1\"\ncredentials = \"m\"\n";
        let fleet = Fleet::parse(text, &dir.path().join("fleet.toml")).unwrap();
        assert_eq!(fleet.targets[0].replica.user, "mon");
        assert_eq!(
            fleet.targets[0].replica.password.as_ref().unwrap().expose(),
            "pw1"
        );
        let missing = text.replace("client.monitor", "client.other");
        let err = Fleet::parse(&missing, &dir.path().join("fleet.toml")).unwrap_err();
        assert!(err.to_string().contains("no [client.other] group"), "{err}");
    }

    #[test]
    fn the_example_fleet_file_is_valid() {
        let example = include_str!("../../../examples/fleet.toml");
        let dir = tempfile::tempdir().unwrap();
        let cnf = dir.path().join("monitor.cnf");
        std::fs::write(&cnf, "[client.monitor]\nuser=mon\npassword=pw\n").unwrap();
        let text = example
            .replace("/etc/repldoctor/monitor.cnf", &cnf.display().to_string())
            .replace("REPLDOCTOR_OPS_PASSWORD", "HOME")
            .replace("REPLDOCTOR_DINGTALK_SECRET", "HOME")
            .replace(
                "url_env = \"REPLDOCTOR_DINGTALK_URL\"",
                "url = \"https://oapi.dingtalk.com/robot/send?access_token=x\"",
            );
        let fleet = parse(&text).unwrap();
        assert_eq!(fleet.interval, Duration::from_secs(10));
        assert_eq!(fleet.timeout, Duration::from_secs(8));
        let names: Vec<&str> = fleet.targets.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["orders-replica-1", "orders-replica-2"]);
        assert_eq!(fleet.targets[0].replica.user, "mon");
        assert!(fleet.targets[1].follow_source);
        let alerts: Vec<&str> = fleet.alerts.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(alerts, ["oncall", "dba-chat"]);
        assert!(fleet.alerts[1].zh);
        assert_eq!(fleet.maintenance[0].classes, ["applier_killed"]);
        assert_eq!(fleet.targets[1].replica.port, 3306);
        // As shipped, the credentials it names are not on this machine: said so, by name.
        let err = parse(example).unwrap_err();
        assert!(
            err.contains("/etc/repldoctor/monitor.cnf not found"),
            "{err}"
        );
    }

    #[test]
    fn alerts_and_maintenance_windows_are_checked() {
        let base = "[[target]]\nname = \"a\"\nreplica = \"h=x\"\n";
        let fleet = parse(&format!(
            "{base}[[alert]]\nkind = \"dingtalk\"\nurl = \"https://oapi.dingtalk.com/robot/send?access_token=t\"\nsecret_env = \"HOME\"\n\
             [[alert]]\nname = \"am\"\nkind = \"alertmanager\"\nurl = \"http://127.0.0.1:9093\"\n\
             [[maintenance]]\nname = \"backup\"\nclasses = [\"applier_killed\"]\ndaily = \"23:00-03:00\"\n"
        ))
        .unwrap();
        assert_eq!(fleet.alerts[0].name, "dingtalk-1");
        assert_eq!(fleet.alerts[0].repeat, Some(Duration::from_secs(4 * 3600)));
        assert_eq!(fleet.alerts[1].repeat, Some(Duration::from_secs(60)));
        assert_eq!(
            fleet.alerts[1].page.as_deref(),
            Some("http://127.0.0.1:9108")
        );
        assert_eq!(fleet.maintenance[0].classes, ["applier_killed"]);
        let cases = [
            (
                "[[alert]]\nkind = \"pager\"\nurl = \"http://x\"\n",
                "unknown variant `pager`",
            ),
            ("[[alert]]\nkind = \"slack\"\n", "give url or url_env"),
            (
                "[[alert]]\nkind = \"slack\"\nurl = \"ftp://tok\"\n",
                "http:// or https://",
            ),
            (
                "[[alert]]\nkind = \"slack\"\nurl_env = \"REPLDOCTOR_TEST_UNSET_VAR\"\n",
                "REPLDOCTOR_TEST_UNSET_VAR (its URL) is not set",
            ),
            (
                "[[maintenance]]\nname = \"m\"\nclasses = [\"backup\"]\ndaily = \"1-2\"\n",
                "\"backup\" is not a failure class",
            ),
            (
                "[[maintenance]]\nname = \"m\"\ndaily = \"25:00-26:00\"\n",
                "HH:MM-HH:MM",
            ),
            (
                "[[maintenance]]\nname = \"m\"\nfrom = \"2026-12-06T02:00:00Z\"\nuntil = \"2026-12-06T01:00:00Z\"\n",
                "until comes before from",
            ),
        ];
        for (text, expected) in cases {
            let err = parse(&format!("{base}{text}")).unwrap_err();
            assert!(err.contains(expected), "{text:?}: {err}");
            assert!(!err.contains("tok"), "{err}");
        }
    }

    #[test]
    fn shards_split_the_fleet_without_overlap() {
        let names: Vec<String> = (0..1000).map(|i| format!("db{i}")).collect();
        let mut seen = 0;
        for index in 1..=4 {
            let count = names.iter().filter(|n| in_shard(n, index, 4)).count();
            assert!(count > 150, "shard {index} has {count}");
            seen += count;
        }
        assert_eq!(seen, 1000);
        assert_eq!(parse_shard("2/4"), Ok((2, 4)));
        for bad in ["0/4", "5/4", "x", "1/0", "3"] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
    }
}
