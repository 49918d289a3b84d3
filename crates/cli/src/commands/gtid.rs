//! `repldoctor gtid`.

use std::collections::BTreeSet;
use std::io::Write as _;

use ::collect::gtid_state::{GtidState, ServerGtids, read_gtid_state};
use clap::{Args, Subcommand};
use dialect::catalogue;
use gtid::compare::{
    DEFAULT_IN_FLIGHT_WINDOW, DomainState, MariadbComparison, MariadbInput, MysqlComparison,
    MysqlInput, compare_mariadb, compare_mysql,
};
use gtid::verdict::{Pair, Severity, mariadb_verdict, mysql_verdict};
use gtid::{AnyGtids, Gtid, GtidPosition, GtidSet, MariaGtid, Uuid};
use serde::Serialize;

use crate::args::{ConnectionArgs, Format, GlobalArgs};
use crate::connection;
use crate::failure::Failure;
use crate::input::{self, Input};
use crate::output::envelope;
use crate::status::Status;

const SETS_HELP: &str = "\
A set is given as the server prints it (MySQL: `uuid:1-5:7,uuid2:tag:1-3`, newlines allowed; \
MariaDB: `0-1-100,1-2-7`), or as @FILE to read it from a file (@- for standard input), for sets \
too long for a command line. The flavor is told from the syntax: a MySQL set has ':' after each \
UUID, a MariaDB position has none.";

const COMPARE_HELP: &str = "\
What is compared:
  MySQL:   the source's gtid_executed and gtid_purged (and server_uuid) with the replica's
           gtid_executed.
  MariaDB: the source's gtid_binlog_state (every server of every domain, so that a diverged history
           is told from an old one) and the GTID_LIST of its oldest binlog (what it has purged)
           with the replica's gtid_current_pos (it includes writes made on the replica itself,
           which gtid_slave_pos hides). With --source-set/--replica-set give those values;
           --source-purged is then the GTID_LIST of the source's oldest binlog.

Exit status:
  0  consistent: the replica has nothing its source lacks and can fetch what it misses (tail
     holes of a parallel applier are normal)
  1  warning: errant transactions on the replica (writes of its own; a failover to it would
     serve them), holes that persist in its set (skipped transactions)
  2  critical: errant transactions ahead of the source on a UUID it writes (it refuses the
     replica at its next connection), transactions the replica misses that the source has
     purged (error 1236), or a MariaDB domain the replica cannot continue from
  3  could not run: bad input or unreachable server

Examples:
  repldoctor gtid compare --source-set \"$(mysql -h db1 -NBe 'SELECT @@gtid_executed')\" \\
      --replica-set \"$(mysql -h db2 -NBe 'SELECT @@gtid_executed')\"
  repldoctor gtid compare --source mysql://monitor@db1 --replica mysql://monitor@db2 --format json";

/// GTID arithmetic for MySQL GTID sets (`uuid:1-5:7`, tagged GTIDs too) and MariaDB GTID
/// positions (`0-1-100,1-2-7`). Sets are given as printed by the server; the result is printed
/// normalised, the way MySQL prints it, on one line.
#[derive(Debug, Subcommand)]
pub enum GtidCommand {
    /// Transactions in A that are not in B (MySQL sets)
    #[command(after_help = SETS_HELP)]
    Subtract { a: String, b: String },
    /// Transactions in any of the sets (MariaDB: per domain, the position further ahead)
    #[command(after_help = SETS_HELP)]
    Union {
        #[arg(required = true, num_args = 2..)]
        sets: Vec<String>,
    },
    /// Transactions in every one of the sets (MariaDB: per domain, the position further behind)
    #[command(after_help = SETS_HELP)]
    Intersect {
        #[arg(required = true, num_args = 2..)]
        sets: Vec<String>,
    },
    /// Whether SET contains GTID (exit status 0 when it does, 1 when not)
    #[command(after_help = SETS_HELP)]
    Contains { set: String, gtid: String },
    /// The number of transactions in SET (MySQL sets)
    #[command(after_help = SETS_HELP)]
    Count { set: String },
    /// The gaps below the highest transaction number of each UUID (MySQL sets)
    #[command(after_help = SETS_HELP)]
    Holes { set: String },
    /// Compare a replica with its source: errant transactions, missing and purged ones, holes
    #[command(after_help = COMPARE_HELP)]
    Compare(CompareArgs),
    /// Print the SQL that commits one empty transaction per GTID of SET (MySQL sets)
    #[command(after_help = SETS_HELP)]
    InjectSql {
        set: String,
        /// Refuse sets with more transactions than this
        #[arg(long, default_value_t = 10_000)]
        max: u64,
    },
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// The source's executed set (instead of --source); MariaDB: its gtid_binlog_state
    #[arg(long, value_name = "SET", conflicts_with = "source")]
    pub source_set: Option<String>,

