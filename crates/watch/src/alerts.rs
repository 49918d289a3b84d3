//! Alerts when a finding starts, changes severity or ends: a generic webhook, Slack, DingTalk
//! (signed robot), WeCom and Alertmanager's v2 API. One task per sink: it drops what is below
//! its severity or silenced by a maintenance window, sends each transition once, repeats a
//! finding that still holds after its repeat interval, keeps within the sink's rate limit
//! (DingTalk and WeCom: 20 a minute, merging what waits into one message), and retries a
//! failed delivery a few times. A sink's URL can hold its token: it is never printed.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use diagnose::Severity;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::fleet::{ActiveFinding, Transition, TransitionKind};

/// Delivery attempts of one message before it is given up (and logged).
const ATTEMPTS: u32 = 3;
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest chat message; longer ones are cut (WeCom refuses more than 4096 bytes).
const MAX_TEXT_BYTES: usize = 3800;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SinkKind {
    Webhook,
    Slack,
    Dingtalk,
    Wecom,
    Alertmanager,
}

impl SinkKind {
    pub fn name(self) -> &'static str {
        match self {
            SinkKind::Webhook => "webhook",
            SinkKind::Slack => "slack",
            SinkKind::Dingtalk => "dingtalk",
            SinkKind::Wecom => "wecom",
            SinkKind::Alertmanager => "alertmanager",
        }
    }

    /// Messages a minute the service accepts (DingTalk blocks a robot for ten minutes past 20).
    fn per_minute(self) -> u32 {
        match self {
            SinkKind::Dingtalk | SinkKind::Wecom => 20,
            SinkKind::Slack => 60,
            SinkKind::Webhook | SinkKind::Alertmanager => 600,
        }
    }

    /// Whether several waiting transitions go out as one message.
    fn merges(self) -> bool {
        matches!(self, SinkKind::Slack | SinkKind::Dingtalk | SinkKind::Wecom)
    }
}

/// One sink, checked.
#[derive(Debug, Clone)]
pub struct Sink {
    pub name: String,
    pub kind: SinkKind,
    /// Resolved from `url` or `url_env`; may hold a token: never printed.
    pub url: String,
    /// DingTalk's signing secret.
    pub secret: Option<String>,
    pub min_severity: Severity,
    /// A finding that still holds is sent again after this long (`None`: never).
    pub repeat: Option<Duration>,
    pub zh: bool,
    /// Glob patterns of target names; empty: every target.
    pub targets: Vec<glob::Pattern>,
    /// Where a finding's page is, for links: `http://host:port`.
    pub page: Option<String>,
}

/// A time the alerts of some classes (or all) on some targets are silenced.
#[derive(Debug, Clone)]
pub struct Maintenance {
    pub name: String,
    pub targets: Vec<glob::Pattern>,
    /// Silenced classes (`as_str` names); empty: every class.
    pub classes: Vec<String>,
    pub when: Window,
}

#[derive(Debug, Clone)]
pub enum Window {
    /// Every day between two times of day, UTC (may wrap past midnight).
    Daily {
        from: jiff::civil::Time,
        until: jiff::civil::Time,
    },
    Once {
        from: Timestamp,
        until: Timestamp,
    },
}

impl Window {
    fn holds(&self, at: Timestamp) -> bool {
        match self {
            Window::Once { from, until } => *from <= at && at < *until,
            Window::Daily { from, until } => {
                let time = at.to_zoned(jiff::tz::TimeZone::UTC).time();
                if from <= until {
                    *from <= time && time < *until
                } else {
                    time >= *from || time < *until
                }
            }
        }
    }
}

impl Maintenance {
    fn silences(&self, transition: &Transition) -> bool {
        matches_any(&self.targets, &transition.target)
            && (self.classes.is_empty()
                || self
                    .classes
                    .iter()
                    .any(|c| c == transition.finding.class.as_str()))
            && self.when.holds(transition.at)
    }
}

