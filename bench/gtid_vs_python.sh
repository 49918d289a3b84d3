#!/bin/sh
# Times repldoctor's GTID arithmetic against the GtidSet of the python mysql-replication package
# on the same inputs (those of `cargo bench -p gtid`) and prints the ratios.
# Usage: bench/gtid_vs_python.sh        (PYTHON_SIZES=1000,2000,4000 to choose python's sizes)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${VENV:-$root/target/gtid-bench-venv}
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check 'mysql-replication==1.0.17'
cargo build --quiet --release -p repldoctor --manifest-path "$root/Cargo.toml"
exec "$venv/bin/python" "$root/bench/gtid_vs_python.py" "$root/target/release/repldoctor"
