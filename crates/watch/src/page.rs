//! The web page, rendered on the server: the fleet at a glance and a page per target. Charts
//! are SVG drawn here, so the page needs no script and no network beyond the watcher.

use std::fmt::Write;

use diagnose::Lang;
use diagnose::render::{self, TextOptions};
use jiff::Timestamp;

use crate::figures::ThreadState;
use crate::fleet::{Health, TargetState};
use crate::history::FindingRow;

/// A lag series: `(time, lag)`, oldest first; `None` where the lag was not known.
pub type LagSeries = Vec<(Timestamp, Option<f64>)>;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}\
table{border-collapse:collapse}td,th{padding:.3em .7em;border-bottom:1px solid #ddd;\
text-align:left;vertical-align:top}th{background:#f4f4f4}.dot{display:inline-block;width:.8em;\
height:.8em;border-radius:50%}.healthy{background:#2e7d32}.warning{background:#f9a825}\
.critical{background:#c62828}.unknown{background:#757575}pre{background:#f7f7f7;padding:1em;\
overflow-x:auto}a{color:#0b57d0}.muted{color:#777}";

/// The fleet: a row per target and channel, the worst first (health, then lag, then name).
pub fn fleet(
    targets: &[&TargetState],
    sparklines: &[(String, LagSeries)],
    refresh_seconds: u64,
    now: Timestamp,
) -> String {
    let mut rows: Vec<&TargetState> = targets.to_vec();
    rows.sort_by(|a, b| {
        b.health
            .cmp(&a.health)
            .then(worst_lag(b).total_cmp(&worst_lag(a)))
            .then(a.name.cmp(&b.name))
    });
    let worst = rows.first().map_or(Health::Unknown, |t| t.health);
    let mut out = head("repldoctor watch", refresh_seconds);
    let _ = write!(
        out,
        "<h1>repldoctor watch</h1><p>{} target(s); worst: <span class=\"dot {}\"></span> {}</p>",
        rows.len(),
        worst.name(),
        worst.name()
    );
    if rows.is_empty() {
        out.push_str("<p>No targets.</p>");
    } else {
        out.push_str(
            "<table><tr><th></th><th>target</th><th>channel</th><th>receiver</th>\
             <th>applier</th><th>lag</th><th>last hour</th><th>findings</th><th>polled</th></tr>",
        );
        for target in rows {
            let link = format!(
                "<a href=\"/target/{}\">{}</a><br><span class=\"muted\">{}</span>",
                escape_path(&target.name),
                escape(&target.name),
                escape(&target.replica)
            );
            let findings = findings_cell(target);
            let polled = match target.polled_at {
                Some(at) => format!("{} s ago", (now - at).get_seconds().max(0)),
                None => "not yet".into(),
            };
            let spark = sparklines
                .iter()
                .find(|(name, _)| name == &target.name)
                .map(|(_, series)| sparkline(series, 120, 24))
                .unwrap_or_default();
            let dot = format!("<span class=\"dot {}\"></span>", target.health.name());
            if target.figures.channels.is_empty() || !target.up {
                let state = match &target.error {
                    Some(error) => escape(error),
                    None if target.up => "not a replica".into(),
                    None => "not polled yet".into(),
                };
                let _ = write!(
                    out,
                    "<tr><td>{dot}</td><td>{link}</td><td colspan=\"4\">{state}</td><td>{spark}</td>\
                     <td>{findings}</td><td>{polled}</td></tr>"
                );
                continue;
            }
            for channel in &target.figures.channels {
                let lag = channel
                    .lag_seconds
                    .map_or_else(|| "unknown".into(), |l| format!("{l:.0} s"));
                let _ = write!(
                    out,
                    "<tr><td>{dot}</td><td>{link}</td><td>{}</td><td>{}</td><td>{}</td>\
                     <td>{lag}</td><td>{spark}</td><td>{findings}</td><td>{polled}</td></tr>",
                    escape(channel_name(&channel.channel)),
                    thread(channel.receiver, channel.receiver_errno),
                    thread(channel.applier, channel.applier_errno),
                );
            }
        }
        out.push_str("</table>");
    }
    out.push_str("<p class=\"muted\"><a href=\"/metrics\">/metrics</a> · <a href=\"/api/targets\">/api/targets</a></p></body></html>");
    out
}

/// One target: its channels, its lag over time, the current diagnosis with evidence and fix
/// plan, and the timeline of its findings.
pub fn target(
    target: &TargetState,
    lag: &LagSeries,
    timeline: Option<&[FindingRow]>,
    lang: Lang,
    refresh_seconds: u64,
) -> String {
    let mut out = head(
        &format!("{} - repldoctor watch", target.name),
        refresh_seconds,
    );
    let _ = write!(
        out,
        "<p><a href=\"/\">fleet</a></p><h1><span class=\"dot {}\"></span> {}</h1><p>{} · {}</p>",
        target.health.name(),
        escape(&target.name),
        escape(&target.replica),
        escape(target.health.name())
    );
    if let Some(error) = &target.error {
        let _ = write!(out, "<p><b>Not reached:</b> {}</p>", escape(error));
    }
    if !target.figures.channels.is_empty() {
        out.push_str(
            "<h2>Channels</h2><table><tr><th>channel</th><th>receiver</th><th>applier</th>\
             <th>lag</th><th>bytes behind</th><th>transactions behind</th><th>applied position</th>\
             <th>moving</th></tr>",
        );
        for c in &target.figures.channels {
            let number = |n: Option<u64>| n.map_or_else(|| "unknown".into(), |n| n.to_string());
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(channel_name(&c.channel)),
                thread(c.receiver, c.receiver_errno),
                thread(c.applier, c.applier_errno),
                c.lag_seconds
                    .map_or_else(|| "unknown".into(), |l| format!("{l:.0} s")),
                number(c.bytes_behind),
                number(c.transactions_behind),
                c.applied
                    .as_ref()
                    .map_or_else(|| "unknown".into(), |(f, p)| escape(&format!("{f}:{p}"))),
                c.positions_moving
                    .map_or("unknown", |m| if m { "yes" } else { "no" }),
            );
        }
        out.push_str("</table>");
    }
    out.push_str("<h2>Lag, last 6 hours</h2>");
    if lag.iter().any(|(_, l)| l.is_some()) {
        out.push_str(&chart(lag, 720, 160));
    } else {
        out.push_str("<p class=\"muted\">No lag recorded yet.</p>");
    }
    let other = match lang {
        Lang::En => "<a href=\"?lang=zh\">中文</a>",
        Lang::Zh => "<a href=\"?lang=en\">English</a>",
    };
    let _ = write!(out, "<h2>Diagnosis</h2><p>{other}</p>");
    match &target.report {
        Some(report) => {
            let text = render::text(report, TextOptions { lang, color: false });
            let _ = write!(out, "<pre>{}</pre>", escape(&text));
        }
        None => out.push_str("<p class=\"muted\">Not diagnosed yet.</p>"),
    }
    out.push_str("<h2>Timeline</h2>");
    match timeline {
        None => out.push_str("<p class=\"muted\">No history kept (watch runs without one).</p>"),
        Some([]) => out.push_str("<p class=\"muted\">No finding yet.</p>"),
        Some(rows) => {
            out.push_str(
                "<table><tr><th>started</th><th>ended</th><th>severity</th><th>class</th>\
                 <th>channel</th><th>title</th></tr>",
            );
            for row in rows {
                let _ = write!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    row.started,
                    row.ended.map_or_else(|| "holds".into(), |e| e.to_string()),
                    escape(&row.severity),
                    escape(&row.class),
                    escape(row.channel.as_deref().map_or("", channel_name)),
                    escape(&row.title)
                );
            }
            out.push_str("</table>");
        }
    }
    out.push_str("</body></html>");
    out
}

