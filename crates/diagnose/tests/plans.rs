//! Every plan `repldoctor fix` may run is fit to run, for every incident of the corpus and the
//! founding cases: no statement holds a placeholder or a comment for a person, every step
//! that resumes the applier is guarded by preconditions, and a plan whose own finding says the
//! rows differ never leads with a skip.

use std::path::{Path, PathBuf};

use diagnose::plan::{Action, Plan, Step, Target};
use diagnose::{Finding, Report};
use evidence::text::{TextInput, parse_evidence};

fn incidents() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<PathBuf> = Vec::new();
    for dir in [root.join("tests/corpus"), root.join("../../examples/cases")] {
        paths.extend(
            std::fs::read_dir(&dir)
                .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
                .map(|entry| entry.unwrap().path())
                .filter(|path| path.extension().is_some_and(|e| e == "txt")),
        );
    }
    paths.sort();
    assert!(paths.len() > 100, "the corpus is where it should be");
    paths
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect()
}

fn diagnose_text(name: &str, text: &str) -> Report {
    let parsed = parse_evidence(&[TextInput { name, text }]);
    diagnose::diagnose(&parsed.evidence)
}

/// Every plan of a finding: its own and each alternative's, with where it comes from.
fn plans(finding: &Finding) -> Vec<(String, &Plan)> {
    let mut all = vec![("plan".to_owned(), &finding.fix)];
    for (n, alternative) in finding.fix.alternatives.iter().enumerate() {
        all.push((format!("alternative {}", n + 1), &alternative.plan));
    }
    all
}

/// What is wrong with a statement a server would be sent, if anything.
fn unfit(statement: &str) -> Option<&'static str> {
    let trimmed = statement.trim();
    if trimmed.starts_with("--") || trimmed.starts_with('#') {
        return Some("a comment for a person, not a statement");
    }
    // `<the file>`, `<gtid>`, `<position of the next event>`: a placeholder; `a < b` is not.
    let bytes = trimmed.as_bytes();
    let placeholder = bytes.windows(2).enumerate().any(|(at, pair)| {
        pair[0] == b'<' && pair[1].is_ascii_alphabetic() && trimmed[at..].contains('>')
    });
    placeholder.then_some("a placeholder")
}

/// Anything but a read: the executor must check the state it is about to change.
fn changes_something(statements: &[String]) -> bool {
    statements.iter().any(|s| {
        let verb = s
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        !matches!(verb.as_str(), "SELECT" | "SHOW")
    })
}

fn resumes_the_applier(step: &Step) -> bool {
    match &step.action {
        Action::Sql { statements } => statements.iter().any(|s| {
            let upper = s.to_ascii_uppercase();
            upper.starts_with("START SLAVE") || upper.starts_with("START REPLICA")
        }),
        _ => false,
    }
}

#[test]
fn every_plan_fix_may_run_is_fit_to_run() {
    let mut problems = Vec::new();
    let mut steps_seen = 0;
    for (name, text) in incidents() {
        let report = diagnose_text(&name, &text);
        for finding in &report.findings {
            for (which, plan) in plans(finding) {
                for (number, step) in plan.steps.iter().enumerate() {
                    let at = format!("{name}: {} {which} step {}", finding.class, number + 1);
                    if let Action::Sql { statements } = &step.action {
                        steps_seen += 1;
                        for statement in statements {
                            if let Some(why) = unfit(statement) {
                                problems.push(format!("{at}: {why}: {statement}"));
                            }
                        }
                        if matches!(step.target, Target::Replica)
                            && resumes_the_applier(step)
                            && step.preconditions.is_empty()
                        {
                            problems.push(format!("{at}: resumes the applier unguarded"));
                        } else if changes_something(statements) && step.preconditions.is_empty() {
                            problems.push(format!(
                                "{at}: changes the server without a precondition: {}",
                                statements.join("; ")
                            ));
                        }
                    }
                    if let Action::InjectEmpty { gtids } = &step.action
                        && gtids.parse::<gtid::GtidSet>().is_err()
                    {
                        problems.push(format!("{at}: empty transactions for {gtids:?}"));
                    }
                }
            }
            // Rows known to differ: the plan does not skip before the DBA has chosen.
            if finding.facts.other.get("rows_identical") == Some(&serde_json::json!(false)) {
                let skips_first = finding.fix.steps.iter().any(|step| match &step.action {
                    Action::Sql { statements } => statements
                        .iter()
                        .any(|s| s.contains("skip_counter") || s.starts_with("SET GTID_NEXT")),
                    _ => false,
                });
                if skips_first {
                    problems.push(format!(
                        "{name}: {}: the rows differ, yet the plan skips",
                        finding.class
                    ));
                }
            }
        }
    }
    assert!(
        steps_seen > 50,
        "only {steps_seen} SQL steps: the corpus was not diagnosed"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_placeholder_is_told_from_a_comparison() {
    assert_eq!(unfit("SELECT 1 WHERE a < b"), None);
    assert_eq!(unfit("SET GTID_NEXT = '<gtid>'"), Some("a placeholder"));
    assert_eq!(
        unfit("-- for each GTID"),
        Some("a comment for a person, not a statement")
    );
    assert_eq!(unfit("START SLAVE"), None);
}
