//! Rendering a full 200x50 frame with 100,000 findings, 2,000 rule evaluations and 500 alarms
//! in the store, against the same frame with 1,000 and 10,000 findings: the cost must follow
//! what is visible, not what is stored.

#[path = "../tests/fixtures/mod.rs"]
mod fixtures;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use fixtures::{Fixtures, Synthetic};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use vigil::app::update;
use vigil::catalog::Catalog;
use vigil::keymap::{Action, Keymap};
use vigil::store::Posture;
use vigil::theme::Theme;
use vigil::ui::{self, Banner, RenderContext, View};

fn loaded(findings: usize) -> (Posture, Fixtures) {
    let mut fx = Fixtures::new();
    let mut posture = Posture::new(Catalog::default_catalog());
    for e in (Synthetic { findings, evaluations: 2_000, alarms: 500 }).events(&mut fx) {
        posture.apply(e);
    }
    (posture, fx)
}

fn frames(c: &mut Criterion) {
    let theme = Theme::load("dark", false).unwrap();
    let keymap = Keymap::default();
    let mut group = c.benchmark_group("render 200x50");
    for findings in [1_000, 10_000, 100_000] {
        let (posture, fx) = loaded(findings);
        let ctx = RenderContext { theme: &theme, keymap: &keymap, now: fx.at(10) };
        let mut view = View::new(Banner::Demo { title: "bench".into() });
        // PRV-01 holds thousands of failing notebooks and findings at 100k.
        let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
        group.bench_with_input(BenchmarkId::new("overview", findings), &findings, |b, _| {
            b.iter(|| terminal.draw(|f| ui::render(f, &posture, &view, &ctx)).unwrap().area)
        });
        update(&mut view, &posture, Action::Enter);
        update(&mut view, &posture, Action::PageDown);
        group.bench_with_input(BenchmarkId::new("control drill-down", findings), &findings, |b, _| {
            b.iter(|| terminal.draw(|f| ui::render(f, &posture, &view, &ctx)).unwrap().area)
        });
        // The last page of the control's list: the window is found without walking it all?
        update(&mut view, &posture, Action::Bottom);
        group.bench_with_input(BenchmarkId::new("control drill-down, last page", findings), &findings, |b, _| {
            b.iter(|| terminal.draw(|f| ui::render(f, &posture, &view, &ctx)).unwrap().area)
        });
    }
    group.finish();
}

criterion_group!(benches, frames);
criterion_main!(benches);
