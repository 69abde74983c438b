//! The `/` filter of the panes: typed live, kept with Enter, cleared with Esc, kept across
//! refreshes; `~` for a regular expression, `!` to invert.

mod common;

use common::{at, check, demo, demo_script, render, text};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use vigil::app::{update, update_key};
use vigil::keymap::Action;
use vigil::model::ControlKind;
use vigil::theme::Theme;
use vigil::ui::filter::visible_pane;
use vigil::ui::{Screen, View};

fn typed(view: &mut View, s: &str) {
    for c in s.chars() {
        update_key(view, &KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)).expect("typing takes the key");
    }
}

fn press(view: &mut View, code: KeyCode) {
    update_key(view, &KeyEvent::new(code, KeyModifiers::NONE)).expect("typing takes the key");
}

fn ids(posture: &vigil::store::Posture, view: &View, kind: ControlKind) -> Vec<String> {
    visible_pane(posture, view, kind).iter().map(|&i| posture.control(i).id.to_string()).collect()
}

#[test]
fn a_filter_narrows_the_focused_pane_as_it_is_typed() {
    let (posture, mut view) = demo(0);
    update(&mut view, &posture, Action::Corrective);
    update(&mut view, &posture, Action::Filter);
    typed(&mut view, "bucket");
    assert_eq!(ids(&posture, &view, ControlKind::Corrective), ["COR-01", "COR-02"]);
    assert_eq!(ids(&posture, &view, ControlKind::Preventive).len(), posture.pane(ControlKind::Preventive).len());
    press(&mut view, KeyCode::Enter);
    assert!(view.typing.is_none(), "Enter keeps the filter and closes the prompt");
    // Moving and Enter stay within what is shown.
    update(&mut view, &posture, Action::Bottom);
    assert_eq!(view.selected[2], 1);
    update(&mut view, &posture, Action::Enter);
    assert!(
        matches!(view.screen, Screen::Control { index, .. } if posture.control(index).id.as_ref() as &str == "COR-02")
    );
    update(&mut view, &posture, Action::Back);
    // Esc on the overview clears it.
    update(&mut view, &posture, Action::Back);
    assert!(view.filters[2].is_none());
    assert_eq!(ids(&posture, &view, ControlKind::Corrective).len(), posture.pane(ControlKind::Corrective).len());
}

#[test]
fn regular_expressions_inversion_and_a_half_typed_pattern() {
    let (posture, mut view) = demo(0);
    update(&mut view, &posture, Action::Filter);
    typed(&mut view, "~^prv-0[12] ");
    assert_eq!(ids(&posture, &view, ControlKind::Preventive), ["PRV-01", "PRV-02"]);
    press(&mut view, KeyCode::Esc);
    assert!(view.filters[0].is_none(), "Esc while typing clears it");
    update(&mut view, &posture, Action::Filter);
    typed(&mut view, "!notebook");
    assert!(ids(&posture, &view, ControlKind::Preventive).iter().all(|id| {
        let i = posture.control_index(id).unwrap();
        !posture.control(i).title.to_lowercase().contains("notebook")
    }));
    press(&mut view, KeyCode::Esc);
    update(&mut view, &posture, Action::Filter);
    typed(&mut view, "~(");
    assert!(view.message.as_deref().unwrap_or("").contains("not a regular expression"));
    assert_eq!(ids(&posture, &view, ControlKind::Preventive).len(), posture.pane(ControlKind::Preventive).len());
}

#[test]
fn a_filter_survives_refreshes_and_shows_in_the_pane_title() {
    let theme = Theme::load("dark", false).unwrap();
    let (_, posture, mut view) = demo_script(0);
    update(&mut view, &posture, Action::Corrective);
    update(&mut view, &posture, Action::Filter);
    typed(&mut view, "notebook");
    let typing = render(&posture, &view, &theme, at(5), 160, 48);
    assert!(text(&typing).contains("/notebook▏"), "the prompt shows what is typed");
    check("filter_typing_160x48", &typing, &theme);
    press(&mut view, KeyCode::Enter);
    // Later polls bring new data; the filter is the view's and stays.
    let (later, _) = demo(120);
    let frame = render(&later, &view, &theme, at(120), 160, 48);
    let screen = text(&frame);
    assert!(screen.contains("/notebook 2 of 6"), "{screen}");
    assert!(screen.contains("COR-04") && screen.contains("COR-05") && !screen.contains("COR-01"));
    check("filter_kept_160x48", &frame, &theme);
    check("filter_kept_80x24", &render(&later, &view, &theme, at(120), 80, 24), &theme);
}
