//! Finding what matters in a long list (issue 21): how long each failing resource has failed
//! (a control's lists, the report), `:sort count|age|id`, the overview's `/` searching every
//! failing resource and finding, and `/` in a control matching the severity and workflow words.

mod common;
mod fixtures;

use common::{at, check, demo, render, text};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fixtures::{FindingSpec, Fixtures};
use vigil::app::{run_command, update, update_key};
use vigil::catalog::Catalog;
use vigil::keymap::Action;
use vigil::model::*;
use vigil::sources::{Dataset, SourceKind};
use vigil::store::Posture;
use vigil::theme::Theme;
use vigil::ui::command_line::{Cmd, parse};
use vigil::ui::visible_pane;
use vigil::ui::{Banner, Screen, Sort, View};

const NB_RULE: &str = "sagemaker-notebook-no-direct-internet-access";
const NB_SOURCE: &str = "SAGEMAKER_NOTEBOOK_NO_DIRECT_INTERNET_ACCESS";
const NB_TYPE: &str = "AWS::SageMaker::NotebookInstance";

fn dark() -> Theme {
    Theme::load("dark", false).unwrap()
}

fn typed(view: &mut View, posture: &Posture, s: &str) {
    for c in s.chars() {
        press(view, posture, KeyCode::Char(c));
    }
}

fn press(view: &mut View, posture: &Posture, code: KeyCode) -> Vec<vigil::app::Command> {
    update_key(view, posture, &KeyEvent::new(code, KeyModifiers::NONE)).expect("typing takes the key")
}

fn command(view: &mut View, posture: &Posture, line: &str) {
    let cmd: Cmd = parse(line).unwrap();
    run_command(view, posture, cmd);
}

/// PRV-01 failing on notebooks that started failing at different times, some through two
/// items (an evaluation and a finding), with SageMaker.1 findings first observed at others.
fn notebooks() -> (Posture, Fixtures) {
    let mut fx = Fixtures::new();
    let mut p = Posture::new(Catalog::default_catalog());
    let rule = fx.rule(NB_RULE, NB_SOURCE, ConfigCompliance::NonCompliant, 0);
    // Name, and when Config recorded it NON_COMPLIANT (seconds from t0).
    let notebooks: [(&str, i64); 5] = [
        ("churn-nb", -7_200),
        ("fraud-nb", -300),
        ("legacy-nb", -3 * 86_400),
        ("research-nb", -45),
        ("vision-nb", -90_000),
    ];
    let evaluations = notebooks
        .iter()
        .map(|(name, recorded)| fx.evaluation(NB_RULE, NB_TYPE, name, ConfigCompliance::NonCompliant, *recorded))
        .collect();
    p.apply(fx.replace(SourceKind::Config, 0, Dataset { rules: vec![rule], evaluations, ..Default::default() }));
    let findings = [
        ("f-fraud", "fraud-nb", Severity::High, WorkflowStatus::New, Some(-86_400 * 2)),
        ("f-research", "research-nb", Severity::Critical, WorkflowStatus::Notified, Some(-600)),
        ("f-churn", "churn-nb", Severity::Medium, WorkflowStatus::New, None),
    ]
    .into_iter()
    .map(|(id, nb, severity, workflow, first_observed)| {
        let arn = format!("arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/{nb}");
        fx.finding(FindingSpec {
            id,
            control_id: Some("SageMaker.1"),
            title: "SageMaker notebook instances should not have direct internet access",
            severity,
            compliance: Some(FindingCompliance::Failed),
            workflow,
            resource: ("AwsSageMakerNotebookInstance", &arn),
            first_observed,
            ..Default::default()
        })
    })
    .collect();
    p.apply(fx.replace(SourceKind::SecurityHub, 30, Dataset { findings, ..Default::default() }));
    (p, fx)
}

