#!/bin/sh
# `repldoctor verify` and Debian's pt-table-checksum side by side, in one run, on the same
# testlab MariaDB pair: a 1,000,000-row table with the planted differences of
# crates/cli/tests/verify_live.rs (a changed column, a missing row, an extra row, NULL vs '',
# a trailing space under a PAD SPACE collation). Prints the wall time of each and what each
# found. Needs percona-toolkit (apt-get install percona-toolkit).
# Usage: bench/verify_vs_pt_table_checksum.sh
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
command -v pt-table-checksum >/dev/null || {
    echo "bench: pt-table-checksum is missing: apt-get install percona-toolkit" >&2
    exit 1
}
cargo test --quiet --release --manifest-path "$root/Cargo.toml" -p repldoctor \
    --test verify_live bench_side_by_side_with_pt_table_checksum -- --ignored --nocapture
