//! `cargo bench -p gtid`: parsing a 10,000-UUID set, parsing one UUID repeated 100,000 times,
//! and subtracting two sets of 1,000,000 intervals each. bench/gen_gtid_inputs.py writes the same inputs for the comparison with the
//! python `mysql-replication` package (bench/gtid_vs_python.sh).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use gtid::GtidSet;

/// The UUID number `i` of the generated sets; the python generator computes the same.
fn uuid(i: u64) -> String {
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        i.wrapping_mul(2_654_435_761) % (1 << 32),
        i % 65_536,
        i % 4096,
        (i * 7) % 4096,
        i.wrapping_mul(1_000_003) % (1 << 48)
    )
}

/// 10,000 UUIDs of three intervals each, one per line as `@@gtid_executed` prints them.
fn ten_thousand_uuids() -> String {
    (0..10_000)
        .map(|i| {
            format!(
                "{}:1-{}:{}-{}:{}",
                uuid(i),
                1000 + i,
                1002 + i,
                5000 + i,
                6000 + 2 * i
            )
        })
        .collect::<Vec<_>>()
        .join(",\n")
}

/// One UUID with 1,000,000 intervals of two numbers, starting at `first` every 4 numbers.
fn million_intervals(first: u64) -> String {
    let mut text = uuid(0);
    for k in 0..1_000_000u64 {
        let start = 4 * k + first;
        text.push_str(&format!(":{}-{}", start, start + 1));
    }
    text
}

/// One UUID repeated as 100,000 comma-separated entries `uuid:1,uuid:3,uuid:5,...`, as a
/// script that concatenates single GTIDs writes them.
fn repeated_uuid_entries() -> String {
    let source = uuid(0);
    (0..100_000u64)
        .map(|k| format!("{source}:{}", 2 * k + 1))
        .collect::<Vec<_>>()
        .join(",")
}

fn benches(c: &mut Criterion) {
    let uuids = ten_thousand_uuids();
    c.bench_function("parse 10,000-UUID set", |b| {
        b.iter(|| black_box(&uuids).parse::<GtidSet>().unwrap())
    });

    let repeated = repeated_uuid_entries();
    c.bench_function("parse one UUID repeated in 100,000 entries", |b| {
        b.iter(|| black_box(&repeated).parse::<GtidSet>().unwrap())
    });

    let a_text = million_intervals(1);
    let b_text = million_intervals(2);
    let a: GtidSet = a_text.parse().unwrap();
    let b: GtidSet = b_text.parse().unwrap();
    c.bench_function("subtract two sets of 1,000,000 intervals", |bench| {
        bench.iter(|| black_box(&a).difference(black_box(&b)))
    });
    c.bench_function("union two sets of 1,000,000 intervals", |bench| {
        bench.iter(|| black_box(&a).union(black_box(&b)))
    });
    c.bench_function("parse a set of 1,000,000 intervals", |bench| {
        bench.iter(|| black_box(&a_text).parse::<GtidSet>().unwrap())
    });
    c.bench_function("print a set of 1,000,000 intervals", |bench| {
        bench.iter(|| black_box(&a).to_string())
    });
}

criterion_group! {
    name = gtid;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(gtid);