    /// The replica's executed set (instead of --replica); MariaDB: its gtid_current_pos
    #[arg(long, value_name = "SET", conflicts_with = "replica")]
    pub replica_set: Option<String>,

    /// The source's gtid_purged (MariaDB: the GTID_LIST of its oldest binlog), to tell whether
    /// missing transactions can still be fetched
    #[arg(long, value_name = "SET")]
    pub source_purged: Option<String>,

    /// The source's server_uuid, to recognise a replica ahead on it (read from --source)
    #[arg(long, value_name = "UUID")]
    pub source_uuid: Option<String>,

    /// UUIDs (MySQL) or domain ids (MariaDB) of the replica's legitimate other upstreams (a
    /// co-primary, an old source): their replica-only transactions are not errant
    #[arg(long, value_name = "UUID|DOMAIN", value_delimiter = ',')]
    pub ignore: Vec<String>,

    /// Holes this close below a UUID's highest transaction are a parallel applier at work, not
    /// a fault (MySQL's replica_checkpoint_group); 0 when the applier is single-threaded or
    /// stopped
    #[arg(long, value_name = "TRANSACTIONS", default_value_t = DEFAULT_IN_FLIGHT_WINDOW)]
    pub in_flight_window: u64,
}

pub fn run(command: GtidCommand, global: &GlobalArgs) -> Result<Status, Failure> {
    let json = global.format == Format::Json;
    match command {
        GtidCommand::Subtract { a, b } => {
            let a = mysql_only(read_gtids(&a, "A")?, "subtract")?;
            let b = mysql_only(read_gtids(&b, "B")?, "subtract")?;
            print_gtids(&AnyGtids::Mysql(a.difference(&b)), json)
        }
        GtidCommand::Union { sets } => {
            let result = fold(&sets, GtidSet::union, GtidPosition::union)?;
            print_gtids(&result, json)
        }
        GtidCommand::Intersect { sets } => {
            let result = fold(&sets, GtidSet::intersection, GtidPosition::intersection)?;
            print_gtids(&result, json)
        }
        GtidCommand::Contains { set, gtid } => contains(&set, &gtid, json),
        GtidCommand::Count { set } => {
            let set = mysql_only(read_gtids(&set, "SET")?, "count")?;
            if json {
                print_json(Status::Healthy, &CountOutput { count: set.count() })?;
            } else {
                emit(set.count())?;
            }
            Ok(Status::Healthy)
        }
        GtidCommand::Holes { set } => {
            let set = mysql_only(read_gtids(&set, "SET")?, "holes")?;
            print_gtids(&AnyGtids::Mysql(set.holes()), json)
        }
        GtidCommand::InjectSql { set, max } => inject_sql(
            &mysql_only(read_gtids(&set, "SET")?, "inject-sql")?,
            max,
            json,
        ),
        GtidCommand::Compare(args) => compare(&args, global),
    }
}

/// The text of a set argument: the argument itself, or the file (or standard input) it names
/// with `@`.
fn read_text(argument: &str, role: &str) -> Result<String, Failure> {
    match argument.strip_prefix('@') {
        Some("-") => input::read_text(Input::Stdin, input::GTID_SET)
            .map_err(|err| Failure::new(format!("{role}: cannot read standard input: {err}"))),
        Some(path) => input::read_text(Input::File(std::path::Path::new(path)), input::GTID_SET)
            .map_err(|err| Failure::new(format!("{role}: cannot read {path}: {err}"))),
        None => Ok(argument.to_owned()),
    }
}

