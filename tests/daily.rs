//! Daily use (issue 10): the command line with completions and history, `:status` and
//! `:severity`, `:sources`, the charts, the first load's gauge, the score's sparkline, the
//! overview at 120 to 240 columns with whole titles, and every source failed.

mod common;

use common::{at, check, demo, render, t0, text};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use vigil::app::{Command, update, update_key};
use vigil::keymap::Action;
use vigil::model::*;
use vigil::report::Format;
use vigil::sources::{Payload, SourceError, SourceEvent, SourceKind};
use vigil::store::Posture;
use vigil::theme::Theme;
use vigil::ui::{Screen, View};

fn dark() -> Theme {
    Theme::load("dark", false).unwrap()
}

fn key(view: &mut View, posture: &Posture, code: KeyCode) -> Vec<Command> {
    let event = KeyEvent::new(code, KeyModifiers::NONE);
    update_key(view, posture, &event).unwrap_or_else(|| panic!("{code:?} was not taken"))
}

/// Opens the command line and types `line` (without Enter).
fn type_command(view: &mut View, posture: &Posture, line: &str) {
    update(view, posture, Action::Command);
    for c in line.chars() {
        key(view, posture, KeyCode::Char(c));
    }
}

/// Types a whole command line and runs it.
fn run(view: &mut View, posture: &Posture, line: &str) -> Vec<Command> {
    type_command(view, posture, line);
    key(view, posture, KeyCode::Enter)
}

#[test]
fn the_command_line_completes_and_shows_what_it_offers() {
    let theme = dark();
    let (posture, mut view) = demo(0);
    type_command(&mut view, &posture, "th");
    key(&mut view, &posture, KeyCode::Tab);
    assert_eq!(view.command.as_ref().unwrap().text(), "theme ");
    key(&mut view, &posture, KeyCode::Tab);
    key(&mut view, &posture, KeyCode::Tab);
    assert_eq!(view.command.as_ref().unwrap().text(), "theme light");
    for (w, h) in [(160, 48), (80, 24)] {
        let frame = render(&posture, &view, &theme, t0(), w, h);
        let shown = text(&frame);
        let lines: Vec<&str> = shown.lines().collect();
        assert!(lines[h as usize - 1].starts_with(" :theme light▏"), "{shown}");
        assert!(lines[h as usize - 2].contains(" theme dark   theme light   theme high-contrast "), "{shown}");
        check(&format!("command_line_{w}x{h}"), &frame, &theme);
    }
    assert_eq!(key(&mut view, &posture, KeyCode::Enter), vec![Command::SetTheme("light".into())]);
    assert!(view.command.is_none());
}

#[test]
fn commands_change_the_view_and_unknown_ones_say_so() {
    let (posture, mut view) = demo(40);
    assert!(run(&mut view, &posture, "pane det").is_empty());
    assert_eq!(view.focus, ControlKind::Detective);
    assert!(run(&mut view, &posture, "frobnicate").is_empty());
    assert_eq!(view.message.as_deref(), Some("unknown command :frobnicate (Tab lists them, :help explains)"));
    assert_eq!(
        run(&mut view, &posture, "export csv out.csv"),
        vec![Command::Export { format: Format::Csv, path: Some("out.csv".into()) }]
    );
    assert_eq!(run(&mut view, &posture, "freeze"), vec![Command::ToggleFreeze]);
    assert_eq!(run(&mut view, &posture, "refresh"), vec![Command::Refresh]);
    assert_eq!(run(&mut view, &posture, "q"), vec![Command::Quit]);
    // The history holds every line entered, Up brings them back newest first.
    update(&mut view, &posture, Action::Command);
    key(&mut view, &posture, KeyCode::Up);
    assert_eq!(view.command.as_ref().unwrap().text(), "q");
    key(&mut view, &posture, KeyCode::Up);
    assert_eq!(view.command.as_ref().unwrap().text(), "refresh");
    key(&mut view, &posture, KeyCode::Esc);
    assert!(view.command.is_none());
    assert_eq!(view.history.len(), 6);
}

#[test]
fn status_keeps_the_controls_at_or_past_it() {
    let theme = dark();
    let (posture, mut view) = demo(40);
    view.now = at(40);
    run(&mut view, &posture, "status fail");
    let frame = render(&posture, &view, &theme, at(40), 160, 48);
    let shown = text(&frame);
    assert!(shown.contains("≥FAIL 4 of 10"), "{shown}");
    assert!(shown.contains("PRV-02") && !shown.contains("PRV-04"), "{shown}");
    check("status_fail_160x48", &frame, &theme);
    run(&mut view, &posture, "status all");
    assert!(text(&render(&posture, &view, &theme, at(40), 160, 48)).contains("PRV-04"));
}

