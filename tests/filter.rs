//! The `/` filter of the panes: typed live, kept with Enter, cleared with Esc, kept across
//! refreshes; `~` for a regular expression, `!` to invert.

mod common;

use common::{at, check, demo, demo_script, render, text};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use vigil::app::{update, update_key};
use vigil::keymap::Action;
use vigil::model::ControlKind;
use vigil::theme::Theme;
use vigil::ui::visible_pane;
use vigil::ui::{Screen, View};

fn typed(view: &mut View, posture: &vigil::store::Posture, s: &str) {
    for c in s.chars() {
        update_key(view, posture, &KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)).expect("typing takes the key");
    }
}

fn press(view: &mut View, posture: &vigil::store::Posture, code: KeyCode) {
    update_key(view, posture, &KeyEvent::new(code, KeyModifiers::NONE)).expect("typing takes the key");
}

fn ids(posture: &vigil::store::Posture, view: &View, kind: ControlKind) -> Vec<String> {
    visible_pane(posture, view, kind).iter().map(|&i| posture.control(i).id.to_string()).collect()
}

#[test]
fn a_filter_narrows_the_focused_pane_as_it_is_typed() {
    let (posture, mut view) = demo(0);
    update(&mut view, &posture, Action::Corrective);
    update(&mut view, &posture, Action::Filter);
    typed(&mut view, &posture, "bucket");
    assert_eq!(ids(&posture, &view, ControlKind::Corrective), ["COR-01", "COR-02"]);
    assert_eq!(ids(&posture, &view, ControlKind::Preventive).len(), posture.pane(ControlKind::Preventive).len());
    press(&mut view, &posture, KeyCode::Enter);
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
    typed(&mut view, &posture, "~^prv-0[12] ");
    assert_eq!(ids(&posture, &view, ControlKind::Preventive), ["PRV-01", "PRV-02"]);
    press(&mut view, &posture, KeyCode::Esc);
    assert!(view.filters[0].is_none(), "Esc while typing clears it");
    update(&mut view, &posture, Action::Filter);
    typed(&mut view, &posture, "!notebook");
    assert!(ids(&posture, &view, ControlKind::Preventive).iter().all(|id| {
        let i = posture.control_index(id).unwrap();
        !posture.control(i).title.to_lowercase().contains("notebook")
    }));
    press(&mut view, &posture, KeyCode::Esc);
    update(&mut view, &posture, Action::Filter);
    typed(&mut view, &posture, "~(");
    assert!(view.message.as_deref().unwrap_or("").contains("not a regular expression"));
    assert_eq!(ids(&posture, &view, ControlKind::Preventive).len(), posture.pane(ControlKind::Preventive).len());
}

#[test]
fn a_filter_survives_refreshes_and_shows_in_the_pane_title() {
    let theme = Theme::load("dark", false).unwrap();
    let (_, posture, mut view) = demo_script(0);
    update(&mut view, &posture, Action::Corrective);
    update(&mut view, &posture, Action::Filter);
    typed(&mut view, &posture, "notebook");
    let typing = render(&posture, &view, &theme, at(5), 160, 48);
    assert!(text(&typing).contains("/notebook▏"), "the prompt shows what is typed");
    check("filter_typing_160x48", &typing, &theme);
    press(&mut view, &posture, KeyCode::Enter);
    // Later polls bring new data; the filter is the view's and stays.
    let (later, _) = demo(120);
    let frame = render(&later, &view, &theme, at(120), 160, 48);
    let screen = text(&frame);
    assert!(screen.contains("/notebook 2 of 6"), "{screen}");
    assert!(screen.contains("COR-04") && screen.contains("COR-05") && !screen.contains("COR-01"));
    check("filter_kept_160x48", &frame, &theme);
    check("filter_kept_80x24", &render(&later, &view, &theme, at(120), 80, 24), &theme);
}

#[test]
fn a_controls_failing_resources_and_findings_filter_too() {
    let (posture, mut view) = demo(0);
    // PRV-03 fails on the legacy notebook (and its findings name it).
    let index = posture.control_index("PRV-03").unwrap();
    view.screen = Screen::Control { index, cursor: 0 };
    let all = vigil::ui::detail::ControlDetail::new(&posture, index, 100).len();
    update(&mut view, &posture, Action::Filter);
    typed(&mut view, &posture, "zzz-nothing");
    let narrow = vigil::ui::detail::Narrow { filter: view.detail_filter.as_ref(), ..Default::default() };
    let none = vigil::ui::detail::ControlDetail::filtered(&posture, index, 100, at(0), narrow);
    assert!(none.len() < all, "the lists keep nothing");
    press(&mut view, &posture, KeyCode::Esc);
    assert!(view.detail_filter.is_none());
    update(&mut view, &posture, Action::Filter);
    typed(&mut view, &posture, "legacy");
    press(&mut view, &posture, KeyCode::Enter);
    let theme = Theme::load("dark", false).unwrap();
    let frame = render(&posture, &view, &theme, at(5), 120, 30);
    let screen = text(&frame);
    assert!(screen.contains("Failing resources (1 of "), "{screen}");
    // The cursor is on the first row kept: Enter opens the legacy notebook.
    update(&mut view, &posture, Action::Enter);
    assert!(
        matches!(&view.screen, Screen::Resource { id, .. } if id.short_name() == "legacy-analysis-nb"),
        "{:?}",
        view.screen
    );
    update(&mut view, &posture, Action::Back);
    // Esc clears the filter first, then leaves.
    update(&mut view, &posture, Action::Back);
    assert!(view.detail_filter.is_none() && matches!(view.screen, Screen::Control { .. }));
}