/// The page for a name no target has.
pub fn not_found(name: &str) -> String {
    let mut out = head("not found - repldoctor watch", 0);
    let _ = write!(
        out,
        "<p><a href=\"/\">fleet</a></p><h1>No target named {}</h1></body></html>",
        escape(name)
    );
    out
}

fn head(title: &str, refresh_seconds: u64) -> String {
    let refresh = if refresh_seconds > 0 {
        format!("<meta http-equiv=\"refresh\" content=\"{refresh_seconds}\">")
    } else {
        String::new()
    };
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\">{refresh}<title>{}</title>\
         <style>{STYLE}</style></head><body>",
        escape(title)
    )
}

fn findings_cell(target: &TargetState) -> String {
    if target.findings.is_empty() {
        return "<span class=\"muted\">none</span>".into();
    }
    target
        .findings
        .iter()
        .map(|f| {
            format!(
                "<b>{}</b> {} <span class=\"muted\">({})</span>",
                escape(f.severity.as_str()),
                escape(f.class.as_str()),
                escape(&f.title)
            )
        })
        .collect::<Vec<_>>()
        .join("<br>")
}

fn thread(state: ThreadState, errno: u32) -> String {
    if errno == 0 {
        state.name().to_owned()
    } else {
        format!("{} ({errno})", state.name())
    }
}

fn channel_name(channel: &str) -> &str {
    if channel.is_empty() {
        "(default)"
    } else {
        channel
    }
}

fn worst_lag(target: &TargetState) -> f64 {
    target
        .figures
        .channels
        .iter()
        .filter_map(|c| c.lag_seconds)
        .fold(0.0, f64::max)
}