/// The rows of a frame's detail box between a heading and the next.
fn section<'a>(screen: &'a str, heading: &str) -> Vec<&'a str> {
    let lines: Vec<&str> = screen.lines().collect();
    let start = lines.iter().position(|l| l.contains(heading)).unwrap_or_else(|| panic!("no {heading}:\n{screen}"));
    lines[start + 1..]
        .iter()
        .take_while(|l| !l.contains("Findings") && !l.contains('└'))
        .map(|l| l.trim_start_matches('│').trim_end_matches('│').trim_end())
        .collect()
}

#[test]
fn a_controls_lists_say_how_long_each_has_failed_and_sort_by_it() {
    let (posture, fx) = notebooks();
    let theme = dark();
    let now = fx.at(60);
    let mut view = View::new(Banner::Demo { title: "notebooks".into() });
    view.now = now;
    let index = posture.control_index("PRV-01").unwrap();
    view.screen = Screen::Control { index, cursor: 0 };
    let screen = text(&render(&posture, &view, &theme, now, 160, 48));
    // By type and id: each with how long it has failed (the finding saw fraud-nb two days ago).
    let rows = section(&screen, "Failing resources (5)");
    let ages: Vec<&str> = rows.iter().map(|r| r.split_whitespace().nth(1).unwrap()).collect();
    assert_eq!(ages, ["2h01m", "2d", "3d", "11m", "1d"], "{screen}");
    assert!(rows[0].starts_with("✘  2h01m  NotebookInstance"), "{screen}");

    command(&mut view, &posture, "sort age");
    assert_eq!(view.sort, Sort::Age);
    let frame = render(&posture, &view, &theme, now, 160, 48);
    let screen = text(&frame);
    assert!(screen.contains("Failing resources (5, longest failing first)"), "{screen}");
    assert!(screen.contains("Findings (3, oldest first)"), "{screen}");
    let rows = section(&screen, "Failing resources (5");
    let names: Vec<&str> =
        rows.iter().map(|r| r.rsplit('/').next().unwrap().split_whitespace().next().unwrap()).collect();
    assert_eq!(names, ["legacy-nb", "fraud-nb", "vision-nb", "churn-nb", "research-nb"], "{screen}");
    check("control_sorted_by_age_160x48", &frame, &theme);
    check("control_sorted_by_age_80x24", &render(&posture, &view, &theme, now, 80, 24), &theme);
    // The cursor starts on the first row listed, which Enter opens: the longest failing.
    update(&mut view, &posture, Action::Enter);
    assert!(matches!(&view.screen, Screen::Resource { id, .. } if id.short_name() == "legacy-nb"), "{:?}", view.screen);
    update(&mut view, &posture, Action::Back);

    // By count: the notebooks with two items first.
    command(&mut view, &posture, "sort count");
    let screen = text(&render(&posture, &view, &theme, now, 160, 48));
    let rows = section(&screen, "Failing resources (5, most items first)");
    assert!(rows[..3].iter().all(|r| r.contains("(2 items)")) && !rows[3].contains("items"), "{screen}");
    assert!(screen.contains("Findings (3)"), "findings stay most severe first: {screen}");
    command(&mut view, &posture, "sort id");
    let screen = text(&render(&posture, &view, &theme, now, 160, 48));
    assert!(screen.contains("Failing resources (5)"), "{screen}");
}