fn matches_any(patterns: &[glob::Pattern], name: &str) -> bool {
    patterns.is_empty() || patterns.iter().any(|p| p.matches(name))
}

/// What a sink is sent: a transition, a repeat of a finding that holds, or a test.
#[derive(Debug, Clone)]
enum Message {
    Transition(Transition),
    Repeat(Transition),
    Test,
}

impl Message {
    fn kind(&self) -> &'static str {
        match self {
            Message::Transition(t) => t.kind.name(),
            Message::Repeat(_) => "repeat",
            Message::Test => "test",
        }
    }

    fn transition(&self) -> Option<&Transition> {
        match self {
            Message::Transition(t) | Message::Repeat(t) => Some(t),
            Message::Test => None,
        }
    }
}

/// Starts one task per sink, fed from the returned sender. `open` are the findings that hold
/// as the watcher starts (from the history): they are repeated, not announced again.
pub fn start(
    sinks: Vec<Sink>,
    maintenance: Vec<Maintenance>,
    open: Vec<(String, ActiveFinding)>,
) -> mpsc::UnboundedSender<Transition> {
    let (sender, mut receiver) = mpsc::unbounded_channel::<Transition>();
    let client = client();
    let mut feeds = Vec::new();
    for sink in sinks {
        let (feed, inbox) = mpsc::unbounded_channel::<Transition>();
        feeds.push(feed);
        let open = open.clone();
        let maintenance = maintenance.clone();
        let client = client.clone();
        tokio::spawn(async move { run_sink(sink, maintenance, open, inbox, client).await });
    }
    tokio::spawn(async move {
        while let Some(transition) = receiver.recv().await {
            for feed in &feeds {
                let _ = feed.send(transition.clone());
            }
        }
    });
    sender
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(SEND_TIMEOUT)
        .build()
        .unwrap_or_default()
}

/// Sends a test message to every sink; gives each one's outcome.
pub async fn test(sinks: &[Sink]) -> Vec<(String, Result<(), String>)> {
    let client = client();
    let mut results = Vec::new();
    for sink in sinks {
        let outcome = deliver(&client, sink, &[Message::Test]).await;
        results.push((sink.name.clone(), outcome));
    }
    results
}

/// A finding's identity for repeats and silences.
type Key = (String, String, Option<String>);

fn key_of(transition: &Transition) -> Key {
    (
        transition.target.clone(),
        transition.finding.class.as_str().to_owned(),
        transition.finding.channel.clone(),
    )
}

async fn run_sink(
    sink: Sink,
    maintenance: Vec<Maintenance>,
    open: Vec<(String, ActiveFinding)>,
    mut inbox: mpsc::UnboundedReceiver<Transition>,
    client: reqwest::Client,
) {
    // Findings that hold and were sent (or held at the start), with when they were last sent.
    let mut active: BTreeMap<Key, (Transition, Instant)> = BTreeMap::new();
    for (target, finding) in open {
        let transition = Transition {
            target,
            at: finding.since,
            kind: TransitionKind::Started,
            finding,
            evidence: Value::Null,
        };
        active.insert(key_of(&transition), (transition, Instant::now()));
    }
    // Findings whose start a maintenance window silenced: their end is not sent either.
    let mut silenced: BTreeMap<Key, String> = BTreeMap::new();
    let mut queue: VecDeque<Message> = VecDeque::new();
    let mut sent: VecDeque<Instant> = VecDeque::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            received = inbox.recv() => {
                let Some(transition) = received else { return };
                if let Some(message) = admit(&sink, &maintenance, &mut active, &mut silenced, transition) {
                    queue.push_back(message);
                }
            }
            _ = tick.tick() => {
                if let Some(repeat) = sink.repeat {
                    for (transition, last) in active.values_mut() {
                        if last.elapsed() >= repeat {
                            *last = Instant::now();
                            queue.push_back(Message::Repeat(transition.clone()));
                        }
                    }
                }
            }
        }
        while !queue.is_empty() {
            while sent
                .front()
                .is_some_and(|at| at.elapsed() >= Duration::from_secs(60))
            {
                sent.pop_front();
            }
            if sent.len() >= sink.kind.per_minute() as usize {
                break;
            }
            let batch: Vec<Message> = if sink.kind.merges() || sink.kind == SinkKind::Alertmanager {
                queue.drain(..).collect()
            } else {
                queue.pop_front().into_iter().collect()
            };
            sent.push_back(Instant::now());
            if let Err(reason) = deliver(&client, &sink, &batch).await {
                eprintln!(
                    "repldoctor watch: alert {} ({}): {} message(s) not delivered: {reason}",
                    sink.name,
                    sink.kind.name(),
                    batch.len()
                );
            }
        }
    }
}

