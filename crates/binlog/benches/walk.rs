//! Throughput of the event walk with CRC32 verification, of walk + decode of every body, and of
//! full SQL rendering: over the largest fixture (statement format, held in memory) and over the
//! ~500 MB ROW-format binlog written by testlab (mapped, from page cache), when it exists
//! (`bench/binlog_vs_mariadb.sh` writes it to `target/binlog-bench/rows.000001`).

use std::path::Path;
use std::time::Duration;

use binlog::{MappedFile, Options, Render};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const FIXTURE: &str =
    "../../../shared/fixtures/binlogs/mariadb-poc/domain_id_0/mariadb-repl-bin.000002";
const ROWS_BINLOG: &str = "../../target/binlog-bench/rows.000001";

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

fn rows_binlog(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(ROWS_BINLOG);
    let Ok(file) = MappedFile::open(&path) else {
        eprintln!(
            "skipped: {} absent (bench/binlog_vs_mariadb.sh writes it)",
            path.display()
        );
        return;
    };
    let data = file.bytes();
    let mut group = c.benchmark_group("rows_500mb");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("walk_with_crc32", |b| {
        b.iter(|| binlog::EventWalk::new(data).filter(Result::is_ok).count())
    });
    group.bench_function("transactions_as_sql", |b| {
        let options = Options {
            render: Render {
                sql: true,
                ..Render::default()
            },
            ..Options::default()
        };
        b.iter(|| {
            binlog::transactions_with(data, options)
                .filter_map(Result::ok)
                .map(|t| t.sql.len())
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, walk, rows_binlog);
criterion_main!(benches);