#[test]
fn sort_orders_the_panes_and_keeps_the_cursor_on_its_control() {
    // Five minutes into the workshop: several controls fail, for different lengths of time.
    let (posture, mut view) = demo(300);
    view.now = at(300);
    let ids = |view: &View| -> Vec<String> {
        visible_pane(&posture, view, ControlKind::Preventive)
            .iter()
            .map(|&i| posture.control(i).id.to_string())
            .collect()
    };
    let catalog_order = ids(&view);
    // The cursor on PRV-07.
    view.selected[0] = catalog_order.iter().position(|id| id == "PRV-07").unwrap();

    command(&mut view, &posture, "sort count");
    let by_count = ids(&view);
    let failing = |id: &str| {
        let i = posture.control_index(id).unwrap();
        posture.control_status(i, view.now).failing().map(|f| f.resources)
    };
    let counts: Vec<Option<u32>> = by_count.iter().map(|id| failing(id)).collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "most failing first: {by_count:?} {counts:?}");
    assert_eq!(by_count[view.selected[0]], "PRV-07", "the cursor stays on its control");
    assert!(view.message.as_deref().unwrap().contains("sorted by count"));

    command(&mut view, &posture, "sort age");
    let by_age = ids(&view);
    let since = |id: &str| posture.control_failing_since(posture.control_index(id).unwrap());
    let known: Vec<Timestamp> = by_age.iter().filter_map(|id| since(id)).collect();
    assert!(known.windows(2).all(|w| w[0] <= w[1]), "the longest failing first: {by_age:?}");
    let first_passing = by_age.iter().position(|id| since(id).is_none()).unwrap();
    assert!(by_age[first_passing..].iter().all(|id| since(id).is_none()), "what does not fail comes after");
    assert_eq!(by_age[view.selected[0]], "PRV-07");
    // The pane's title says the order.
    let screen = text(&render(&posture, &view, &dark(), at(300), 160, 48));
    assert!(screen.lines().nth(2).unwrap().contains(" by age "), "{screen}");

    command(&mut view, &posture, "sort id");
    assert_eq!(ids(&view), catalog_order);
    let screen = text(&render(&posture, &view, &dark(), at(300), 160, 48));
    assert!(!screen.lines().nth(2).unwrap().contains(" by "), "{screen}");
}

#[test]
fn the_overview_search_finds_failing_resources_and_findings_in_every_control() {
    let theme = dark();
    let (posture, mut view) = demo(0);
    view.now = at(0);
    update(&mut view, &posture, Action::Filter);
    typed(&mut view, &posture, "ml-scratch");
    assert!(visible_pane(&posture, &view, view.focus).is_empty(), "no control is named so");
    let frame = render(&posture, &view, &theme, at(5), 160, 48);
    let screen = text(&frame);
    assert!(screen.contains("/ml-scratch in every control: 1 failing resource"), "{screen}");
    assert!(screen.contains("Bucket                ml-scratch-exports  fails under PRV-07, COR-02"), "{screen}");
    assert!(screen.contains("Enter open "), "Enter opens the first match: {screen}");
    check("search_typing_160x48", &frame, &theme);
    check("search_typing_80x24", &render(&posture, &view, &theme, at(5), 80, 24), &theme);

    // Enter opens the match highlighted: the first, since the pane keeps no control.
    let commands = press(&mut view, &posture, KeyCode::Enter);
    assert!(matches!(&view.screen, Screen::Resource { id, .. } if id.short_name() == "ml-scratch-exports"));
    assert_eq!(commands.len(), 1, "its lookup");
    assert!(view.typing.is_none());
    // Back on the overview the search is kept, and its matches take the cursor.
    update(&mut view, &posture, Action::Back);
    assert_eq!(view.screen, Screen::Overview);
    assert_eq!(view.filters[0].as_ref().map(|f| f.text()), Some("ml-scratch"));
    let screen = text(&render(&posture, &view, &theme, at(5), 160, 48));
    assert!(screen.contains("fails under PRV-07, COR-02"), "{screen}");
    update(&mut view, &posture, Action::Down);
    assert_eq!(view.search_match, Some(1));
    update(&mut view, &posture, Action::Enter);
    assert!(matches!(&view.screen, Screen::Finding { .. }), "the second match is a finding: {:?}", view.screen);
    update(&mut view, &posture, Action::Back);
    // Esc clears the search.
    update(&mut view, &posture, Action::Back);
    assert!(view.filters[0].is_none());
}

