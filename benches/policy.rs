//! Decisions per second against the workshop's guardrails: parsed once, then the same request
//! decided again and again, without and with the explanation.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use vigil::policy::Suite;

fn decisions(c: &mut Criterion) {
    let suite = Suite::workshop();
    let case = |name: &str| {
        suite.tests.iter().find(|t| t.name == name).unwrap_or_else(|| panic!("no test {name}")).case.clone()
    };
    let allowed = case("CreateTrainingJob with subnets and security groups is allowed");
    let denied = case("CreateTrainingJob without VPC settings is denied");
    let bucket = case("s3:GetObject through the project's VPC endpoint is allowed");
    let mut group = c.benchmark_group("policy");
    group.throughput(Throughput::Elements(1));
    group.bench_function("decide: CreateTrainingJob allowed (every guardrail evaluated)", |b| {
        b.iter(|| std::hint::black_box(&allowed).decide().decision)
    });
    group.bench_function("decide: CreateTrainingJob denied", |b| {
        b.iter(|| std::hint::black_box(&denied).decide().decision)
    });
    group.bench_function("decide: s3:GetObject through the endpoint (bucket policy)", |b| {
        b.iter(|| std::hint::black_box(&bucket).decide().decision)
    });
    group.bench_function("explain: CreateTrainingJob allowed", |b| {
        b.iter(|| std::hint::black_box(&allowed).explain().result)
    });
    group.bench_function("explain: CreateTrainingJob denied", |b| {
        b.iter(|| std::hint::black_box(&denied).explain().result)
    });
    group.finish();
}

criterion_group!(benches, decisions);
criterion_main!(benches);
