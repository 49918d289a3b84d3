#!/usr/bin/env python3
"""Derives repldoctor's replication error catalogue from the servers' own message files.

Reference only: the message files stay outside the project; what is written out is each
replication error's number, symbol, the series that raise it, the fixed words of its English
template (placeholders reduced to `%`) and its class or the reason it is not a replication
failure.

Usage (the files are read from the servers' public source trees):
  git --git-dir=MYSQL57 show HEAD:sql/share/errmsg-utf8.txt          > my57.txt   # 5.7.18
  git --git-dir=MYSQL80 show HEAD:share/messages_to_clients.txt      > my80_clients.txt  # 8.0.40
  git --git-dir=MYSQL80 show HEAD:share/messages_to_error_log.txt    > my80_log.txt
  cp /usr/share/mysql/errmsg-utf8.txt mdb1011.txt                    # MariaDB 10.11 (Debian 12)
  scripts/catalogue/derive.py DIR
writes crates/evidence/src/text/messages/catalogue/data.rs and
crates/diagnose/src/catalogue/data.rs (then run `cargo fmt --all`), and prints the README's
coverage table. Edit the rules below, never the generated files.
"""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SYMBOL = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)(\s+[0-9A-Za-z]{5})*\s*$")
ENG = re.compile(r'^\s+eng\s+"(.*)"\s*$')
# printf conversions of the catalogues, MariaDB's %`s (quoted name) and %M (errno text) too.
PLACEHOLDER = re.compile(r"%[-+ #0`']*(\d+|\*)?(\.(\d+|\*))?(hh|h|ll|l|L|z|j|t|q)?[sdiuxXfcpgMT]")


def parse(path, start=1000):
    """(number, symbol, template) of every message in one file."""
    number = start
    out = []
    current = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#") or not line.strip():
                continue
            m = re.match(r"^(start-error-number|skip-to-error-number)\s+(\d+)", line)
            if m:
                number = int(m.group(2))
                continue
            if line.startswith(("languages", "default-language", "reserved-error-section")):
                continue
            m = ENG.match(line)
            if m and current is not None:
                current[2] = m.group(1)
                continue
            m = SYMBOL.match(line)
            if m and not line.startswith((" ", "\t")):
                current = [number, m.group(1), None]
                out.append(current)
                number += 1
    return [(n, s, t) for n, s, t in out if t is not None]