fn read_gtids(argument: &str, role: &str) -> Result<AnyGtids, Failure> {
    let text = read_text(argument, role)?;
    AnyGtids::parse(&text).map_err(|err| Failure::new(format!("{role}: {err}")))
}

fn mysql_only(gtids: AnyGtids, operation: &str) -> Result<GtidSet, Failure> {
    match gtids {
        AnyGtids::Mysql(set) => Ok(set),
        AnyGtids::Mariadb(position) => Err(Failure::new(format!(
            "{operation} works on MySQL GTID sets; {} is a MariaDB GTID position, which holds \
             only the last GTID of each domain (use union, intersect, contains or compare)",
            abbreviate(&position.to_string())
        ))),
    }
}

fn abbreviate(text: &str) -> String {
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("'{}...'", &text[..cut]),
        None => format!("'{text}'"),
    }
}

fn mixed_flavors() -> Failure {
    Failure::new("cannot mix MySQL GTID sets and MariaDB GTID positions in one operation")
}

fn fold(
    arguments: &[String],
    mysql: fn(&GtidSet, &GtidSet) -> GtidSet,
    mariadb: fn(&GtidPosition, &GtidPosition) -> GtidPosition,
) -> Result<AnyGtids, Failure> {
    let mut result: Option<AnyGtids> = None;
    for (n, argument) in arguments.iter().enumerate() {
        let next = read_gtids(argument, &format!("set {}", n + 1))?;
        result = Some(match (result, next) {
            (None, next) => next,
            (Some(AnyGtids::Mysql(a)), AnyGtids::Mysql(b)) => AnyGtids::Mysql(mysql(&a, &b)),
            (Some(AnyGtids::Mariadb(a)), AnyGtids::Mariadb(b)) => {
                AnyGtids::Mariadb(mariadb(&a, &b))
            }
            _ => return Err(mixed_flavors()),
        });
    }
    result.ok_or_else(|| Failure::new("no set given"))
}

#[derive(Serialize)]
struct GtidsOutput {
    flavor: &'static str,
    gtids: String,
    /// Transactions in a MySQL set; MariaDB positions do not tell.
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<u128>,
}

#[derive(Serialize)]
struct CountOutput {
    count: u128,
}

/// Prints one line of output. A reader that went away (`| head`) is not an error: there is
/// nobody left to tell.
fn emit(text: impl std::fmt::Display) -> Result<(), Failure> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::new(format!("cannot write the result: {err}")))
        }
        _ => Ok(()),
    }
}

fn print_json(status: Status, value: &impl Serialize) -> Result<(), Failure> {
    emit(envelope(status, value)?)
}

fn print_gtids(gtids: &AnyGtids, json: bool) -> Result<Status, Failure> {
    if json {
        let (flavor, count) = match gtids {
            AnyGtids::Mysql(set) => ("mysql", Some(set.count())),
            AnyGtids::Mariadb(_) => ("mariadb", None),
        };
        print_json(
            Status::Healthy,
            &GtidsOutput {
                flavor,
                gtids: gtids.to_string(),
                count,
            },
        )?;
    } else {
        emit(gtids)?;
    }
    Ok(Status::Healthy)
}

fn contains(set: &str, gtid: &str, json: bool) -> Result<Status, Failure> {
    let set = read_gtids(set, "SET")?;
    let (contained, gtid_text) = match &set {
        AnyGtids::Mysql(set) => {
            let gtid: Gtid = gtid
                .parse()
                .map_err(|err| Failure::new(format!("GTID: {err}")))?;
            (set.contains(&gtid), gtid.to_string())
        }
        AnyGtids::Mariadb(position) => {
            let gtid: MariaGtid = gtid
                .parse()
                .map_err(|err| Failure::new(format!("GTID: {err}")))?;
            (position.includes(&gtid), gtid.to_string())
        }
    };
    let status = if contained {
        Status::Healthy
    } else {
        Status::Warning
    };
    if json {
        #[derive(Serialize)]
        struct ContainsOutput {
            gtid: String,
            contained: bool,
        }
        print_json(
            status,
            &ContainsOutput {
                gtid: gtid_text,
                contained,
            },
        )?;
    } else if contained {
        emit(format!("{gtid_text} is in the set"))?;
    } else {
        emit(format!("{gtid_text} is not in the set"))?;
    }
    Ok(status)
}

