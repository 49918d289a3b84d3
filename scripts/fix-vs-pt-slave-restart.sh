#!/usr/bin/env bash
# repldoctor fix next to Debian's pt-slave-restart on the lab's 1062 (rows differ) and 1032,
# each judged by repldoctor verify; prints a markdown table (the README quotes it).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v pt-slave-restart >/dev/null || {
    echo "fix-vs-pt-slave-restart.sh: pt-slave-restart is missing (apt-get install percona-toolkit)" >&2
    exit 1
}
cargo test -q -p repldoctor --test side_by_side -- --ignored --nocapture 2>/dev/null |
    grep '^|'
