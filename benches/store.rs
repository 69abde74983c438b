//! Applying finding events to the store: 100,000 findings as one batch and as 1,000 pages of
//! 100 (how GetFindings delivers them); and re-applying an unchanged full set.

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

criterion_group!(benches, apply);
criterion_main!(benches);
