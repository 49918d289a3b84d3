//! How long a diagnosis takes: replaying a bundle (target: under 100 ms, loading included) and
//! reading pasted evidence.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use evidence::text::{TextInput, parse_evidence};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn bundle(c: &mut Criterion) {
    let path = examples().join("lab/dual-primary-dup-key/bundle");
    c.bench_function("bundle: load, build the evidence, diagnose", |b| {
        b.iter(|| {
            let collection = bundle::load(black_box(&path)).expect("the example bundle loads");
            diagnose::diagnose_collection(&collection)
        })
    });
}

fn pasted(c: &mut Criterion) {
    let path = examples().join("cases/case2-mts-commit-order-hang.txt");
    let text = std::fs::read_to_string(path).expect("the example case reads");
    c.bench_function("pasted case 2: parse, diagnose", |b| {
        b.iter(|| {
            let parsed = parse_evidence(&[TextInput {
                name: "case2",
                text: black_box(&text),
            }]);
            diagnose::diagnose(&parsed.evidence)
        })
    });
}

criterion_group!(benches, bundle, pasted);
criterion_main!(benches);
