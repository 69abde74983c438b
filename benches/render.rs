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

/// A resource whose lookup answered the most it can hold: 1,000 findings (ten pages of
/// GetFindings), 300 rule evaluations, 10 configuration items, 50 remediation executions. The
/// view is rebuilt for every frame and every cursor move.
fn resource_view(c: &mut Criterion) {
    use vigil::model::*;
    let theme = Theme::load("dark", false).unwrap();
    let keymap = Keymap::default();
    let (mut posture, fx) = loaded(100_000);
    let finding = posture.findings().next().unwrap().clone();
    let id = finding.resources[0].clone();
    let subject = Subject::Resource(id.clone());
    let now = fx.at(10);
    posture.begin_lookup(&subject, &Section::RESOURCE, now);
    let detail = |i: usize| FindingDetail {
        finding: Finding { id: format!("{}-{i}", finding.id).into(), ..finding.clone() },
        product_arn: "arn:aws:securityhub:us-east-1::product/aws/securityhub".into(),
        product_name: Some("Security Hub".into()),
        description: "d".into(),
        types: Vec::new(),
        first_observed: None,
        last_observed: None,
        note: None,
        remediation_text: Some("Turn off direct internet access and put the notebook in a VPC.".into()),
        remediation_url: None,
    };
    let answers = [
        (Section::Findings, SectionData::Findings((0..1_000).map(detail).collect())),
        (
            Section::Evaluations,
            SectionData::Evaluations(
                (0..300)
                    .map(|i| RuleEvaluation {
                        rule: format!("rule-{i}").into(),
                        compliance: if i % 7 == 0 {
                            ConfigCompliance::NonCompliant
                        } else {
                            ConfigCompliance::Compliant
                        },
                        annotation: None,
                        recorded_at: now,
                    })
                    .collect(),
            ),
        ),
        (
            Section::Timeline,
            SectionData::Timeline(Timeline::Items(
                (0..10)
                    .map(|_| ConfigItem {
                        captured_at: now,
                        status: "OK".into(),
                        changed: vec!["configuration.a".into()],
                    })
                    .collect(),
            )),
        ),
        (
            Section::Remediation,
            SectionData::Remediation(
                (0..50)
                    .map(|i| ExecutionHistory {
                        rule: format!("rule-{i}").into(),
                        state: ExecutionState::Failed,
                        invoked_at: Some(now),
                        updated_at: Some(now),
                        steps: Vec::new(),
                    })
                    .collect(),
            ),
        ),
    ];
    for (section, data) in answers {
        posture.answer(Answer::Section { subject: subject.clone(), section, at: now, result: Ok(data) });
    }
    let ctx = RenderContext { theme: &theme, keymap: &keymap, now };
    let mut view = View::new(Banner::Demo { title: "bench".into() });
    view.screen = ui::Screen::Resource { id, cursor: 0 };
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    let mut group = c.benchmark_group("resource view 200x50");
    group.bench_function("frame, 1,000 findings looked up", |b| {
        b.iter(|| terminal.draw(|f| ui::render(f, &posture, &view, &ctx)).unwrap().area)
    });
    group.bench_function("cursor move", |b| b.iter(|| update(&mut view, &posture, Action::Down)));
    group.finish();
}

/// A 400x100 frame (a large terminal) with 1,000,000 findings stored.
fn million(c: &mut Criterion) {
    let theme = Theme::load("dark", false).unwrap();
    let keymap = Keymap::default();
    let (posture, fx) = loaded(1_000_000);
    let ctx = RenderContext { theme: &theme, keymap: &keymap, now: fx.at(10) };
    let mut view = View::new(Banner::Demo { title: "bench".into() });
    let mut terminal = Terminal::new(TestBackend::new(400, 100)).unwrap();
    let mut group = c.benchmark_group("render 400x100, 1M findings");
    group.bench_function("overview", |b| {
        b.iter(|| terminal.draw(|f| ui::render(f, &posture, &view, &ctx)).unwrap().area)
    });
    update(&mut view, &posture, Action::Enter);
    update(&mut view, &posture, Action::PageDown);
    group.bench_function("control drill-down", |b| {
        b.iter(|| terminal.draw(|f| ui::render(f, &posture, &view, &ctx)).unwrap().area)
    });
    group.finish();
}

criterion_group!(benches, frames, resource_view, million);
criterion_main!(benches);
