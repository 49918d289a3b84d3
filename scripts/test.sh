#!/usr/bin/env bash
# Installs what the tests need and runs the whole test suite.
#
# The Rust toolchain is assumed (rustup). The tests start real MariaDB servers on 127.0.0.1,
# so Debian's mariadb-server (mariadbd, mariadb-install-db) and mariadb-client (mariadb-binlog,
# the oracle for binlog decoding) are installed with apt-get when missing, with openssl (the TLS
# tests make their own certificates), prometheus (its promtool checks deploy/'s alert rules; the
# server the package starts is stopped again) and chromium (the watcher's pages are loaded in
# a headless browser).
set -euo pipefail
cd "$(dirname "$0")/.."

have_mariadb() {
    { command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ]; } &&
        command -v mariadb-install-db >/dev/null && command -v mariadb-binlog >/dev/null &&
        command -v openssl >/dev/null && command -v promtool >/dev/null &&
        command -v chromium >/dev/null
}

if ! have_mariadb; then
    packages=(mariadb-server mariadb-client openssl prometheus chromium)
    echo "test.sh: installing ${packages[*]} (the tests start real MariaDB servers)"
    if [ "$(id -u)" -eq 0 ]; then
        as_root=()
    elif command -v sudo >/dev/null; then
        as_root=(sudo)
    else
        echo "test.sh: a program the tests need is missing and I am not root and have no sudo;" \
            "install Debian's ${packages[*]} and run me again" >&2
        exit 1
    fi
    if ! command -v apt-get >/dev/null; then
        echo "test.sh: a program the tests need is missing and this system has no apt-get;" \
            "install MariaDB 10.6 or later (mariadbd, mariadb-install-db, mariadb-binlog)," \
            "openssl, promtool and chromium" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${as_root[@]}" apt-get update -qq
    "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
    # Only promtool is wanted: the Prometheus server the package may have started goes.
    if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then
        "${as_root[@]}" systemctl disable --now prometheus >/dev/null 2>&1 || true
    fi
    have_mariadb || { echo "test.sh: installed, but a program is still missing" >&2; exit 1; }
fi

# A test whose fixtures are missing names itself in this file (under CI=true it fails instead):
# it is listed at the end, so that no one takes a skipped test for a passing one.
skip_log=$(mktemp)
trap 'rm -f "$skip_log"' EXIT
export REPLDOCTOR_SKIP_LOG=$skip_log

status=0
cargo test --workspace --locked || status=$?
if [ -s "$skip_log" ]; then
    echo "$(wc -l <"$skip_log") tests skipped: $(sort "$skip_log" | paste -sd, - | sed 's/,/, /g')"
fi
exit "$status"