/// Whether `transition` is to be sent to `sink`, keeping the sink's view of what holds.
fn admit(
    sink: &Sink,
    maintenance: &[Maintenance],
    active: &mut BTreeMap<Key, (Transition, Instant)>,
    silenced: &mut BTreeMap<Key, String>,
    transition: Transition,
) -> Option<Message> {
    if !matches_any(&sink.targets, &transition.target) {
        return None;
    }
    let key = key_of(&transition);
    if transition.kind == TransitionKind::Ended {
        active.remove(&key);
        if let Some(window) = silenced.remove(&key) {
            eprintln!(
                "repldoctor watch: alert {}: the end of {} on {} not sent: its start was silenced by maintenance {window}",
                sink.name,
                transition.finding.class.as_str(),
                transition.target
            );
            return None;
        }
        return (transition.finding.severity >= sink.min_severity)
            .then_some(Message::Transition(transition));
    }
    if transition.finding.severity < sink.min_severity {
        // Below this sink's bar now: it no longer holds for the sink.
        active.remove(&key);
        return None;
    }
    if let Some(window) = maintenance.iter().find(|m| m.silences(&transition)) {
        silenced.insert(key, window.name.clone());
        eprintln!(
            "repldoctor watch: alert {}: {} {} on {} silenced by maintenance {}",
            sink.name,
            transition.kind.name(),
            transition.finding.class.as_str(),
            transition.target,
            window.name
        );
        return None;
    }
    silenced.remove(&key);
    active.insert(key, (transition.clone(), Instant::now()));
    Some(Message::Transition(transition))
}

/// Sends `batch` as the sink's service wants it, retrying a failed delivery.
async fn deliver(client: &reqwest::Client, sink: &Sink, batch: &[Message]) -> Result<(), String> {
    let bodies = bodies(sink, batch);
    for body in bodies {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match post(client, sink, &body).await {
                Ok(()) => break,
                Err(Failure::RetryAfter(wait)) if attempt < ATTEMPTS => {
                    tokio::time::sleep(wait).await;
                }
                Err(Failure::Other(_)) if attempt < ATTEMPTS => {
                    tokio::time::sleep(Duration::from_secs(1 << attempt)).await;
                }
                Err(Failure::RetryAfter(_)) => return Err("rate limited by the service".into()),
                Err(Failure::Other(reason)) => return Err(reason),
            }
        }
    }
    Ok(())
}

enum Failure {
    RetryAfter(Duration),
    Other(String),
}