fn inject_sql(set: &GtidSet, max: u64, json: bool) -> Result<Status, Failure> {
    let count = set.count();
    if count > u128::from(max) {
        return Err(Failure::new(format!(
            "the set holds {count} transactions, more than --max {max}: that many empty \
             transactions is rarely the right repair; check the set (errant ones may be better \
             removed from the replica or accounted for with gtid_purged), or raise --max"
        )));
    }
    if json {
        #[derive(Serialize)]
        struct InjectOutput {
            transactions: u128,
            sql: Vec<String>,
        }
        let mut sql: Vec<String> = set.gtids().map(|gtid| inject_one(&gtid)).collect();
        sql.push(catalogue::GTID_NEXT_AUTOMATIC.to_owned());
        print_json(
            Status::Healthy,
            &InjectOutput {
                transactions: count,
                sql,
            },
        )?;
    } else {
        emit(InjectSql(set))?;
    }
    Ok(Status::Healthy)
}

fn inject_one(gtid: &Gtid) -> String {
    catalogue::empty_transaction(&gtid.to_string())
}

/// The statements of `inject-sql`, one a line, written as they are produced.
struct InjectSql<'a>(&'a GtidSet);

impl std::fmt::Display for InjectSql<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for gtid in self.0.gtids() {
            writeln!(f, "{}", inject_one(&gtid))?;
        }
        f.write_str(catalogue::GTID_NEXT_AUTOMATIC)
    }
}

/// What one server's GTID state is, read live or given on the command line.
enum Observed {
    Mysql {
        executed: GtidSet,
        purged: Option<GtidSet>,
        uuid: Option<Uuid>,
    },
    Mariadb {
        /// The source's gtid_binlog_state, or the replica's gtid_current_pos.
        position: GtidPosition,
        /// The GTID_LIST of the oldest binlog.
        purged: Option<GtidPosition>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Source,
    Replica,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Self::Source => "source",
            Self::Replica => "replica",
        }
    }
}

fn compare(args: &CompareArgs, global: &GlobalArgs) -> Result<Status, Failure> {
    let (source, source_replicates) = observe(
        Role::Source,
        args.source_set.as_deref(),
        args.connection.source.as_deref(),
        args,
        global,
    )?;
    let (replica, replica_replicates) = observe(
        Role::Replica,
        args.replica_set.as_deref(),
        args.connection.replica.as_deref(),
        args,
        global,
    )?;
    let pair = if source_replicates && replica_replicates {
        Pair::DualPrimary
    } else {
        Pair::SourceAndReplica
    };
    // Blank text parses as the empty MySQL set; next to a MariaDB position it is an empty one.
    let empty_position = || Observed::Mariadb {
        position: GtidPosition::new(),
        purged: None,
    };
    let (source, replica) = match (source, replica) {
        (Observed::Mysql { executed, .. }, replica @ Observed::Mariadb { .. })
            if executed.is_empty() =>
        {
            (empty_position(), replica)
        }
        (source @ Observed::Mariadb { .. }, Observed::Mysql { executed, .. })
            if executed.is_empty() =>
        {
            (source, empty_position())
        }
        sides => sides,
    };
    let purged_override = args
        .source_purged
        .as_deref()
        .map(|text| read_gtids(text, "--source-purged"))
        .transpose()?;
    match (source, replica) {
        (
            Observed::Mysql {
                executed: source_executed,
                purged,
                uuid,
            },
            Observed::Mysql {
                executed: replica_executed,
                ..
            },
        ) => {
            let purged = match purged_override {
                Some(AnyGtids::Mysql(set)) => Some(set),
                Some(AnyGtids::Mariadb(_)) => return Err(mixed_flavors()),
                None => purged,
            };
            let source_uuid = match &args.source_uuid {
                Some(text) => Some(parse_uuid(text, "--source-uuid")?),
                None => uuid,
            };
            let ignore = args
                .ignore
                .iter()
                .map(|text| parse_uuid(text, "--ignore"))
                .collect::<Result<BTreeSet<Uuid>, Failure>>()?;
            let comparison = compare_mysql(&MysqlInput {
                source_executed: &source_executed,
                replica_executed: &replica_executed,
                source_purged: purged.as_ref(),
                source_uuid,
                ignore: &ignore,
                in_flight_window: args.in_flight_window,
            });
            report_mysql(&comparison, pair, global.format == Format::Json)
        }
        (
            Observed::Mariadb {
                position: source_state,
                purged,
            },
            Observed::Mariadb {
                position: replica_position,
                ..
            },
        ) => {
            let purged = match purged_override {
                Some(AnyGtids::Mariadb(position)) => Some(position),
                // The empty string parses as the empty MySQL set: nothing purged.
                Some(AnyGtids::Mysql(set)) if set.is_empty() => Some(GtidPosition::new()),
                Some(AnyGtids::Mysql(_)) => return Err(mixed_flavors()),
                None => purged,
            };
            let ignore_domains = args
                .ignore
                .iter()
                .map(|text| {
                    text.trim().parse::<u32>().map_err(|_| {
                        Failure::new(format!(
                            "--ignore: '{text}' is not a MariaDB domain id (0 to 4294967295)"
                        ))
                    })
                })
                .collect::<Result<BTreeSet<u32>, Failure>>()?;
            let comparison = compare_mariadb(&MariadbInput {
                source_binlog_state: &source_state,
                replica_position: &replica_position,
                source_purged: purged.as_ref(),
                ignore_domains: &ignore_domains,
            });
            report_mariadb(
                &comparison,
                purged.is_some(),
                pair,
                global.format == Format::Json,
            )
        }
        _ => Err(Failure::new(
            "the source and the replica are of different flavors (one MySQL, one MariaDB)",
        )),
    }
}