#[test]
fn severity_hides_the_findings_below_it() {
    let theme = dark();
    let (posture, mut view) = demo(40);
    let index = posture.control_index("DET-08").unwrap();
    let all = vigil::ui::detail::ControlDetail::new(&posture, index, 100).len();
    run(&mut view, &posture, "severity critical");
    view.focus = ControlKind::Detective;
    view.selected[1] = posture.pane(ControlKind::Detective).iter().position(|&i| i == index).unwrap();
    update(&mut view, &posture, Action::Enter);
    let frame = render(&posture, &view, &theme, at(40), 160, 48);
    let shown = text(&frame);
    assert!(shown.contains("Findings (1 of 2, CRITICAL and above)"), "{shown}");
    run(&mut view, &posture, "severity all");
    let frame = render(&posture, &view, &theme, at(40), 160, 48);
    assert!(text(&frame).contains("Findings (2)"), "{}", text(&frame));
    let narrow = vigil::ui::detail::Narrow { min_severity: Some(Severity::Critical), ..Default::default() };
    assert_eq!(vigil::ui::detail::ControlDetail::filtered(&posture, index, 100, at(40), narrow).len(), all - 1);
}

#[test]
fn detective_details_chart_findings_by_severity_and_workflow() {
    let theme = dark();
    let (posture, mut view) = demo(40);
    let index = posture.control_index("DET-08").unwrap();
    view.focus = ControlKind::Detective;
    view.selected[1] = posture.pane(ControlKind::Detective).iter().position(|&i| i == index).unwrap();
    let frame = render(&posture, &view, &theme, at(40), 160, 48);
    let shown = text(&frame);
    // The charts count the list's findings, and say how many.
    let listed = posture.evidence(index).findings.len();
    assert!(shown.contains(&format!("Findings listed ({listed}) by severity")), "{shown}");
    assert!(shown.contains(&format!("Findings listed ({listed}) by workflow")), "{shown}");
    for label in ["CRIT", "HIGH", "MEDIUM", "LOW", "INFO", "NEW", "NOTIF", "RESOLV", "SUPPR"] {
        assert!(shown.contains(label), "{label} missing:\n{shown}");
    }
    check("charts_findings_160x48", &frame, &theme);
}

#[test]
fn a_metric_is_charted_with_its_alarm_threshold() {
    let theme = dark();
    let (posture, mut view) = demo(40);
    let index = posture.control_index("DET-03").unwrap();
    view.focus = ControlKind::Detective;
    view.selected[1] = posture.pane(ControlKind::Detective).iter().position(|&i| i == index).unwrap();
    let frame = render(&posture, &view, &theme, at(40), 160, 48);
    let shown = text(&frame);
    assert!(shown.contains("LogMetrics/SageMakerGuardrailDenials threshold 1"), "{shown}");
    // The threshold's line is drawn in the fail colour while its alarm fires.
    let fail = theme.style(vigil::theme::Token::Fail).fg;
    let area = frame.area;
    let threshold_cells = (0..area.height)
        .flat_map(|y| (0..area.width).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let braille = frame[(x, y)].symbol().chars().next().is_some_and(|c| ('\u{2801}'..='\u{28ff}').contains(&c));
            braille && frame[(x, y)].fg == fail.unwrap()
        })
        .count();
    assert!(threshold_cells > 40, "the threshold line is drawn in the fail colour ({threshold_cells} cells)");
}

#[test]
fn sources_shows_every_error_in_full() {
    let theme = dark();
    let (mut posture, mut view) = demo(60);
    let long = "AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/ReadOnly/session is not authorized to perform: securityhub:GetFindings on resource: arn:aws:securityhub:us-east-1:123456789012:hub/default with an explicit deny in a service control policy";
    posture.apply(SourceEvent {
        source: SourceKind::SecurityHub,
        fetched_at: at(61),
        result: Ok(Payload::Retrying { attempt: 1, error: SourceError::Throttled { operation: "GetFindings".into() } }),
    });
    posture.apply(SourceEvent {
        source: SourceKind::SecurityHub,
        fetched_at: at(62),
        result: Err(SourceError::Failed { message: long.into() }),
    });
    run(&mut view, &posture, "sources");
    assert_eq!(view.screen, Screen::Sources { scroll: 0 });
    let frame = render(&posture, &view, &theme, at(75), 100, 30);
    let shown: String =
        text(&frame).lines().map(|l| l.trim_matches(|c| c == '│' || c == ' ')).collect::<Vec<_>>().join(" ");
    assert!(shown.contains("explicit deny in a service control policy"), "the whole error: {shown}");
    assert!(shown.contains("1 error · 1 retry · 1 throttled"), "{shown}");
    check("sources_100x30", &frame, &theme);
    update(&mut view, &posture, Action::Back);
    assert_eq!(view.screen, Screen::Overview);
}