#[test]
fn where_the_search_also_keeps_controls_enter_keeps_it_and_down_chooses_a_match() {
    let (posture, mut view) = demo(0);
    update(&mut view, &posture, Action::Corrective);
    update(&mut view, &posture, Action::Filter);
    typed(&mut view, &posture, "bucket");
    assert_eq!(visible_pane(&posture, &view, ControlKind::Corrective).len(), 2);
    let screen = text(&render(&posture, &view, &dark(), at(5), 160, 48));
    assert!(screen.contains("/bucket in every control: "), "{screen}");
    assert!(screen.contains("Enter keep "), "nothing is chosen yet: {screen}");
    // ↓ chooses the first match, ↑ goes back to the prompt.
    press(&mut view, &posture, KeyCode::Down);
    assert_eq!(view.search_match, Some(0));
    press(&mut view, &posture, KeyCode::Up);
    assert_eq!(view.search_match, None);
    press(&mut view, &posture, KeyCode::Down);
    press(&mut view, &posture, KeyCode::Enter);
    assert!(matches!(&view.screen, Screen::Resource { id, .. } if id.short_name() == "ml-scratch-exports"));
    update(&mut view, &posture, Action::Back);
    // The filter was kept: the pane's controls, and Enter opens the selected one again.
    assert_eq!(view.search_match, None);
    update(&mut view, &posture, Action::Enter);
    assert!(matches!(view.screen, Screen::Control { .. }), "{:?}", view.screen);

    // A search for what does not match (`!`) narrows the pane only.
    let (posture, mut view) = demo(0);
    update(&mut view, &posture, Action::Filter);
    typed(&mut view, &posture, "!notebook");
    assert!(vigil::ui::search::shown(&view, &posture).is_none());
}

#[test]
fn a_controls_filter_matches_the_severity_and_workflow_its_rows_show() {
    let (posture, fx) = notebooks();
    let mut view = View::new(Banner::Demo { title: "notebooks".into() });
    let index = posture.control_index("PRV-01").unwrap();
    view.screen = Screen::Control { index, cursor: 0 };
    update(&mut view, &posture, Action::Filter);
    typed(&mut view, &posture, "notified");
    press(&mut view, &posture, KeyCode::Enter);
    let screen = text(&render(&posture, &view, &dark(), fx.at(60), 160, 48));
    assert!(screen.contains("Findings (1 of 3)"), "{screen}");
    assert!(screen.contains("CRITICAL      NOTIFIED"), "{screen}");
    update(&mut view, &posture, Action::Back);
    update(&mut view, &posture, Action::Filter);
    typed(&mut view, &posture, "~^medium ");
    let screen = text(&render(&posture, &view, &dark(), fx.at(60), 160, 48));
    assert!(screen.contains("Findings (1 of 3)") && screen.contains("MEDIUM"), "{screen}");
}

#[test]
fn the_report_says_since_when_each_resource_fails() {
    let (posture, fx) = notebooks();
    let report = vigil::report::json(&posture, &Default::default(), fx.at(60));
    let prv = report["controls"].as_array().unwrap().iter().find(|c| c["id"] == "PRV-01").unwrap();
    let since: Vec<(&str, &str)> = prv["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap().rsplit('/').next().unwrap(), r["failing_since"].as_str().unwrap()))
        .collect();
    assert_eq!(
        since,
        [
            ("churn-nb", "2026-11-26T10:00:00Z"),
            ("fraud-nb", "2026-11-24T12:00:00Z"),
            ("legacy-nb", "2026-11-23T12:00:00Z"),
            ("research-nb", "2026-11-26T11:50:00Z"),
            ("vision-nb", "2026-11-25T11:00:00Z"),
        ]
    );
    let v1 = vigil::report::version_1(report);
    let prv = v1["controls"].as_array().unwrap().iter().find(|c| c["id"] == "PRV-01").unwrap();
    assert!(prv["resources"][0].get("failing_since").is_none(), "schema 1 has no failing_since");
}