fn parse_uuid(text: &str, option: &str) -> Result<Uuid, Failure> {
    Uuid::try_parse(text.trim())
        .map_err(|_| Failure::new(format!("{option}: '{text}' is not a UUID")))
}

/// One side of the comparison, from its literal set or from its server, and whether that
/// server replicates from anyone (never known of a literal set).
fn observe(
    role: Role,
    literal: Option<&str>,
    dsn: Option<&str>,
    args: &CompareArgs,
    global: &GlobalArgs,
) -> Result<(Observed, bool), Failure> {
    let option = format!("--{}-set", role.name());
    match (literal, dsn) {
        (Some(text), _) => Ok((
            match read_gtids(text, &option)? {
                AnyGtids::Mysql(executed) => Observed::Mysql {
                    executed,
                    purged: None,
                    uuid: None,
                },
                AnyGtids::Mariadb(position) => Observed::Mariadb {
                    position,
                    purged: None,
                },
            },
            false,
        )),
        (None, Some(dsn)) => read_live(role, dsn, args, global),
        (None, None) => Err(Failure::new(format!(
            "compare needs the {0}: --{0} DSN or {option} SET",
            role.name()
        ))),
    }
}

fn read_live(
    role: Role,
    dsn: &str,
    args: &CompareArgs,
    global: &GlobalArgs,
) -> Result<(Observed, bool), Failure> {
    let endpoint = connection::resolve(dsn, role.name(), &args.connection)?;
    if global.verbose > 0 {
        eprintln!(
            "repldoctor: connecting to {} {endpoint} as {}",
            role.name(),
            endpoint.user
        );
    }
    let timeouts = connection::timeouts(&args.connection);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let ServerGtids { state, replicates } = runtime
        .block_on(read_gtid_state(&endpoint, role.name(), timeouts))
        .map_err(Failure::new)?;
    let observed = match state {
        GtidState::Mysql {
            executed,
            purged,
            uuid,
        } => Observed::Mysql {
            executed,
            purged: (role == Role::Source).then_some(purged),
            uuid,
        },
        GtidState::Mariadb {
            binlog_state,
            current_pos,
            purged,
        } => match role {
            Role::Source => Observed::Mariadb {
                position: binlog_state,
                purged: match purged {
                    Ok(purged) => Some(purged),
                    Err(reason) => {
                        // Without BINLOG MONITOR the comparison still stands; only 1236 goes
                        // unchecked.
                        if global.verbose > 0 {
                            eprintln!("repldoctor: the source's purged GTIDs: {reason}");
                        }
                        None
                    }
                },
            },
            Role::Replica => Observed::Mariadb {
                position: current_pos,
                purged: None,
            },
        },
    };
    Ok((observed, replicates))
}