async fn post(client: &reqwest::Client, sink: &Sink, body: &Value) -> Result<(), Failure> {
    let url = match (&sink.kind, &sink.secret) {
        (SinkKind::Dingtalk, Some(secret)) => signed_dingtalk_url(&sink.url, secret),
        (SinkKind::Alertmanager, _) => format!("{}/api/v2/alerts", sink.url.trim_end_matches('/')),
        _ => sink.url.clone(),
    };
    // The driver's error may quote the URL, which may hold a token: say only what failed.
    let response = client.post(&url).json(body).send().await.map_err(|err| {
        let what = if err.is_timeout() {
            "no answer in time"
        } else if err.is_connect() {
            "cannot connect"
        } else {
            "the request failed"
        };
        Failure::Other(what.to_owned())
    })?;
    let status = response.status();
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        let wait = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(30)
            .min(300);
        return Err(Failure::RetryAfter(Duration::from_secs(wait)));
    }
    if !status.is_success() {
        return Err(Failure::Other(format!("HTTP {status}")));
    }
    if matches!(sink.kind, SinkKind::Dingtalk | SinkKind::Wecom) {
        // Both answer 200 with an error code in the body.
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        let code = answer.get("errcode").and_then(Value::as_i64).unwrap_or(0);
        if code != 0 {
            let message = answer.get("errmsg").and_then(Value::as_str).unwrap_or("");
            return Err(Failure::Other(format!("error {code}: {message}")));
        }
    }
    Ok(())
}

/// DingTalk's signature: HMAC-SHA256 of `timestamp\nsecret` under the secret, base64, in the
/// query with the timestamp in milliseconds.
fn signed_dingtalk_url(url: &str, secret: &str) -> String {
    let timestamp = Timestamp::now().as_millisecond();
    let signature = dingtalk_signature(timestamp, secret);
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}timestamp={timestamp}&sign={signature}")
}

