//! Throughput of the event walk with CRC32 verification, and of walk + decode of every body,
//! over the largest binlog fixture (held in memory, as a mapped file in page cache would be).

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const FIXTURE: &str =
    "../../../shared/fixtures/binlogs/mariadb-poc/domain_id_0/mariadb-repl-bin.000002";

fn walk(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    let Ok(data) = std::fs::read(&path) else {
        eprintln!("skipped: fixtures folder absent ({})", path.display());
        return;
    };
    let mut group = c.benchmark_group("binlog");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.bench_function("walk_with_crc32", |b| {
        b.iter(|| binlog::EventWalk::new(&data).filter(Result::is_ok).count())
    });
    group.bench_function("walk_and_decode", |b| {
        b.iter(|| {
            binlog::EventWalk::new(&data)
                .filter_map(Result::ok)
                .filter(|e| binlog::decode(e).is_ok())
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, walk);
criterion_main!(benches);