/// The verdict of a comparison and why (the envelope adds its status).
#[derive(Serialize)]
struct Verdict {
    #[serde(skip)]
    status: &'static str,
    reasons: Vec<String>,
}

fn status_of(severity: Severity) -> Status {
    match severity {
        Severity::Healthy => Status::Healthy,
        Severity::Warning => Status::Warning,
        Severity::Critical => Status::Critical,
    }
}

fn verdict(status: Status, reasons: Vec<String>) -> Verdict {
    Verdict {
        status: status.name(),
        reasons,
    }
}

fn sized(set: &GtidSet) -> String {
    let count = set.count();
    let noun = if count == 1 {
        "transaction"
    } else {
        "transactions"
    };
    format!("{set} ({count} {noun})")
}

fn report_mysql(comparison: &MysqlComparison, pair: Pair, json: bool) -> Result<Status, Failure> {
    let judged = mysql_verdict(comparison, pair);
    let status = status_of(judged.severity);
    let reasons = judged.reasons;
    let verdict = verdict(status, reasons);
    if json {
        #[derive(Serialize)]
        struct Output<'a> {
            flavor: &'static str,
            #[serde(flatten)]
            verdict: &'a Verdict,
            dual_primary: bool,
            comparison: &'a MysqlComparison,
        }
        print_json(
            status,
            &Output {
                flavor: "mysql",
                verdict: &verdict,
                dual_primary: pair == Pair::DualPrimary,
                comparison,
            },
        )?;
        return Ok(status);
    }
    let mut out = Vec::new();
    if comparison.errant.is_empty() {
        out.push("Errant transactions: none; the replica has nothing its source lacks.".to_owned());
    } else {
        out.push(format!(
            "Errant transactions: {}. The replica executed them and its source never did: writes \
             made on the replica, or transactions the source lost. They break a failover to this \
             replica and, once purged from its binlogs, its own replicas.",
            sized(&comparison.errant)
        ));
    }
    for ahead in &comparison.ahead_of_source {
        let whose = match ahead.is_source_own_uuid {
            Some(true) => " (the source's own UUID)",
            Some(false) => " (not the source's own UUID)",
            None => "",
        };
        out.push(format!(
            "Ahead of the source on {}{whose}: the source's last transaction is {}, the replica \
             has up to {}: {}. Transactions above the source's last on its own UUID mean the \
             source lost what it had already sent (a crash with sync_binlog != 1, or a lost \
             binlog): it will hand out these numbers again for new transactions unless it is \
             made to account for them.",
            ahead.source_id,
            ahead.source_last,
            ahead.replica_last,
            sized(&ahead.transactions)
        ));
    }
    if !comparison.ignored.is_empty() {
        out.push(format!(
            "Ignored, from the other upstreams {}: {}; not counted as errant.",
            comparison.ignored_uuids.join(", "),
            sized(&comparison.ignored)
        ));
    }
    if comparison.missing.is_empty() {
        out.push(
            "Missing on the replica: none; it has every transaction of its source.".to_owned(),
        );
    } else {
        out.push(format!(
            "Missing on the replica: {}. The source has them and the replica not yet.",
            sized(&comparison.missing)
        ));
    }
    match &comparison.missing_purged {
        None if !comparison.missing.is_empty() => out.push(
            "Missing and purged: unknown; give the source's gtid_purged (--source-purged) to \
             know whether the replica can still fetch them."
                .to_owned(),
        ),
        None => {}
        Some(purged) if purged.is_empty() => out.push(
            "Missing and purged: none; everything the replica misses is still in the source's \
             binlogs."
                .to_owned(),
        ),
        Some(purged) => out.push(format!(
            "Missing and purged: {}. The source no longer has these in its binlogs: the replica \
             cannot catch up from it (error 1236); rebuild it from a recent backup, or fetch them \
             from another server that still has them.",
            sized(purged)
        )),
    }
    let holes = &comparison.replica_holes;
    if !holes.tail.is_empty() {
        out.push(format!(
            "Holes near the top: {}. Within {} transactions of each UUID's highest: a parallel \
             applier committing out of order; they close as it catches up.",
            sized(&holes.tail),
            holes.in_flight_window
        ));
    }
    if !holes.interior.is_empty() {
        out.push(format!(
            "Holes that persist: {}. Further down than a parallel applier can leave them: \
             transactions skipped by a CHANGE MASTER to a position or a skipped event; the \
             replica never fills them by itself.",
            sized(&holes.interior)
        ));
    }
    if holes.tail.is_empty() && holes.interior.is_empty() {
        out.push("Holes in the replica's set: none.".to_owned());
    }
    if pair == Pair::DualPrimary {
        out.push(DUAL_PRIMARY_NOTE.to_owned());
    }
    out.push(verdict_line(&verdict));
    emit(out.join("\n"))?;
    Ok(status)
}