/// A small line without axes, for the fleet table.
fn sparkline(series: &LagSeries, width: u32, height: u32) -> String {
    let paths = paths(series, width, height);
    if paths.is_empty() {
        return String::new();
    }
    format!(
        "<svg width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">{}</svg>",
        paths.iter().map(|p| shape(p, 1.5)).collect::<String>()
    )
}

/// A line with its largest value and time span written beside it.
fn chart(series: &LagSeries, width: u32, height: u32) -> String {
    let max = series.iter().filter_map(|(_, l)| *l).fold(0.0, f64::max);
    let (first, last) = (series.first().map(|s| s.0), series.last().map(|s| s.0));
    let lines: String = paths(series, width, height)
        .iter()
        .map(|p| shape(p, 2.0))
        .collect();
    format!(
        "<svg width=\"{width}\" height=\"{}\" viewBox=\"0 0 {width} {}\" role=\"img\" \
         aria-label=\"lag in seconds\"><rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" \
         fill=\"#fafafa\" stroke=\"#ddd\"/>{lines}<text x=\"4\" y=\"12\" font-size=\"11\">max {max:.0} s</text>\
         <text x=\"4\" y=\"{}\" font-size=\"11\">{}</text><text x=\"{}\" y=\"{}\" font-size=\"11\" \
         text-anchor=\"end\">{}</text></svg>",
        height + 16,
        height + 16,
        height + 13,
        first.map(|t| t.to_string()).unwrap_or_default(),
        width,
        height + 13,
        last.map(|t| t.to_string()).unwrap_or_default(),
    )
}

/// A line through `points`, or a dot when there is one point.
fn shape(points: &str, stroke: f64) -> String {
    let mut coordinates = points.split_whitespace();
    match (coordinates.next(), coordinates.next()) {
        (Some(only), None) => {
            let (x, y) = only.split_once(',').unwrap_or(("0", "0"));
            format!(
                "<circle cx=\"{x}\" cy=\"{y}\" r=\"{}\" fill=\"#0b57d0\"/>",
                stroke + 1.0
            )
        }
        _ => format!(
            "<polyline fill=\"none\" stroke=\"#0b57d0\" stroke-width=\"{stroke}\" points=\"{points}\"/>"
        ),
    }
}

/// The series as polyline point lists, broken where the lag was unknown.
fn paths(series: &LagSeries, width: u32, height: u32) -> Vec<String> {
    let (Some(first), Some(last)) = (series.first(), series.last()) else {
        return Vec::new();
    };
    let span = (last.0 - first.0).get_milliseconds().max(1) as f64;
    let max = series.iter().filter_map(|(_, l)| *l).fold(1.0, f64::max);
    let mut paths = Vec::new();
    let mut current = String::new();
    for (at, lag) in series {
        match lag {
            Some(lag) => {
                let x = (at.as_millisecond() - first.0.as_millisecond()) as f64 / span
                    * f64::from(width);
                let y = f64::from(height) - lag / max * f64::from(height - 2) - 1.0;
                let _ = write!(current, "{x:.1},{y:.1} ");
            }
            None if !current.is_empty() => paths.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        paths.push(current);
    }
    paths
}

/// Text as HTML: `&`, `<`, `>`, `"` and `'` escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A target's name as a path segment (percent-encoded where it must be).
fn escape_path(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~:".contains(&byte) {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_and_the_worst_comes_first() {
        let mut bad = TargetState::new("<script>x</script>", "127.0.0.1:1");
        bad.health = Health::Critical;
        bad.up = true;
        let mut good = TargetState::new("a-good-one", "127.0.0.1:2");
        good.health = Health::Healthy;
        let now = Timestamp::now();
        let page = fleet(&[&good, &bad], &[], 10, now);
        assert!(!page.contains("<script>x"), "{page}");
        assert!(page.contains("&lt;script&gt;x&lt;/script&gt;"));
        assert!(page.contains("href=\"/target/%3Cscript%3Ex%3C%2Fscript%3E\""));
        let critical = page.find("&lt;script&gt;").unwrap();
        assert!(critical < page.find("a-good-one").unwrap());
    }

    #[test]
    fn a_series_with_a_gap_draws_two_lines() {
        let t = |s: i64| Timestamp::from_second(1_800_000_000 + s).unwrap();
        let series = vec![
            (t(0), Some(1.0)),
            (t(60), Some(5.0)),
            (t(120), None),
            (t(180), Some(2.0)),
        ];
        assert_eq!(paths(&series, 100, 20).len(), 2);
        let spark = sparkline(&series, 100, 20);
        assert_eq!(spark.matches("<polyline").count(), 1, "{spark}");
        assert_eq!(
            spark.matches("<circle").count(),
            1,
            "the lone last point: {spark}"
        );
        assert!(chart(&series, 100, 20).contains("max 5 s"));
    }
}