#[test]
fn every_source_failed_says_why_instead_of_waiting() {
    let theme = dark();
    let mut posture = Posture::new(vigil::catalog::Catalog::default_catalog());
    let view = View::new(vigil::ui::Banner::Live { profile: None, region: "us-east-1".into(), account: None });
    let expired = SourceError::ExpiredCredentials { fix: "run `aws sso login --profile ml`".into() };
    for kind in [SourceKind::Config, SourceKind::SecurityHub, SourceKind::CloudWatch] {
        posture.register_source(kind, kind.default_interval());
        posture.apply(SourceEvent { source: kind, fetched_at: t0(), result: Err(expired.clone()) });
    }
    let frame = render(&posture, &view, &theme, at(5), 100, 30);
    let shown = text(&frame);
    assert!(shown.contains("No data: every source failed") && !shown.contains("Waiting for data"), "{shown}");
    assert!(shown.contains("cloudwatch: credentials expired: run `aws sso login --profile ml`"), "{shown}");
    check("all_failed_100x30", &frame, &theme);
}

#[test]
fn a_slow_first_load_shows_its_progress() {
    let theme = dark();
    let mut posture = Posture::new(vigil::catalog::Catalog::default_catalog());
    let view = View::new(vigil::ui::Banner::Live { profile: None, region: "us-east-1".into(), account: None });
    for kind in [SourceKind::Config, SourceKind::SecurityHub, SourceKind::CloudWatch] {
        posture.register_source(kind, kind.default_interval());
    }
    posture.apply(SourceEvent {
        source: SourceKind::Config,
        fetched_at: t0(),
        result: Ok(Payload::Replace(Default::default())),
    });
    for (i, (pages, items)) in [(10u32, 1000u64), (34, 3400)].into_iter().enumerate() {
        posture.apply(SourceEvent {
            source: SourceKind::SecurityHub,
            fetched_at: at(i as i64 * 10),
            result: Ok(Payload::Progress { pages, items, rate: Some(3.0) }),
        });
    }
    let early = text(&render(&posture, &view, &theme, at(2), 160, 48));
    assert!(!early.contains("loading 1/3"), "no gauge in the first three seconds: {early}");
    let frame = render(&posture, &view, &theme, at(10), 160, 48);
    let shown = text(&frame);
    assert!(shown.contains("loading 1/3"), "the gauge: {shown}");
    assert!(shown.contains("loading 3,400 findings · 34 calls · 3.4/s"), "{shown}");
    check("first_load_gauge_160x48", &frame, &theme);
}

#[test]
fn the_score_over_the_session_is_a_sparkline() {
    let theme = dark();
    let (posture, view) = demo(75);
    assert!(posture.score_history().len() >= 2, "{:?}", posture.score_history());
    let top = text(&render(&posture, &view, &theme, at(75), 160, 48)).lines().next().unwrap().to_string();
    let bars: String = posture
        .score_history()
        .iter()
        .map(|(_, s)| ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'][(*s as usize * 7).div_ceil(100)])
        .collect();
    assert!(top.contains(&bars), "{bars} in {top}");
}

#[test]
fn wide_screens_show_every_title_whole() {
    let theme = dark();
    let (posture, view) = demo(40);
    for (w, h) in [(120, 40), (160, 48), (200, 50), (240, 60)] {
        let frame = render(&posture, &view, &theme, at(40), w, h);
        let shown = text(&frame);
        // A title wraps inside its cell: read the pane's lines joined.
        let joined: String = shown.split_whitespace().collect::<Vec<_>>().join(" ").replace("│", " ");
        let joined: String = joined.split_whitespace().collect::<Vec<_>>().join(" ");
        for i in 0..posture.catalog().controls.len() {
            let title = &posture.control(i).title;
            let words: Vec<&str> = title.split_whitespace().collect();
            assert!(
                words.iter().all(|word| joined.contains(word)) && !shown.contains(&format!("{}…", &words[0])),
                "{w}x{h}: {title:?} is not whole:\n{shown}"
            );
        }
        check(&format!("overview_{w}x{h}"), &frame, &theme);
    }
}

#[test]
fn e_writes_the_view_with_every_row() {
    let (posture, mut view) = demo(40);
    let theme = dark();
    let keymap = vigil::keymap::Keymap::default();
    let ctx = vigil::ui::RenderContext { theme: &theme, keymap: &keymap, now: at(40) };
    assert_eq!(update(&mut view, &posture, Action::Export), vec![Command::ExportView]);
    let exported = vigil::ui::export::view_text(&posture, &view, &ctx);
    for i in 0..posture.catalog().controls.len() {
        assert!(exported.contains(&posture.control(i).id.to_string()), "{exported}");
    }
    assert!(!exported.contains("j/k move"), "no key hints in an export");
}