def fixed_words(template):
    text = template.replace("%%", " ").replace("\\n", " ").replace('\\"', '"')
    text = PLACEHOLDER.sub("%", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text


# Generic SQL errors a replica's applier (or receiver) reports, by number: the replication
# symbols below are found by name, these by what the applier meets when the replica's data or
# schema differs from the source's.
GENERIC = {
    # dup_key
    1062: "dup_key", 1022: "dup_key", 1586: "dup_key",
    1032: "row_not_found", 1020: "row_not_found",
    1205: "applier_lock_wait", 1213: "applier_deadlock",
    1317: "applier_killed", 1927: "applier_killed", 3169: "applier_killed",
    1007: "ddl_mismatch", 1008: "ddl_mismatch", 1049: "ddl_mismatch", 1050: "ddl_mismatch",
    1051: "ddl_mismatch", 1054: "ddl_mismatch", 1060: "ddl_mismatch", 1061: "ddl_mismatch",
    1091: "ddl_mismatch", 1146: "ddl_mismatch", 1109: "ddl_mismatch", 1068: "ddl_mismatch",
    1072: "ddl_mismatch", 1176: "ddl_mismatch", 1304: "ddl_mismatch", 1305: "ddl_mismatch",
    1356: "ddl_mismatch", 1359: "ddl_mismatch", 1360: "ddl_mismatch", 1396: "ddl_mismatch",
    1826: "ddl_mismatch", 1215: "ddl_mismatch",
    1451: "constraint_violation", 1452: "constraint_violation", 1048: "constraint_violation",
    1406: "constraint_violation", 1366: "constraint_violation", 1364: "constraint_violation",
    1264: "constraint_violation", 1292: "constraint_violation", 1265: "constraint_violation",
    1216: "constraint_violation", 1217: "constraint_violation",
    1115: "version_incompatibility", 1273: "version_incompatibility",
    1064: "version_incompatibility",
    1021: "replica_disk_full", 1114: "replica_disk_full",
    1045: "connection_failed", 1130: "connection_failed",
    # Numbers the rules' own declarations claim (crates/diagnose/src/rules/*.rs `META`): the
    # catalogue agrees with them.
    1594: "relay_log_unreadable", 13121: "relay_log_unreadable",
    1201: "applier_metadata", 1872: "applier_metadata", 1873: "applier_metadata",
    13117: "applier_metadata", 13124: "applier_metadata", 1942: "applier_metadata",
    1755: "version_incompatibility", 1950: "errant_gtids", 13114: "source_purged_gtids",
}
# MariaDB's own replication errors (19xx and 4xxx mean other things in MySQL) that the
# symbol patterns below would get wrong: (class, thread), or a reason for leaving it out.
MARIADB = {
    1940: ("applier_metadata", "applier"),  # ER_FAILED_GTID_STATE_INIT
    1941: ("applier_metadata", "applier"),  # ER_INCORRECT_GTID_STATE
    1944: ("applier_metadata", "applier"),  # ER_GTID_OPEN_TABLE_FAILED
    1946: ("applier_metadata", "applier"),  # ER_CANNOT_LOAD_SLAVE_GTID_STATE
    # Not in the source's binlog: its binlogs no longer go back that far...
    1945: ("source_purged_gtids", "receiver"),  # ER_GTID_POSITION_NOT_FOUND_IN_BINLOG
    # ...or, with higher sequence numbers there, the replica diverged.
    1955: ("replica_has_more_gtids", "receiver"),  # ER_GTID_POSITION_NOT_FOUND_IN_BINLOG2
    1951: ("source_binlog_missing", "receiver"),  # ER_GTID_START_FROM_BINLOG_HOLE
    1952: ("receiver_error_other", "receiver"),  # ER_SLAVE_UNEXPECTED_MASTER_SWITCH
    4034: ("relay_log_unreadable", "applier"),  # ER_BINLOG_UNCOMPRESS_ERROR
    4192: ("applier_killed", "applier"),  # ER_SLAVE_STATEMENT_TIMEOUT (slave_max_statement_time)
    1966: "answers a statement or setting the DBA gave (CHANGE MASTER, START/STOP/RESET SLAVE, SET, filters, GTID modes): not a running thread's failure",
}

# The receiver's numbers among the generic ones.
RECEIVER_GENERIC = {"connection_failed", "source_purged_gtids"}

# Families that name replication in their symbol but are no failure of an asynchronous
# replica's applier or receiver, a source's dump thread or the replication metadata.
EXCLUDED = [
    (r"^ER_SEMISYNC", "the semi-synchronous plugin's acknowledgement bookkeeping: the channel's own failure is reported by its own errors"),
    (r"STOP_\w*_TIMEOUT|CANT_START_\w*_FOR_CHANNEL|CANT_STOP_\w*_FOR_CHANNEL", "answers a statement or setting the DBA gave (CHANGE MASTER, START/STOP/RESET SLAVE, SET, filters, GTID modes): not a running thread's failure"),
    (r"FOREIGN_DATA_SOURCE|TRANSFORM_SOURCE|SOURCE_SRS|RESOURCE_GROUP|^ER_IB_|SRS_", "names a source, dump or binlog that is not replication's (FEDERATED data sources, spatial reference systems, resource groups, InnoDB)"),
    (r"^ER_(GRP_RPL|GR_|GROUP_REPLICATION)|GROUP_REPLICATION", "Group Replication plugin: its own members and recovery, not an asynchronous channel"),
    (r"NDB", "NDB Cluster's binlog injector, not a replica's threads"),
    (r"^ER_(WSREP|GALERA)|WSREP", "Galera (wsrep) replication, not an asynchronous channel"),
    (r"DEPRECAT", "a deprecation warning for a statement or option"),
    (r"^ER_BINLOG_(UNSAFE|STMT|ROW_MODE|ROW_INJECTION|MULTIPLE_ENGINES|ROW_ENGINE|LOGGING_IMPOSSIBLE|PURGE|CREATE_ROUTINE|MUST_BE_EMPTY|CACHE_SIZE|STMT_CACHE|FORMAT)|UNSAFE_STATEMENT|WARN_UNSAFE|_UNSAFE_", "the source binary-logging a client's statement (unsafe or impossible for the format): raised to that client, not to a replication thread"),
    (r"(MUST_STOP|WAS_RUNNING|WAS_NOT_RUNNING|NOT_RUNNING|_WHILE_|_RUNNING_|CHANGE_MASTER|CHANGE_REPLICATION|CHANGE_SOURCE|_SYNTAX|CANT_SET|_CMD|CHANNEL_(DOES_NOT_EXIST|NAME|MULTIPLE|CREATION|IO_THREAD_ONLY|SQL_THREAD_ONLY|SQL_SKIP|OPERATION|NOT_EXIST|MUST|CANT|SUPPORT)|MULTIPLE_CHANNELS|NO_CHANNEL|IGNORE_SERVER_IDS|START_UNTIL|UNTIL_COND|UNTIL_|_SKIP_COUNTER|SQL_SLAVE_SKIP|WRONG_ARGUMENTS|_VARIABLE|_VAR_|_OPTION|_SETTING|_IN_STORED|_IN_TRIGGER|_IN_SUB|STORED_FUNCTION|TEMPORARY|_TMP_|_ALREADY_EXISTS|_DOES_NOT_EXIST|_NOT_FOUND_FOR_CHANNEL|CANNOT_BE_EXECUTED|REQUIRES_SUPER|PRIVILEGE|ACCESS_DENIED|WARN_|SET_GTID|GTID_NEXT|GTID_MODE|ENFORCE_GTID|GTID_PURGED|GTID_EXECUTED_WAS|AUTOPOSITION_REQUIRES|WAIT_FOR|MASTER_POS_WAIT|RESET_|_RESET|PURGE|FLUSH|SHOW_|_UDF|KEYRING|_ENCRYPTION|_KEY_ROTATION|CLONE|PLUGIN|COMPONENT|CREATE_USER|_DELAY|FILTER)", "answers a statement or setting the DBA gave (CHANGE MASTER, START/STOP/RESET SLAVE, SET, filters, GTID modes): not a running thread's failure"),
    (r"(STARTED|STOPPED|STARTING|STOPPING|_INFO$|_INFO_|GENERAL_INFO|_NOTE|CONNECTED|RECONNECT|_EXIT|EXITING|_INIT_|INITIALIZED|_OK$|_SUCCESS|_DONE|SUMMARY|STATISTIC|_STATS|_REPORT|_COMPLETED|_ACTIVE|LOADED|REGISTERED|_SHUTDOWN|SHUTDOWN_|KILLING|WAITING|_WAITS|_CONSIDER|_DUMP_THREAD_KILLED|_SOURCE_UUID|_MASTER_UUID|_THREAD_KILLED|_RECOVER|RECOVERY_|_UPGRADE|UPGRADE_|_USING_|_SWITCH|_TRX_|_ROTATE|_ROTATION|_PLAIN|_SAVED|_NEW_|_CHANGED|_ASSIGNED|_PURGE|_ENABLED|_DISABLED|_IGNOR|_SKIPP|_HEARTBEAT|_ADDED|_REMOVED|_SELECTED|EXECUTING|CONFIGURED_FOR|_START_BINLOG_DUMP|_STOP_BINLOG_DUMP|REPLICA_START$|_WORKER_ID_IS|_HAS_WAITED|_SUPPRESSED|SHUTTING_DOWN)", "an informational log message about what a thread or the binary log did, not a failure"),
]

# Classes by what the symbol or the template names, first match wins. (pattern on
# "SYMBOL template", class, thread)
CLASSES = [
    (r"SQL_THREAD_IO_ERROR", "relay_log_unreadable", "applier"),
    (r"READING_FROM_SERVER|reading packet from server", "receiver_error_other", "receiver"),
    (r"CONNECTION_METADATA|FOLLOWUP_FILE|LOOKING_FOR_LOG", "applier_metadata", "applier"),
    (r"HAS_PURGED_REQUIRED_GTIDS|purged binary logs containing GTIDs|purged required|GTID_PURGED_WAS|Could not find GTID state requested", "source_purged_gtids", "receiver"),
    (r"HAS_MORE_GTIDS|more GTIDs than the (master|source)", "replica_has_more_gtids", "receiver"),
    (r"first log file name|UNKNOWN_TARGET_BINLOG|BINLOG_FILE_NOT_FOUND|could not find next log|requested binlog", "source_binlog_missing", "receiver"),
    (r"SAME_ID|EQUAL_ID|SERVER_UUID|SERVER_ID|equal MySQL server|server_id|server_uuid", "identity_conflict", "receiver"),
    (r"CONVERSION_FAILED|CANT_CONVERT|cannot be converted", "column_conversion", "applier"),
    (r"DISK_FULL|disk is full|No space left", "replica_disk_full", "applier"),
    (r"BINLOG_READ_EVENT_CHECKSUM", "relay_log_unreadable", "applier"),
    (r"CHECKSUM|checksum", "source_binlog_unreadable", "receiver"),
    (r"RELAY_LOG_(READ|CORRUPT)|RELAY_LOG_EVENT|relay log read|Relay log read|CORRUPT_RELAY|LOG_READ_FAILURE|parse relay log|Could not parse relay|relay log event", "relay_log_unreadable", "applier"),
    (r"ERROR_READING_HEADER|reading the header from the binary log", "source_binlog_unreadable", "receiver"),
    (r"MAX_ALLOWED_PACKET|max_allowed_packet|NET_PACKET|PACKET_TOO", "source_binlog_unreadable", "receiver"),
    (r"(RLI|_MI_|MASTER_INFO|SOURCE_INFO|RELAY_LOG_INFO|INFO_REPOSITORY|REPOSITORY|RELAY_LOG_INIT|INIT_RELAY|CRASH_SAFE|MTS_RECOVERY|RECOVERY_FAILURE|relay log info|master info|slave_master_info|slave_relay_log_info|slave_worker_info|gtid_slave_pos|GTID_SLAVE_POS|GTID_EXECUTED_TABLE|gtid_executed table|_INDEX_FILE|RELAY_LOG_INDEX|relay log index|open the relay log|init relay log)", "applier_metadata", "applier"),
    (r"(UNKNOWN_EVENT|EVENT_TYPE|unknown event|newer|NEWER|VERSION|version|FORMAT_DESC|UNSUPPORTED|NOT_SUPPORTED|not supported)", "version_incompatibility", "applier"),
    (r"(IO_THREAD|_IO_|RECEIVER|_NET_|NETWORK|CONNECT|connecting|RETRY|RETRIES|SSL|TLS|PUBLIC_KEY|AUTH|LOGIN|PASSWORD|DUMP|FATAL_ERROR_READING|reading data from binary log|from (master|source)|I/O thread|MASTER_FATAL|SOURCE_FATAL|QUEUE|queue event|RELAY_LOG_WRITE|write to the relay|register|REGISTER)", "receiver_error_other", "receiver"),
]
CONNECTION = re.compile(r"(CONNECT|connecting|RETRY|RETRIES|SSL|TLS|PUBLIC_KEY|AUTH|LOGIN|PASSWORD|ACCESS_DENIED|Access denied)")

REPLICATION = re.compile(r"(SLAVE|REPLICA|RPL|_REPL_|MASTER|SOURCE|BINLOG|RELAY|GTID|MTS|CHANNEL|_MI_|RLI|DUMP)")


def classify(symbol, template):
    """(class or None, thread or None, exclusion reason or None)."""
    plain = symbol.replace("OBSOLETE_", "")
    key = f"{plain} {template}"
    for pattern, reason in EXCLUDED:
        if re.search(pattern, plain):
            return None, None, reason
    for pattern, cls, thread in CLASSES:
        if re.search(pattern, key):
            if cls == "receiver_error_other" and CONNECTION.search(key):
                return "connection_failed", "receiver", None
            return cls, thread, None
    return "applier_error_other", "applier", None


def is_wrapper(fixed):
    """A template whose last placeholder carries another error's message."""
    return bool(re.search(r"(: |; )'?%'?\.?$", fixed)) or fixed.startswith("%") or "Error '%' on query" in fixed


def main(folder):
    sources = [
        ("mysql", "5.7", parse(os.path.join(folder, "my57.txt"))),
        ("mysql", "8.0", parse(os.path.join(folder, "my80_clients.txt")) + parse(os.path.join(folder, "my80_log.txt"), 10000)),
        ("mariadb", "10.11", parse(os.path.join(folder, "mdb1011.txt"))),
    ]
    # (flavor, number) -> entry; a number keeps its class when a release renames it
    # (ER_MASTER_* to ER_SOURCE_*) and each wording it was printed in is a template of its own.
    entries = {}
    for flavor, series, rows in sources:
        for number, symbol, template in rows:
            obsolete = symbol.startswith("OBSOLETE_")
            plain = symbol.replace("OBSOLETE_", "")
            generic = number in GENERIC
            if not generic and not REPLICATION.search(plain):
                continue
            entry = entries.setdefault((flavor, number), {"symbol": plain, "templates": {}, "series": [], "flavor": flavor, "number": number})
            if obsolete:
                continue
            entry["symbol"] = plain
            if series not in entry["series"]:
                entry["series"].append(series)
            entry["templates"].setdefault(fixed_words(template), []).append(series)
    classified, excluded = [], []
    for (flavor, number), e in sorted(entries.items()):
        if not e["series"]:
            continue  # obsolete in every release read
        e["fixed"] = list(e["templates"])[-1]
        override = MARIADB.get(number) if flavor == "mariadb" else None
        if isinstance(override, tuple):
            (cls, thread), reason = override, None
        elif isinstance(override, str):
            cls, thread, reason = None, None, override
        elif number in GENERIC:
            cls = GENERIC[number]
            thread = "receiver" if cls in RECEIVER_GENERIC else "applier"
            reason = None
        else:
            cls, thread, reason = classify(e["symbol"], e["fixed"])
        letters = sum(c.isalpha() for c in e["fixed"])
        if reason is None and letters < 10:
            reason = "its template has too few fixed words to recognise and says nothing a class can use"
            cls = None
        e.update(cls=cls, thread=thread, reason=reason)
        (classified if cls else excluded).append(e)
    write_evidence(classified)
    write_diagnose(classified, excluded)
    print(readme_section(classified, excluded))


def readme_section(classified, excluded):
    """The README's coverage table, in Markdown."""
    def count(rows, key):
        table = {}
        for e in rows:
            table.setdefault(key(e), {"mysql": 0, "mariadb": 0})[e["flavor"]] += 1
        return table
    out = ["| class | MySQL | MariaDB |", "|---|---|---|"]
    for cls, n in sorted(count(classified, lambda e: e["cls"]).items()):
        out.append(f"| `{cls}` | {n['mysql']} | {n['mariadb']} |")
    total = count(classified, lambda e: "all")["all"]
    out.append(f"| **classified** | **{total['mysql']}** | **{total['mariadb']}** |")
    out += ["", "| left unclassified, because | MySQL | MariaDB |", "|---|---|---|"]
    for reason, n in sorted(count(excluded, lambda e: e["reason"]).items(), key=lambda kv: -sum(kv[1].values())):
        out.append(f"| {reason} | {n['mysql']} | {n['mariadb']} |")
    total = count(excluded, lambda e: "all")["all"]
    out.append(f"| **left unclassified** | **{total['mysql']}** | **{total['mariadb']}** |")
    return "\n".join(out)


def rust_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def releases(e):
    series = e["series"]
    first, last = series[0], series[-1]
    # The newest series read still raises it: open-ended.
    newest = {"mysql": "8.0", "mariadb": "10.11"}[e["flavor"]]
    return first, (None if last == newest else last)


HEADER = "// Generated by scripts/catalogue/derive.py from the servers' message catalogues; do not edit.\n"


def write_evidence(classified):
    path = os.path.join(ROOT, "crates/evidence/src/text/messages/catalogue/data.rs")
    lines = [HEADER, "use dialect::Flavor::{Mariadb, Mysql};\n\nuse super::Template;\nuse crate::model::ReplicationThread::{Applier, Receiver};\n\n",
             "/// Every replication error's template: number, symbol, flavor, first and last series that raise it\n/// (`None`: still raised by the newest series read), fixed words (`%` for a placeholder), thread.\n",
             "pub(super) static TEMPLATES: &[Template] = &[\n"]
    for e in classified:
        for fixed, series in e["templates"].items():
            if sum(c.isalpha() for c in fixed) < 12:
                continue  # too few fixed words to tell it from another message
            first, last = releases({"series": series, "flavor": e["flavor"]})
            last = "None" if last is None else f"Some({rust_str(last)})"
            thread = "Applier" if e["thread"] == "applier" else "Receiver"
            wrapper = "true" if is_wrapper(fixed) else "false"
            flavor = "Mysql" if e["flavor"] == "mysql" else "Mariadb"
            lines.append(f"    Template::new({e['number']}, {rust_str(e['symbol'])}, {flavor}, {rust_str(first)}, {last}, {rust_str(fixed)}, {thread}, {wrapper}),\n")
    lines.append("];\n")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.writelines(lines)


CLASS_NAMES = {
    "dup_key": "DupKey", "row_not_found": "RowNotFound", "applier_lock_wait": "ApplierLockWait",
    "applier_deadlock": "ApplierDeadlock", "applier_killed": "ApplierKilled",
    "ddl_mismatch": "DdlMismatch", "column_conversion": "ColumnConversion",
    "constraint_violation": "ConstraintViolation", "relay_log_unreadable": "RelayLogUnreadable",
    "applier_metadata": "ApplierMetadata", "version_incompatibility": "VersionIncompatibility",
    "applier_error_other": "ApplierErrorOther", "source_purged_gtids": "SourcePurgedGtids",
    "replica_has_more_gtids": "ReplicaHasMoreGtids", "source_binlog_missing": "SourceBinlogMissing",
    "source_binlog_unreadable": "SourceBinlogUnreadable", "identity_conflict": "IdentityConflict",
    "connection_failed": "ConnectionFailed", "receiver_error_other": "ReceiverErrorOther",
    "replica_disk_full": "ReplicaDiskFull", "errant_gtids": "ErrantGtids",
}


def write_diagnose(classified, excluded):
    path = os.path.join(ROOT, "crates/diagnose/src/catalogue/data.rs")
    reasons = sorted({e["reason"] for e in excluded})
    lines = [HEADER, "use evidence::model::Flavor::{Mariadb, Mysql};\n\nuse super::{Entry, Verdict::{Classified, Excluded}};\nuse crate::class::Class;\n\n",
             "/// Why an error that names replication is no replication failure, by index in [`Entry`].\n",
             "pub(super) static REASONS: &[&str] = &[\n"]
    lines += [f"    {rust_str(r)},\n" for r in reasons]
    lines.append("];\n\n/// Every replication-related error of both flavors, by flavor and number.\n")
    lines.append("pub(super) static ENTRIES: &[Entry] = &[\n")
    for e in sorted(classified + excluded, key=lambda e: (e["flavor"], e["number"])):
        flavor = "Mysql" if e["flavor"] == "mysql" else "Mariadb"
        first, last = releases(e)
        last = "None" if last is None else f"Some({rust_str(last)})"
        if e["cls"]:
            verdict = f"Classified(Class::{CLASS_NAMES[e['cls']]})"
        else:
            verdict = f"Excluded({reasons.index(e['reason'])})"
        lines.append(f"    Entry::new({flavor}, {e['number']}, {rust_str(e['symbol'])}, {rust_str(first)}, {last}, {verdict}),\n")
    lines.append("];\n")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.writelines(lines)


if __name__ == "__main__":
    main(sys.argv[1])