fn dingtalk_signature(timestamp: i64, secret: &str) -> String {
    use base64::Engine;
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(format!("{timestamp}\n{secret}").as_bytes());
    let digest = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    percent_encoding::utf8_percent_encode(&digest, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The request bodies for a batch: one per message for a webhook, one merged message for a
/// chat service, one array for Alertmanager.
fn bodies(sink: &Sink, batch: &[Message]) -> Vec<Value> {
    match sink.kind {
        SinkKind::Webhook => batch.iter().map(|m| webhook_body(sink, m)).collect(),
        SinkKind::Alertmanager => vec![Value::Array(
            batch
                .iter()
                .filter_map(|m| alertmanager_alert(sink, m))
                .collect(),
        )],
        SinkKind::Slack | SinkKind::Dingtalk | SinkKind::Wecom => {
            let text = chat_text(sink, batch);
            vec![match sink.kind {
                SinkKind::Slack => json!({ "text": text }),
                SinkKind::Dingtalk => json!({
                    "msgtype": "markdown",
                    "markdown": { "title": chat_title(sink, batch), "text": text },
                }),
                _ => json!({ "msgtype": "markdown", "markdown": { "content": text } }),
            }]
        }
    }
}

/// The generic webhook's body (documented in the README).
fn webhook_body(sink: &Sink, message: &Message) -> Value {
    let Some(transition) = message.transition() else {
        return json!({
            "version": 1,
            "source": "repldoctor",
            "kind": "test",
            "at": Timestamp::now(),
        });
    };
    let finding = &transition.finding;
    json!({
        "version": 1,
        "source": "repldoctor",
        "kind": message.kind(),
        "target": transition.target,
        "channel": finding.channel,
        "class": finding.class.as_str(),
        "severity": finding.severity.as_str(),
        "error_code": finding.error_code,
        "title": finding.title,
        "since": finding.since,
        "at": transition.at,
        "evidence": transition.evidence,
        "page": page_link(sink, &transition.target),
    })
}

fn alertmanager_alert(sink: &Sink, message: &Message) -> Option<Value> {
    let transition = message.transition()?;
    let finding = &transition.finding;
    let mut alert = json!({
        "labels": {
            "alertname": "ReplicationFinding",
            "target": transition.target,
            "channel": finding.channel.clone().unwrap_or_default(),
            "class": finding.class.as_str(),
            "severity": finding.severity.as_str(),
        },
        "annotations": {
            "summary": finding.title,
            "description": transition.evidence.get("root_cause").cloned().unwrap_or(Value::Null),
        },
        "startsAt": finding.since,
    });
    if transition.kind == TransitionKind::Ended {
        alert["endsAt"] = json!(transition.at);
    }
    if let Some(link) = page_link(sink, &transition.target) {
        alert["generatorURL"] = json!(link);
    }
    Some(alert)
}

fn chat_title(sink: &Sink, batch: &[Message]) -> String {
    match batch {
        [one] => match one.transition() {
            Some(t) => format!("{} {} {}", t.target, t.finding.class.as_str(), one.kind()),
            None => "repldoctor test".into(),
        },
        _ if sink.zh => format!("repldoctor: {} 条复制告警", batch.len()),
        _ => format!("repldoctor: {} replication alerts", batch.len()),
    }
}

/// Markdown for chat services: one paragraph per message, cut to what the service takes.
fn chat_text(sink: &Sink, batch: &[Message]) -> String {
    let mut text = String::new();
    for message in batch {
        let line = match message.transition() {
            None if sink.zh => "repldoctor 告警测试：此渠道可以收到告警。".to_owned(),
            None => "repldoctor alert test: this channel receives alerts.".to_owned(),
            Some(t) => {
                let word = match (message.kind(), sink.zh) {
                    ("started", false) => "started",
                    ("changed", false) => "changed severity",
                    ("ended", false) => "ended",
                    ("repeat", false) => "still holds",
                    ("started", true) => "开始",
                    ("changed", true) => "级别变化",
                    ("ended", true) => "结束",
                    (_, true) => "仍然存在",
                    (other, false) => other,
                };
                let channel = match t.finding.channel.as_deref() {
                    Some("") | None => String::new(),
                    Some(c) => format!(" channel {c}"),
                };
                let link = page_link(sink, &t.target)
                    .map(|l| format!(" ({l})"))
                    .unwrap_or_default();
                format!(
                    "**{}** {}{channel}: {} `{}` {word}: {}{link}",
                    t.finding.severity.as_str().to_uppercase(),
                    t.target,
                    t.finding
                        .error_code
                        .map(|c| format!("error {c},"))
                        .unwrap_or_default(),
                    t.finding.class.as_str(),
                    t.finding.title
                )
            }
        };
        if text.len() + line.len() + 2 > MAX_TEXT_BYTES {
            text.push_str("\n\n…");
            break;
        }
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&line);
    }
    text
}

fn page_link(sink: &Sink, target: &str) -> Option<String> {
    let base = sink.page.as_ref()?;
    let name: String =
        percent_encoding::utf8_percent_encode(target, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    Some(format!("{base}/target/{name}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use diagnose::Class;

    fn sink(kind: SinkKind) -> Sink {
        Sink {
            name: "t".into(),
            kind,
            url: "http://127.0.0.1:1/hook".into(),
            secret: None,
            min_severity: Severity::Warning,
            repeat: None,
            zh: false,
            targets: Vec::new(),
            page: Some("http://127.0.0.1:9108".into()),
        }
    }

    fn transition(kind: TransitionKind, class: Class, severity: Severity) -> Transition {
        Transition {
            target: "orders-1".into(),
            at: Timestamp::from_second(1_800_000_000).unwrap(),
            kind,
            finding: ActiveFinding {
                class,
                channel: Some(String::new()),
                severity,
                error_code: Some(1062),
                title: "Duplicate entry".into(),
                since: Timestamp::from_second(1_799_999_990).unwrap(),
            },
            evidence: json!({"root_cause": "written on the replica"}),
        }
    }

    #[test]
    fn dingtalk_signature_is_the_documented_hmac() {
        // HMAC-SHA256("1700000000000\nSECx", key "SECx"), base64, percent-encoded: computed with
        // Python's hmac/hashlib/base64/urllib as DingTalk's documentation does.
        assert_eq!(
            dingtalk_signature(1_700_000_000_000, "SECx"),
            "rgcjbH%2ByFyES%2BS0llX%2BcAPCwVRpsr7sbiX5Lnyo%2FocU%3D"
        );
    }

    #[test]
    fn a_silenced_start_silences_its_end_and_other_classes_still_alert() {
        let window = Maintenance {
            name: "nightly backup".into(),
            targets: vec![glob::Pattern::new("orders-*").unwrap()],
            classes: vec!["applier_killed".into()],
            when: Window::Daily {
                from: jiff::civil::time(23, 0, 0, 0),
                until: jiff::civil::time(3, 0, 0, 0),
            },
        };
        // 1_800_000_000 is 2027-01-15T08:00:00Z: outside the window; move it to 01:00.
        let mut killed = transition(
            TransitionKind::Started,
            Class::ApplierKilled,
            Severity::Critical,
        );
        killed.at = "2027-01-15T01:00:00Z".parse().unwrap();
        let sink = sink(SinkKind::Webhook);
        let (mut active, mut silenced) = (BTreeMap::new(), BTreeMap::new());
        let windows = [window];
        assert!(admit(&sink, &windows, &mut active, &mut silenced, killed.clone()).is_none());
        let mut ended = killed.clone();
        ended.kind = TransitionKind::Ended;
        assert!(admit(&sink, &windows, &mut active, &mut silenced, ended).is_none());
        let mut stopped = transition(TransitionKind::Started, Class::DupKey, Severity::Critical);
        stopped.at = killed.at;
        assert!(admit(&sink, &windows, &mut active, &mut silenced, stopped).is_some());
        // Outside the window the same class alerts.
        let mut later = killed;
        later.at = "2027-01-15T08:00:00Z".parse().unwrap();
        assert!(admit(&sink, &windows, &mut active, &mut silenced, later).is_some());
    }

    #[test]
    fn below_the_bar_is_not_sent() {
        let sink = sink(SinkKind::Slack);
        let (mut active, mut silenced) = (BTreeMap::new(), BTreeMap::new());
        let info = transition(TransitionKind::Started, Class::DupKey, Severity::Info);
        assert!(admit(&sink, &[], &mut active, &mut silenced, info).is_none());
        assert!(active.is_empty());
    }

    #[test]
    fn each_service_gets_its_shape() {
        let started = Message::Transition(transition(
            TransitionKind::Started,
            Class::DupKey,
            Severity::Critical,
        ));
        let ended = Message::Transition(transition(
            TransitionKind::Ended,
            Class::DupKey,
            Severity::Critical,
        ));
        let hook = bodies(&sink(SinkKind::Webhook), std::slice::from_ref(&started));
        assert_eq!(hook.len(), 1);
        assert_eq!(hook[0]["kind"], "started");
        assert_eq!(hook[0]["class"], "dup_key");
        assert_eq!(hook[0]["page"], "http://127.0.0.1:9108/target/orders%2D1");
        let am = bodies(
            &sink(SinkKind::Alertmanager),
            &[started.clone(), ended.clone()],
        );
        assert_eq!(am.len(), 1);
        assert_eq!(am[0][0]["labels"]["class"], "dup_key");
        assert!(am[0][0].get("endsAt").is_none());
        assert!(am[0][1].get("endsAt").is_some());
        let ding = bodies(&sink(SinkKind::Dingtalk), &[started.clone(), ended]);
        assert_eq!(ding.len(), 1, "merged into one message");
        let text = ding[0]["markdown"]["text"].as_str().unwrap();
        assert!(text.contains("started") && text.contains("ended"), "{text}");
        let wecom = bodies(&sink(SinkKind::Wecom), std::slice::from_ref(&started));
        assert_eq!(wecom[0]["msgtype"], "markdown");
        let many = vec![started; 500];
        let long = bodies(&sink(SinkKind::Wecom), &many);
        let content = long[0]["markdown"]["content"].as_str().unwrap();
        assert!(content.len() <= MAX_TEXT_BYTES + 8, "{}", content.len());
    }
}
