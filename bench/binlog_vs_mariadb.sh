#!/bin/sh
# Times `repldoctor binlog check`, `repldoctor binlog sql`, `repldoctor binlog sql --undo` and
# `mariadb-binlog --base64-output=decode-rows -vv` on the same ROW-format binlog, in one run,
# from page cache, and prints throughput, the ratio to mariadb-binlog and each one's peak
# memory (max RSS from /usr/bin/time -v). Each command runs RUNS times (default 3); the best wall time counts.
# Usage: bench/binlog_vs_mariadb.sh [FILE]
#   Without FILE it reads target/binlog-bench/rows.000001, writing it first (a ~500 MB binlog
#   from a testlab MariaDB, several minutes) when it is missing. Builds go to CARGO_TARGET_DIR
#   when it is set (target/ otherwise), so that the benchmark need not wait for other builds.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
file=${1:-$root/target/binlog-bench/rows.000001}
runs=${RUNS:-3}
if [ ! -f "$file" ]; then
    cargo test --quiet --release --manifest-path "$root/Cargo.toml" -p repldoctor \
        --test binlog_cli write_benchmark_binlog -- --ignored
fi
cargo build --quiet --release -p repldoctor --manifest-path "$root/Cargo.toml"
repldoctor=${CARGO_TARGET_DIR:-$root/target}/release/repldoctor
bytes=$(stat -c %s "$file")
cat "$file" > /dev/null # into the page cache

# best_of NAME COMMAND...: runs the command $runs times with stdout to /dev/null; prints
# "NAME seconds max_rss_kb".
best_of() {
    name=$1
    shift
    best=""
    rss=0
    i=0
    while [ "$i" -lt "$runs" ]; do
        /usr/bin/time -v -o /tmp/binlog_bench_time.$$ "$@" > /dev/null 2>/dev/null || true
        wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' /tmp/binlog_bench_time.$$ |
            awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
        kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' /tmp/binlog_bench_time.$$)
        if [ -z "$best" ] || awk "BEGIN { exit !($wall < $best) }"; then best=$wall; fi
        if [ "$kb" -gt "$rss" ]; then rss=$kb; fi
        i=$((i + 1))
    done
    rm -f /tmp/binlog_bench_time.$$
    echo "$name $best $rss"
}

echo "file: $file ($bytes bytes), best of $runs runs"
results=$(
    best_of check "$repldoctor" binlog check "$file"
    best_of sql "$repldoctor" binlog sql "$file"
    best_of sql-undo "$repldoctor" binlog sql --undo "$file"
    best_of mariadb-binlog mariadb-binlog --base64-output=decode-rows -vv "$file"
)
echo "$results" | awk -v bytes="$bytes" '
    { t[$1] = $2; r[$1] = $3 }
    END {
        printf "%-16s %10s %12s %14s\n", "command", "seconds", "throughput", "peak RSS"
        n = split("check sql sql-undo mariadb-binlog", order, " ")
        for (i = 1; i <= n; i++) {
            c = order[i]
            printf "%-16s %10.2f %9.2f GB/s %11.1f MB\n", c, t[c], bytes / t[c] / 1e9, r[c] / 1024
        }
        printf "binlog sql is %.1fx faster than mariadb-binlog -vv\n", t["mariadb-binlog"] / t["sql"]
    }'
