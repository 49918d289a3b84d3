"""Times repldoctor's GTID arithmetic against the GtidSet of the python `mysql-replication`
package on the same inputs, and prints the ratios.

Run by bench/gtid_vs_python.sh, which provides the virtualenv and the release binary. The inputs
are those of `cargo bench -p gtid` (crates/gtid/benches/gtid.rs computes the same UUIDs and
intervals).

What is timed:
- python: in-process, `GtidSet(text)` and the package's subtraction (`Gtid.__sub__`, per UUID),
  best of several runs; interpreter start-up excluded.
- repldoctor: the whole `repldoctor gtid count|subtract @file ...` process (start-up, reading
  the files, parsing, the operation, printing), best of several runs: an upper bound on the
  arithmetic itself.
"""

import os
import subprocess
import sys
import tempfile
import time

from pymysqlreplication.gtid import GtidSet

MASK32 = (1 << 32) - 1
MASK48 = (1 << 48) - 1


def uuid(i):
    """The UUID number i, as in crates/gtid/benches/gtid.rs."""
    return "%08x-%04x-4%03x-8%03x-%012x" % (
        (i * 2654435761) & MASK32,
        i % 65536,
        i % 4096,
        (i * 7) % 4096,
        (i * 1000003) & MASK48,
    )


def ten_thousand_uuids():
    return ",\n".join(
        "%s:1-%d:%d-%d:%d" % (uuid(i), 1000 + i, 1002 + i, 5000 + i, 6000 + 2 * i)
        for i in range(10000)
    )


def intervals(count, first):
    """One UUID with `count` intervals of two numbers, starting at `first` every 4 numbers."""
    return uuid(0) + "".join(
        ":%d-%d" % (4 * k + first, 4 * k + first + 1) for k in range(count)
    )


def best(runs, action):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return min(times), result


def python_subtract(a_text, b_text):
    a, b = GtidSet(a_text), GtidSet(b_text)
    by_sid = {g.sid: g for g in b.gtids}
    return ",".join(str(g - by_sid[g.sid]) if g.sid in by_sid else str(g) for g in a.gtids)


def ours(binary, *args):
    out = subprocess.run([binary, "gtid", *args], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def main():
    binary = sys.argv[1]
    python_sizes = [int(n) for n in os.environ.get("PYTHON_SIZES", "1000,2000,4000").split(",")]
    work = tempfile.mkdtemp(prefix="gtid-bench-")

    def write(name, text):
        path = os.path.join(work, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    rows = []
    text = ten_thousand_uuids()
    path = write("uuids.txt", text)
    py, py_set = best(3, lambda: GtidSet(text))
    rs, rs_count = best(5, lambda: ours(binary, "count", "@" + path))
    py_count = sum(b - a for g in py_set.gtids for a, b in g.intervals)
    assert int(rs_count) == py_count, (rs_count, py_count)
    rows.append(("parse a 10,000-UUID set (and count it)", py, rs))

    for size in python_sizes + [1000000]:
        a_text, b_text = intervals(size, 1), intervals(size, 2)
        a_path, b_path = write("a%d.txt" % size, a_text), write("b%d.txt" % size, b_text)
        rs, rs_result = best(5, lambda: ours(binary, "subtract", "@" + a_path, "@" + b_path))
        if size in python_sizes:
            py, py_result = best(1, lambda: python_subtract(a_text, b_text))
            assert py_result == rs_result, "results differ at %d intervals" % size
        else:
            py = None
        rows.append(("subtract two sets of %d intervals each" % size, py, rs))

    print("%-48s %14s %14s %10s" % ("operation", "python (s)", "repldoctor (s)", "ratio"))
    for name, py, rs in rows:
        if py is None:
            print("%-48s %14s %14.4f %10s" % (name, "not run", rs, "-"))
        else:
            print("%-48s %14.4f %14.4f %9.0fx" % (name, py, rs, py / rs))
    print("python: mysql-replication GtidSet, in-process; repldoctor: whole process (start-up,")
    print("file reading, parsing, operation, printing). Python's interval insertion is quadratic,")
    print("so it is not run on 1,000,000 intervals; see the growth over PYTHON_SIZES.")


if __name__ == "__main__":
    main()
