//! `repldoctor watch` against real servers: a fault injected on a watched pair shows in
//! `/metrics` within two intervals and is reported once when it starts and once when it ends;
//! `--once` exits with the worst status; a hung server delays no other target.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use testlab::{Lab, LabOptions, MONITOR_PASSWORD, MONITOR_USER, faults};

#[path = "../../binlog/tests/common/fixtures_dir.rs"]
mod fixtures_dir;

/// A pair with nothing to warn about: the replica read-only, the source durable. (The lab's
/// defaults are two configuration warnings.)
async fn healthy_pair() -> Lab {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    lab.server(0)
        .exec("SET GLOBAL sync_binlog = 1")
        .await
        .unwrap();
    lab.server(1)
        .exec("SET GLOBAL read_only = 1")
        .await
        .unwrap();
    lab
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running watcher; stopped (SIGTERM, then killed) when dropped. Its standard error is
/// gathered line by line.
struct Watcher {
    child: Child,
    port: u16,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Watcher {
    /// Starts `repldoctor watch ARGS` with its history in `history`.
    fn start(args: &[&str], history: &Path) -> Watcher {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let mut child = Command::new(env!("CARGO_BIN_EXE_repldoctor"))
            .arg("watch")
            .args(args)
            .args(["--listen", &listen])
            .args(["--history", &history.display().to_string()])
            .env("HOME", "/nonexistent")
            .env_remove("MYSQL_PWD")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let lines = stderr.clone();
        let pipe = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        Watcher {
            child,
            port,
            stderr,
        }
    }

    fn get(&self, path: &str) -> Option<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        write!(stream, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").ok()?;
        let mut response = String::new();
        stream.read_to_string(&mut response).ok()?;
        let (_, body) = response.split_once("\r\n\r\n")?;
        Some(body.to_owned())
    }

    /// Waits up to `limit` for `/metrics` to satisfy `holds`; returns the last exposition.
    fn metrics_until(&self, limit: Duration, holds: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let metrics = self.get("/metrics").unwrap_or_default();
            if holds(&metrics) {
                return metrics;
            }
            assert!(
                started.elapsed() < limit,
                "not within {limit:?}:\n{metrics}\nstderr: {:#?}",
                self.lines()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn lines(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }

    /// Stops the watcher as systemd would and returns its exit status.
    fn stop(mut self) -> Option<i32> {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The value of the one sample of `metric` whose labels include every one of `labels`.
fn sample(metrics: &str, metric: &str, labels: &[&str]) -> Option<f64> {
    metrics
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter(|line| line.starts_with(&format!("{metric}{{")))
        .find(|line| labels.iter().all(|label| line.contains(label)))
        .and_then(|line| line.rsplit_once(' '))
        .and_then(|(_, value)| value.parse().ok())
}

/// The findings the history holds for `target`, newest first; waits for the writer (which
/// writes within a second) until `holds`.
fn history_rows(path: &Path, target: &str) -> Vec<watch::history::FindingRow> {
    std::thread::sleep(Duration::from_millis(1500));
    let history = watch::history::History::open_read_only(path).unwrap();
    history.findings(target, 10).unwrap()
}

fn lines_with(lines: &[String], words: &[&str]) -> usize {
    lines
        .iter()
        .filter(|line| words.iter().all(|word| line.contains(word)))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_shows_within_two_intervals_and_starts_and_ends_once() {
    let lab = healthy_pair().await;
    let (replica, source) = (lab.server(1).monitor_dsn(), lab.server(0).monitor_dsn());
    let dir = tempfile::tempdir().unwrap();
    let history_path = dir.path().join("state/watch.sqlite");
    let watcher = Watcher::start(
        &[
            "--replica",
            &replica,
            "--source",
            &source,
            "--interval",
            "1",
        ],
        &history_path,
    );
    let name = format!("127.0.0.1:{}", lab.server(1).port());
    let target = format!("target=\"{name}\"");
    let target = target.as_str();
    let healthy = watcher.metrics_until(Duration::from_secs(20), |m| {
        sample(m, "repldoctor_up", &[target]) == Some(1.0)
            && sample(m, "repldoctor_positions_moving", &[target]).is_some()
    });
    assert_eq!(
        sample(
            &healthy,
            "repldoctor_applier_state",
            &[target, "state=\"running\""]
        ),
        Some(1.0),
        "{healthy}"
    );
    assert_eq!(
        sample(&healthy, "repldoctor_source_up", &[target]),
        Some(1.0)
    );
    assert_eq!(
        sample(&healthy, "repldoctor_health", &[target]),
        Some(0.0),
        "{healthy}"
    );
    assert_eq!(
        sample(&healthy, "repldoctor_transactions_behind", &[target]),
        Some(0.0),
        "{healthy}"
    );

    let injected = faults::duplicate_key(&lab, 0, 1).await.unwrap();
    assert_eq!(injected.status.sql_errno(), 1062);
    // The replica stopped when `duplicate_key` returned; two intervals (and a poll's time).
    let broken = watcher.metrics_until(Duration::from_secs(4), |m| {
        sample(m, "repldoctor_finding", &[target, "class=\"dup_key\""]) == Some(1.0)
    });
    assert_eq!(
        sample(
            &broken,
            "repldoctor_finding",
            &[target, "class=\"dup_key\"", "severity=\"critical\""]
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &broken,
            "repldoctor_applier_state",
            &[target, "state=\"error\""]
        ),
        Some(1.0),
        "{broken}"
    );
    assert_eq!(
        sample(
            &broken,
            "repldoctor_last_error_number",
            &[target, "thread=\"applier\""]
        ),
        Some(1062.0)
    );
    assert_eq!(sample(&broken, "repldoctor_health", &[target]), Some(2.0));
    // The stopped applier keeps a lag series instead of losing it with Seconds_Behind_Master.
    assert!(
        sample(&broken, "repldoctor_lag_seconds", &[target]).is_some(),
        "{broken}"
    );
    assert_eq!(
        sample(&broken, "repldoctor_transactions_behind", &[target]),
        Some(1.0),
        "{broken}"
    );
    let summary = watcher.get("/api/targets").unwrap();
    let targets: serde_json::Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(targets[0]["findings"][0]["class"], "dup_key", "{targets:#}");
    assert_eq!(targets[0]["figures"]["channels"][0]["applier_errno"], 1062);
    // The fleet page and the target's page say it, with the evidence and the plan.
    let fleet_page = watcher.get("/").unwrap();
    assert!(fleet_page.contains("critical</b> dup_key"), "{fleet_page}");
    assert!(fleet_page.contains("error (1062)"), "{fleet_page}");
    let target_page = watcher.get(&format!("/target/{name}")).unwrap();
    assert!(target_page.contains("dup_key"), "{target_page}");
    assert!(target_page.contains("Duplicate entry"), "{target_page}");
    assert!(target_page.contains("lab.dup"), "{target_page}");
    let chinese = watcher.get(&format!("/target/{name}?lang=zh")).unwrap();
    assert!(chinese.contains("English</a>"), "{chinese}");
    // The history holds the finding as open, with the evidence that raised it.
    let open = history_rows(&history_path, &name);
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0].class, "dup_key");
    assert_eq!(open[0].ended, None);

    // The DBA repairs it: the replica's row goes, the applier starts again.
    lab.server(1)
        .exec("SET SESSION sql_log_bin = 0; DELETE FROM lab.dup WHERE id = 10; START SLAVE")
        .await
        .unwrap();
    let repaired = watcher.metrics_until(Duration::from_secs(6), |m| {
        sample(m, "repldoctor_finding", &[target, "class=\"dup_key\""]).is_none()
            && sample(
                m,
                "repldoctor_applier_state",
                &[target, "state=\"running\""],
            ) == Some(1.0)
    });
    assert_eq!(
        sample(&repaired, "repldoctor_health", &[target]),
        Some(0.0),
        "{repaired}"
    );
    let ended = history_rows(&history_path, &name);
    assert_eq!(ended.len(), 1, "{ended:?}");
    assert!(ended[0].ended.is_some(), "{ended:?}");
    let lines = watcher.lines();
    assert_eq!(
        lines_with(&lines, &["started critical dup_key"]),
        1,
        "{lines:#?}"
    );
    assert_eq!(
        lines_with(&lines, &["ended critical dup_key"]),
        1,
        "{lines:#?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains(MONITOR_PASSWORD)),
        "{lines:#?}"
    );
    assert_eq!(watcher.stop(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_exits_with_the_worst_status() {
    let lab = healthy_pair().await;
    let (replica, source) = (lab.server(1).monitor_dsn(), lab.server(0).monitor_dsn());
    let once = || {
        let out = Command::new(env!("CARGO_BIN_EXE_repldoctor"))
            .args(["--format", "json", "watch", "--once"])
            .args(["--replica", &replica, "--source", &source])
            .env("HOME", "/nonexistent")
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code(), json)
    };
    let (code, json) = once();
    assert_eq!(code, Some(0), "{json:#}");
    assert_eq!(json["status"], "healthy");
    assert_eq!(json["targets"][0]["up"], true);
    faults::duplicate_key(&lab, 0, 1).await.unwrap();
    let (code, json) = once();
    assert_eq!(code, Some(2), "{json:#}");
    assert_eq!(json["exit_status"], 2);
    assert_eq!(json["targets"][0]["findings"][0]["class"], "dup_key");
    assert_eq!(json["targets"][0]["findings"][0]["error_code"], 1062);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_server_and_a_dead_one_delay_no_other_target() {
    let lab = healthy_pair().await;
    let dir = tempfile::tempdir().unwrap();
    // A server that accepts connections and never speaks.
    let hung = TcpListener::bind("127.0.0.1:0").unwrap();
    let hung_port = hung.local_addr().unwrap().port();
    let dead_port = free_port();
    std::fs::write(
        dir.path().join("monitor.cnf"),
        format!("[client]\nuser={MONITOR_USER}\npassword={MONITOR_PASSWORD}\n"),
    )
    .unwrap();
    let fleet = format!(
        "interval = 1\ntimeout = 1.5\n\
         [credentials.monitor]\noption_file = \"monitor.cnf\"\n\
         [[target]]\nname = \"good\"\nreplica = \"h=127.0.0.1,P={}\"\nsource = \"h=127.0.0.1,P={}\"\ncredentials = \"monitor\"\n\
         [[target]]\nname = \"hung\"\nreplica = \"h=127.0.0.1,P={hung_port}\"\ncredentials = \"monitor\"\n\
         [[target]]\nname = \"dead\"\nreplica = \"h=127.0.0.1,P={dead_port}\"\ncredentials = \"monitor\"\n",
        lab.server(1).port(),
        lab.server(0).port()
    );
    let path = dir.path().join("fleet.toml");
    std::fs::write(&path, fleet).unwrap();
    let watcher = Watcher::start(
        &[
            "--config",
            &path.display().to_string(),
            "--connect-timeout",
            "1",
        ],
        &dir.path().join("watch.sqlite"),
    );
    let first = watcher.metrics_until(Duration::from_secs(20), |m| {
        sample(m, "repldoctor_polls_total", &["target=\"good\""]) >= Some(1.0)
            && sample(m, "repldoctor_poll_failures_total", &["target=\"hung\""]) >= Some(1.0)
    });
    let polls = |m: &str| sample(m, "repldoctor_polls_total", &["target=\"good\""]).unwrap();
    let before = polls(&first);
    std::thread::sleep(Duration::from_secs(4));
    let later = watcher.get("/metrics").unwrap();
    // About one poll a second, whatever the other two do (backoff slows only them).
    assert!(polls(&later) - before >= 3.0, "{before} then {later}");
    assert_eq!(
        sample(&later, "repldoctor_up", &["target=\"good\""]),
        Some(1.0)
    );
    assert_eq!(
        sample(&later, "repldoctor_health", &["target=\"good\""]),
        Some(0.0)
    );
    for name in ["hung", "dead"] {
        let target = format!("target=\"{name}\"");
        assert_eq!(
            sample(&later, "repldoctor_up", &[&target]),
            Some(0.0),
            "{later}"
        );
        assert_eq!(sample(&later, "repldoctor_health", &[&target]), Some(3.0));
    }
    let targets: serde_json::Value =
        serde_json::from_str(&watcher.get("/api/targets").unwrap()).unwrap();
    let hung_state = targets
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "hung")
        .unwrap();
    let error = hung_state["error"].as_str().unwrap();
    assert!(error.contains(&hung_port.to_string()), "{error}");
    assert!(!error.contains(MONITOR_PASSWORD), "{error}");
    assert_eq!(watcher.stop(), Some(0));
    drop(hung);
}

/// A local HTTP receiver that answers 200 to every POST and keeps the JSON bodies.
struct Receiver {
    port: u16,
    bodies: Arc<Mutex<Vec<serde_json::Value>>>,
}

impl Receiver {
    fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let kept = bodies.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_ok()
                    && let Ok(json) = serde_json::from_slice(&body)
                {
                    kept.lock().unwrap().push(json);
                }
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
            }
        });
        Receiver { port, bodies }
    }

    fn bodies(&self) -> Vec<serde_json::Value> {
        self.bodies.lock().unwrap().clone()
    }

    fn count(&self, kind: &str, class: &str) -> usize {
        self.bodies()
            .iter()
            .filter(|b| b["kind"] == kind && b["class"] == class)
            .count()
    }

    fn wait_for(&self, kind: &str, class: &str, limit: Duration) {
        let started = Instant::now();
        while self.count(kind, class) == 0 {
            assert!(
                started.elapsed() < limit,
                "no {kind} {class}: {:#?}",
                self.bodies()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_is_called_once_at_the_start_and_once_at_the_end_across_a_restart() {
    let lab = healthy_pair().await;
    let receiver = Receiver::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("monitor.cnf"),
        format!("[client]\nuser={MONITOR_USER}\npassword={MONITOR_PASSWORD}\n"),
    )
    .unwrap();
    let fleet = format!(
        "interval = 1\n[credentials.monitor]\noption_file = \"monitor.cnf\"\n\
         [[target]]\nname = \"pair\"\nreplica = \"h=127.0.0.1,P={}\"\nsource = \"h=127.0.0.1,P={}\"\ncredentials = \"monitor\"\n\
         [[alert]]\nname = \"local\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:{}/hook\"\n",
        lab.server(1).port(),
        lab.server(0).port(),
        receiver.port
    );
    let path = dir.path().join("fleet.toml");
    std::fs::write(&path, fleet).unwrap();
    let config = path.display().to_string();
    let history = dir.path().join("watch.sqlite");
    let test = Command::new(env!("CARGO_BIN_EXE_repldoctor"))
        .args(["watch", "--config", &config, "--test-alert"])
        .output()
        .unwrap();
    assert_eq!(test.status.code(), Some(0), "{test:?}");
    assert_eq!(receiver.bodies().len(), 1);
    assert_eq!(receiver.bodies()[0]["kind"], "test");

    let watcher = Watcher::start(&["--config", &config], &history);
    watcher.metrics_until(Duration::from_secs(20), |m| {
        sample(m, "repldoctor_health", &["target=\"pair\""]) == Some(0.0)
    });
    faults::duplicate_key(&lab, 0, 1).await.unwrap();
    receiver.wait_for("started", "dup_key", Duration::from_secs(5));
    let started = receiver
        .bodies()
        .into_iter()
        .find(|b| b["kind"] == "started")
        .unwrap();
    assert_eq!(started["target"], "pair");
    assert_eq!(started["severity"], "critical");
    assert_eq!(started["error_code"], 1062);
    assert_eq!(
        started["evidence"]["facts"]["table"], "lab.dup",
        "{started:#}"
    );
    assert!(
        started["page"].as_str().unwrap().ends_with("/target/pair"),
        "{started:#}"
    );
    let since = |m: &str| {
        sample(
            m,
            "repldoctor_finding_since_timestamp_seconds",
            &["target=\"pair\"", "class=\"dup_key\""],
        )
    };
    let before = since(&watcher.get("/metrics").unwrap()).unwrap();

    // The watcher dies (SIGKILL) and comes back on the same history: the finding is still the
    // one that started then, and nobody is told again.
    drop(watcher);
    let watcher = Watcher::start(&["--config", &config], &history);
    let again = watcher.metrics_until(Duration::from_secs(20), |m| {
        sample(m, "repldoctor_polls_total", &["target=\"pair\""]) >= Some(3.0)
    });
    assert_eq!(since(&again), Some(before), "{again}");
    assert_eq!(
        receiver.count("started", "dup_key"),
        1,
        "{:#?}",
        receiver.bodies()
    );

    lab.server(1)
        .exec("SET SESSION sql_log_bin = 0; DELETE FROM lab.dup WHERE id = 10; START SLAVE")
        .await
        .unwrap();
    receiver.wait_for("ended", "dup_key", Duration::from_secs(6));
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        receiver.count("ended", "dup_key"),
        1,
        "{:#?}",
        receiver.bodies()
    );
    assert_eq!(
        receiver.count("started", "dup_key"),
        1,
        "{:#?}",
        receiver.bodies()
    );
    assert_eq!(watcher.stop(), Some(0));
}

/// What headless Chromium renders of `url` (its DOM after load), with a screenshot saved as
/// `shot` in the test's target directory.
fn browse(url: &str, shot: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let common = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];
    let profile_arg = format!("--user-data-dir={}", profile.path().display());
    let dom = Command::new("chromium")
        .args(common)
        .arg(&profile_arg)
        .arg("--dump-dom")
        .arg(url)
        .output()
        .unwrap();
    assert!(dom.status.success(), "{dom:?}");
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(shot);
    let screenshot = Command::new("chromium")
        .args(common)
        .arg(&profile_arg)
        .arg("--window-size=1280,900")
        .arg(format!("--screenshot={}", path.display()))
        .arg(url)
        .output()
        .unwrap();
    assert!(screenshot.status.success(), "{screenshot:?}");
    let png = std::fs::read(&path).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{}",
        path.display()
    );
    String::from_utf8_lossy(&dom.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_render_in_a_headless_browser() {
    if !fixtures_dir::installed("chromium") {
        return;
    }
    let lab = healthy_pair().await;
    let (replica, source) = (lab.server(1).monitor_dsn(), lab.server(0).monitor_dsn());
    let dir = tempfile::tempdir().unwrap();
    let watcher = Watcher::start(
        &[
            "--replica",
            &replica,
            "--source",
            &source,
            "--interval",
            "1",
        ],
        &dir.path().join("watch.sqlite"),
    );
    let name = format!("127.0.0.1:{}", lab.server(1).port());
    let target = format!("target=\"{name}\"");
    faults::duplicate_key(&lab, 0, 1).await.unwrap();
    watcher.metrics_until(Duration::from_secs(20), |m| {
        sample(m, "repldoctor_finding", &[&target, "class=\"dup_key\""]) == Some(1.0)
    });
    // Two more polls, so that the history has a few figures to draw.
    std::thread::sleep(Duration::from_secs(2));
    let base = format!("http://127.0.0.1:{}", watcher.port);
    let fleet = browse(&format!("{base}/"), "watch-fleet.png");
    assert!(fleet.contains("<table>"), "{fleet}");
    assert!(fleet.contains(&name), "{fleet}");
    assert!(fleet.contains("dup_key"), "{fleet}");
    assert!(fleet.contains("error (1062)"), "{fleet}");
    let page = browse(&format!("{base}/target/{name}"), "watch-target.png");
    assert!(page.contains("dup_key"), "{page}");
    assert!(page.contains("Duplicate entry"), "{page}");
    assert!(page.contains("Timeline"), "{page}");
    assert!(page.contains("<svg"), "the lag chart: {page}");
    // The lag of the stopped applier is a number of seconds (since the failed transaction was
    // written), in the channel table, and drawn.
    assert!(
        page.split("<td>")
            .any(|cell| cell.trim_end_matches("</td>").ends_with(" s")),
        "{page}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_killed_and_restarted_is_seen_and_cleared_while_the_watcher_serves() {
    let mut lab = healthy_pair().await;
    let (replica, source) = (lab.server(1).monitor_dsn(), lab.server(0).monitor_dsn());
    let dir = tempfile::tempdir().unwrap();
    let watcher = Watcher::start(
        &[
            "--replica",
            &replica,
            "--source",
            &source,
            "--interval",
            "1",
        ],
        &dir.path().join("watch.sqlite"),
    );
    let target = format!("target=\"127.0.0.1:{}\"", lab.server(1).port());
    let target = target.as_str();
    watcher.metrics_until(Duration::from_secs(20), |m| {
        sample(m, "repldoctor_health", &[target]) == Some(0.0)
    });
    lab.server_mut(0).crash();
    let down = watcher.metrics_until(Duration::from_secs(30), |m| {
        sample(m, "repldoctor_source_up", &[target]) == Some(0.0)
            && sample(
                m,
                "repldoctor_receiver_state",
                &[target, "state=\"running\""],
            ) == Some(0.0)
    });
    assert_eq!(
        sample(&down, "repldoctor_up", &[target]),
        Some(1.0),
        "{down}"
    );
    assert!(
        sample(&down, "repldoctor_health", &[target]) >= Some(1.0),
        "{down}"
    );
    lab.server_mut(0).start().await.unwrap();
    // A restarted server forgets what SET GLOBAL changed.
    lab.server(0)
        .exec("SET GLOBAL sync_binlog = 1")
        .await
        .unwrap();
    let back = watcher.metrics_until(Duration::from_secs(60), |m| {
        sample(m, "repldoctor_source_up", &[target]) == Some(1.0)
            && sample(
                m,
                "repldoctor_receiver_state",
                &[target, "state=\"running\""],
            ) == Some(1.0)
            && sample(m, "repldoctor_health", &[target]) == Some(0.0)
    });
    assert!(!back.contains("repldoctor_finding{"), "{back}");
    let lines = watcher.lines();
    let started = lines.iter().filter(|l| l.contains(": started ")).count();
    let ended = lines.iter().filter(|l| l.contains(": ended ")).count();
    assert!(started >= 1, "{lines:#?}");
    assert_eq!(
        started, ended,
        "every finding the crash raised ended: {lines:#?}"
    );
    assert_eq!(watcher.stop(), Some(0));
}
