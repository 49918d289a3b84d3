//! `repldoctor diagnose`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use diagnose::render::{self, TextOptions};
use diagnose::{Lang, Report, Severity};
use evidence::text::{NotUnderstood, ParsedText, TextInput, parse_evidence};

use ::collect::CollectOptions;
use evidence::bundle::Collection;

use crate::args::{ConnectionArgs, Format, GlobalArgs};
use crate::commands::collect;
use crate::failure::Failure;
use crate::input::{self, Input};
use crate::output::envelope_pretty;
use crate::status::Status;

const EXAMPLES: &str = "\
Examples:
  repldoctor diagnose --evidence slave-status.txt error.log
  mysql -e 'SHOW SLAVE STATUS\\G' | repldoctor diagnose --evidence -
  repldoctor diagnose --evidence examples/cases/case2-mts-commit-order-hang.txt --format json
  repldoctor diagnose --replica 'h=10.0.0.12,u=monitor' --source 'h=10.0.0.11,u=monitor'
  repldoctor diagnose --bundle incident-2026-11-21.tar.gz --format markdown --lang zh

Pasted evidence may mix SHOW SLAVE/REPLICA STATUS\\G, processlist and performance_schema tables,
variables, error-log lines, mysqlbinlog output, GTID sets and backup logs. To say which server a
part belongs to, put a line `-- server: NAME role: replica|source|both` before it, or start its
lines with `NAME> `.";

/// Names the failure class, shows the facts that prove it (GTIDs, positions, tables, workers),
/// says how sure it is and prints a fix plan. Reads a live replica (and its source), a bundle
/// saved by `repldoctor collect`, or text a DBA pasted. Read-only: nothing is changed.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct DiagnoseArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// Replay a bundle saved by `repldoctor collect` (a directory or a .tar.gz file)
    #[arg(long, value_name = "PATH", conflicts_with_all = ["replica", "source", "evidence"])]
    pub bundle: Option<PathBuf>,

    /// Text files with pasted evidence (SHOW SLAVE STATUS\G, processlist, error log, GTID sets,
    /// backup logs, in any mix); `-` reads standard input
    #[arg(long, value_name = "FILE", num_args = 1.., conflicts_with_all = ["replica", "source"])]
    pub evidence: Vec<PathBuf>,

    /// Language of the report: en, or zh for English followed by Simplified Chinese
    #[arg(long, value_enum, default_value_t = LangArg::En)]
    pub lang: LangArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    /// English
    En,
    /// English and Simplified Chinese (简体中文)
    Zh,
}

pub fn run(args: DiagnoseArgs, global: &GlobalArgs) -> Result<Status, Failure> {
    let lang = match args.lang {
        LangArg::En => Lang::En,
        LangArg::Zh => Lang::Zh,
    };
    if let Some(path) = &args.bundle {
        let collection = bundle::load(path)?;
        return Ok(diagnose_collection(&collection, lang, global));
    }
    if !args.evidence.is_empty() {
        let parsed = read_evidence(&args.evidence)?;
        if parsed.evidence.servers.is_empty() {
            return Err(Failure::new(format!(
                "nothing in the evidence was understood ({} part(s) not understood); \
                 paste SHOW SLAVE STATUS\\G, error-log lines or GTID sets",
                parsed.not_understood.len()
            )));
        }
        let mut report = diagnose::diagnose(&parsed.evidence);
        report.note_not_understood(
            parsed
                .not_understood
                .iter()
                .filter(|part| part.looks_like_replication_error)
                .map(|part| {
                    format!(
                        "{}, lines {}-{}: {}",
                        part.input, part.first_line, part.last_line, part.excerpt
                    )
                }),
        );
        print_report(&report, &parsed.not_understood, lang, global);
        return Ok(status_of(&report));
    }
    if args.connection.replica.is_none() {
        return Err(Failure::new(
            "nothing to diagnose: give --replica DSN, --bundle PATH or --evidence FILE",
        ));
    }
    // The same collection `repldoctor collect` saves, diagnosed as a replayed bundle is: a
    // live run and its bundle give the same report.
    let collection = collect::collect_live(&args.connection, CollectOptions::default(), global)?;
    Ok(diagnose_collection(&collection, lang, global))
}

/// Diagnoses what a collection (live or replayed) holds and prints the report.
fn diagnose_collection(collection: &Collection, lang: Lang, global: &GlobalArgs) -> Status {
    let report = diagnose::diagnose_collection(collection);
    print_report(&report, &[], lang, global);
    status_of(&report)
}

/// Reads every evidence file (`-` is standard input), refusing unreadable or non-text input
/// with the file's name.
fn read_evidence(paths: &[PathBuf]) -> Result<ParsedText, Failure> {
    let mut texts = Vec::with_capacity(paths.len());
    let mut total = 0u64;
    for path in paths {
        let name = path.display().to_string();
        let input = if name == "-" {
            Input::Stdin
        } else {
            Input::File(path)
        };
        let bytes = input::read(input, input::EVIDENCE)
            .map_err(|err| Failure::new(format!("cannot read evidence {name}: {err}")))?;
        total += bytes.len() as u64;
        if let Some(err) = input::EVIDENCE.exceeded_by(total) {
            return Err(Failure::new(format!(
                "cannot read evidence {name}: the files together are {err}"
            )));
        }
        // Pasted text is sometimes Latin-1 or has stray bytes: keep what can be read.
        texts.push((name, String::from_utf8_lossy(&bytes).into_owned()));
    }
    let inputs: Vec<TextInput<'_>> = texts
        .iter()
        .map(|(name, text)| TextInput { name, text })
        .collect();
    Ok(parse_evidence(&inputs))
}

fn print_report(
    report: &Report,
    not_understood: &[NotUnderstood],
    lang: Lang,
    global: &GlobalArgs,
) {
    match global.format {
        Format::Json => {
            let mut json = render::json(report, lang);
            json["not_understood"] = serde_json::to_value(not_understood).unwrap_or_default();
            match envelope_pretty(status_of(report), &json) {
                Ok(text) => println!("{text}"),
                // A report is an object and always serialises; never print nothing.
                Err(_) => println!("{json:#}"),
            }
        }
        Format::Markdown => print!("{}", render::markdown(report, lang)),
        Format::Text => {
            let options = TextOptions {
                lang,
                color: global.stdout_color(),
            };
            print!("{}", render::text(report, options));
            if !not_understood.is_empty() {
                println!("\nNot understood (not used by the diagnosis):");
                for part in not_understood {
                    println!(
                        "- {} lines {}-{}: {}: {}",
                        part.input, part.first_line, part.last_line, part.reason, part.excerpt
                    );
                }
            }
        }
    }
}

/// The monitoring-plugin exit status of a report.
fn status_of(report: &Report) -> Status {
    if report.undetermined() {
        return Status::Unknown;
    }
    match report.worst() {
        Some(Severity::Critical) => Status::Critical,
        Some(Severity::Warning) => Status::Warning,
        Some(Severity::Info) | None => Status::Healthy,
    }
}
