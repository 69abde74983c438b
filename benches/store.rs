//! Applying finding events to the store: 100,000 findings as one batch and as 1,000 pages of
//! 100 (how GetFindings delivers them); and re-applying an unchanged full set. And recordings of
//! the same 1,000 pages: written as `vigil watch --record` writes them, and read back whole, as
//! `vigil replay` does before it plays.

#[path = "../tests/fixtures/mod.rs"]
mod fixtures;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use fixtures::{Fixtures, Synthetic};
use vigil::catalog::Catalog;
use vigil::sources::{Dataset, SourceKind};
use vigil::store::Posture;

fn apply(c: &mut Criterion) {
    let mut fx = Fixtures::new();
    let synthetic = Synthetic { findings: 100_000, evaluations: 2_000, alarms: 500 };
    let findings = synthetic.finding_list(&mut fx);
    let catalog = Catalog::default_catalog();
    let mut group = c.benchmark_group("store");
    group.sample_size(10);

    group.bench_function("apply 100k findings, one event", |b| {
        b.iter_batched(
            || {
                (
                    Posture::new(catalog.clone()),
                    fx.merge(SourceKind::SecurityHub, 0, Dataset { findings: findings.clone(), ..Default::default() }),
                )
            },
            |(mut p, event)| {
                p.apply(event);
                p
            },
            BatchSize::LargeInput,
        )
    });

    group.bench_function("apply 100k findings, 1000 pages of 100", |b| {
        b.iter_batched(
            || {
                let pages: Vec<_> = findings
                    .chunks(100)
                    .map(|page| {
                        fx.merge(SourceKind::SecurityHub, 0, Dataset { findings: page.to_vec(), ..Default::default() })
                    })
                    .collect();
                (Posture::new(catalog.clone()), pages)
            },
            |(mut p, pages)| {
                for e in pages {
                    p.apply(e);
                }
                p
            },
            BatchSize::LargeInput,
        )
    });

    group.bench_function("replace 100k findings with the same set", |b| {
        let mut loaded = Posture::new(catalog.clone());
        loaded.apply(fx.replace(
            SourceKind::SecurityHub,
            0,
            Dataset { findings: findings.clone(), ..Default::default() },
        ));
        b.iter_batched(
            || fx.replace(SourceKind::SecurityHub, 1, Dataset { findings: findings.clone(), ..Default::default() }),
            |event| loaded.apply(event),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

/// The 1,000 pages of 100 findings as a recording's lines.
fn recorded_pages(fx: &mut Fixtures, findings: &[vigil::model::Finding]) -> Vec<vigil::recording::Entry> {
    findings
        .chunks(100)
        .map(|page| {
            let event = fx.merge(SourceKind::SecurityHub, 0, Dataset { findings: page.to_vec(), ..Default::default() });
            vigil::recording::Entry { at: event.fetched_at, what: vigil::recording::Recorded::Event(event) }
        })
        .collect()
}

fn recording(c: &mut Criterion) {
    use vigil::recording::{Header, Recording, Subject};
    let mut fx = Fixtures::new();
    let findings = Synthetic { findings: 100_000, evaluations: 0, alarms: 0 }.finding_list(&mut fx);
    let entries = recorded_pages(&mut fx, &findings);
    let feeds = [(SourceKind::SecurityHub, Some(std::time::Duration::from_secs(30)))];
    let header = Header::new(fx.t0, Subject::default(), &feeds, &Catalog::default_catalog());
    let write = |entries: &[vigil::recording::Entry]| {
        let mut out = serde_json::to_vec(&header).unwrap();
        out.push(b'\n');
        for e in entries {
            e.write_line(&mut out).unwrap();
        }
        out
    };
    let bytes = write(&entries);
    println!(
        "recording of 100,000 findings in 1,000 pages: {} bytes ({:.0} bytes a finding)",
        bytes.len(),
        bytes.len() as f64 / 1e5
    );
    let mut group = c.benchmark_group("recording");
    group.sample_size(10);
    group.bench_function("write 100k findings as 1000 pages", |b| b.iter(|| write(&entries)));
    group.bench_function("read 100k findings back, checked", |b| {
        b.iter(|| Recording::read(bytes.as_slice(), "bench.jsonl").unwrap())
    });
    group.finish();
}

/// A million findings (an organisation's finding aggregator), as 10,000 GetFindings pages of 100.
fn apply_million(c: &mut Criterion) {
    let mut fx = Fixtures::new();
    let findings = Synthetic { findings: 1_000_000, evaluations: 0, alarms: 0 }.finding_list(&mut fx);
    let catalog = Catalog::default_catalog();
    let mut group = c.benchmark_group("store 1M");
    group.sample_size(10);
    group.bench_function("apply 1M findings, 10000 pages of 100", |b| {
        b.iter_batched(
            || {
                let pages: Vec<_> = findings
                    .chunks(100)
                    .map(|page| {
                        fx.merge(SourceKind::SecurityHub, 0, Dataset { findings: page.to_vec(), ..Default::default() })
                    })
                    .collect();
                (Posture::new(catalog.clone()), pages)
            },
            |(mut p, pages)| {
                for e in pages {
                    p.apply(e);
                }
                p
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, apply, recording, apply_million);
criterion_main!(benches);
