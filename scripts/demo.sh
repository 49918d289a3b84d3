#!/usr/bin/env bash
# Builds repldoctor and runs it on the bundled examples: the five founding incidents as a DBA
# would paste their evidence, and faults reproduced on real MariaDB servers.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "demo.sh: building repldoctor (release; the first build takes a few minutes)..."
cargo build --release --locked -p repldoctor
echo "demo.sh: built; running it on the examples"
repldoctor="${CARGO_TARGET_DIR:-target}/release/repldoctor"

# Exit status 2 means "critical finding": expected here, so it does not stop the demo.
run() {
    echo
    echo "\$ repldoctor $*"
    "$repldoctor" "$@" || [ $? -le 2 ]
}

echo "=== The founding incidents (examples/cases) ==="
for evidence in examples/cases/*.txt; do
    run diagnose --evidence "$evidence"
done

echo
echo "=== Faults reproduced on real MariaDB servers (examples/lab): the verdicts ==="
for fault in examples/lab/*/; do
    report=$("$repldoctor" diagnose --evidence "$fault"s1.txt "$fault"s2.txt) || [ $? -le 2 ]
    printf '%-24s %s\n' "$(basename "$fault")" "${report%%$'\n'*}"
done

echo
echo "=== The same faults replayed from the bundles repldoctor collect saved on the lab ==="
for fault in examples/lab/*/; do
    report=$("$repldoctor" diagnose --bundle "$fault"bundle) || [ $? -le 2 ]
    printf '%-24s %s\n' "$(basename "$fault")" "${report%%$'\n'*}"
done

echo
echo "=== The same duplicate key, in Chinese too, and the failing transaction from the binlog ==="
run diagnose --lang zh --evidence examples/lab/dup-key/s1.txt examples/lab/dup-key/s2.txt
report=$("$repldoctor" diagnose --format json \
    --evidence examples/lab/dup-key/s1.txt examples/lab/dup-key/s2.txt) || [ $? -le 2 ]
end_log_pos=$(sed -n 's/.*"end_log_pos": \([0-9]*\).*/\1/p' <<<"$report" | head -n 1)
run binlog show examples/lab/dup-key/binlogs/s1-mariadb-bin.000001 --end-log-pos "$end_log_pos"

echo
echo "=== GTID arithmetic of case 4: the replica is ahead of its crashed source ==="
run gtid compare \
    --source-set 3e11fa47-71ca-11e1-9e33-c80aa9429562:1-1080678246 \
    --replica-set 3e11fa47-71ca-11e1-9e33-c80aa9429562:1-1081067155