const DUAL_PRIMARY_NOTE: &str = "Both servers replicate (a dual primary, or a chain through the \
    replica): the transactions of one missing on the other are replication in flight or broken, \
    not errant writes.";

fn verdict_line(verdict: &Verdict) -> String {
    if verdict.reasons.is_empty() {
        "Verdict: consistent.".to_owned()
    } else {
        format!(
            "Verdict: {}: {}.",
            verdict.status,
            verdict.reasons.join("; ")
        )
    }
}

fn optional(gtid: Option<MariaGtid>) -> String {
    gtid.map_or_else(|| "nothing".to_owned(), |g| g.to_string())
}

fn report_mariadb(
    comparison: &MariadbComparison,
    purged_known: bool,
    pair: Pair,
    json: bool,
) -> Result<Status, Failure> {
    let judged = mariadb_verdict(comparison, pair);
    let status = status_of(judged.severity);
    let reasons = judged.reasons;
    let mut out = Vec::new();
    for d in &comparison.domains {
        let (source, replica) = (optional(d.source), optional(d.replica));
        let meaning = match d.state {
            DomainState::InSync => "in sync".to_owned(),
            DomainState::Behind { by } => format!(
                "the replica is {by} behind{}",
                if purged_known {
                    "; the source still has them"
                } else {
                    ""
                }
            ),
            DomainState::Purged => {
                "the source has purged binlogs the replica still needs: it cannot continue \
                 (error 1236, \"Could not find GTID state requested by slave\")"
                    .to_owned()
            }
            DomainState::Ahead { by } => {
                format!(
                    "the replica is {by} ahead: writes on the replica, or transactions the \
                     source lost; it cannot replicate from this source in this domain"
                )
            }
            DomainState::Diverged => {
                "the replica's last GTID was never logged by the source although the source got \
                 that far: an errant write on the replica; the histories differ"
                    .to_owned()
            }
            DomainState::OnlyOnSource => {
                "the replica has nothing in this domain and will fetch it from the source's oldest \
                 binlog"
                    .to_owned()
            }
            DomainState::OnlyOnReplica => {
                "the source never logged this domain: errant writes on the replica, or another \
                 upstream's domain (--ignore it)"
                    .to_owned()
            }
            DomainState::Ignored => "ignored (another upstream)".to_owned(),
        };
        out.push(format!(
            "Domain {}: source at {source}, replica at {replica}: {meaning}.",
            d.domain
        ));
    }
    if !purged_known {
        out.push(
            "The source's purged state (GTID_LIST of its oldest binlog) is unknown: a replica \
             behind may already be past saving (--source-purged)."
                .to_owned(),
        );
    }
    let verdict = verdict(status, reasons);
    if json {
        #[derive(Serialize)]
        struct Output<'a> {
            flavor: &'static str,
            #[serde(flatten)]
            verdict: &'a Verdict,
            source_purged_known: bool,
            dual_primary: bool,
            comparison: &'a MariadbComparison,
        }
        print_json(
            status,
            &Output {
                flavor: "mariadb",
                verdict: &verdict,
                source_purged_known: purged_known,
                dual_primary: pair == Pair::DualPrimary,
                comparison,
            },
        )?;
    } else {
        if comparison.domains.is_empty() {
            out.insert(0, "No GTIDs on either side.".to_owned());
        }
        if pair == Pair::DualPrimary {
            out.push(DUAL_PRIMARY_NOTE.to_owned());
        }
        out.push(verdict_line(&verdict));
        emit(out.join("\n"))?;
    }
    Ok(status)
}
