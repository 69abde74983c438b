//! The workshop's stories (issue 9): every step of `workshop` and `bad-day` as the room sees it,
//! the caption bar, the narration so far, the end of the story, and going back a step giving
//! exactly that step's posture.

mod common;

use common::{check, render, story, text};
use vigil::catalog::Catalog;
use vigil::model::*;
use vigil::report;
use vigil::sources::Message;
use vigil::sources::demo::{DemoScript, Scenario};
use vigil::store::Posture;
use vigil::theme::Theme;

fn dark() -> Theme {
    Theme::load("dark", false).unwrap()
}

#[test]
fn every_step_of_every_built_in_story() {
    let theme = dark();
    for name in ["workshop", "bad-day"] {
        let steps = Scenario::built_in(name).unwrap().steps;
        for (k, step) in steps.iter().enumerate() {
            let (posture, view, now) = story(name, Some(k));
            assert_eq!(view.focus, step.pane, "{name} step {}: its pane has the focus", k + 1);
            for (w, h) in [(160, 48), (100, 30)] {
                let frame = render(&posture, &view, &theme, now, w, h);
                let shown = text(&frame);
                let head = format!("step {}/{} · {}", k + 1, steps.len(), step.title);
                assert!(shown.contains(&head), "{name} {w}x{h}: {head}\n{shown}");
                // The caption is whole: every word of it is on screen.
                let words: String = shown.split_whitespace().collect::<Vec<_>>().join(" ");
                assert!(
                    words.contains(&step.caption.split_whitespace().collect::<Vec<_>>().join(" ")),
                    "{name} {w}x{h} caption cut:\n{shown}"
                );
                check(&format!("story_{name}_{}_{w}x{h}", k + 1), &frame, &theme);
            }
        }
    }
}

#[test]
fn the_caption_bar_at_80x24_and_the_baseline() {
    let theme = dark();
    let (posture, view, now) = story("workshop", Some(0));
    let frame = render(&posture, &view, &theme, now, 80, 24);
    let shown = text(&frame);
    assert!(shown.contains("step 1/8 · A training job without VPC settings"), "{shown}");
    check("story_caption_80x24", &frame, &theme);
    let (posture, view, now) = story("workshop", None);
    let shown = text(&render(&posture, &view, &theme, now, 100, 30));
    assert!(shown.contains("step 0/8 · the baseline") && shown.contains("n plays the first step"), "{shown}");
}

#[test]
fn the_narration_so_far_and_the_end_of_the_story() {
    let theme = dark();
    let (posture, mut view, now) = story("workshop", Some(4));
    view.story.as_mut().unwrap().history = true;
    let frame = render(&posture, &view, &theme, now, 100, 30);
    let shown = text(&frame);
    for title in ["A training job without VPC settings", "The denials alarm fires", "Automatic remediation starts"] {
        assert!(shown.contains(title), "{title}:\n{shown}");
    }
    assert!(!shown.contains("The control turns green"), "not yet played");
    check("story_narration_100x30", &frame, &theme);

    let (posture, view, now) = story("workshop", Some(7));
    let frame = render(&posture, &view, &theme, now, 100, 30);
    let shown = text(&frame);
    assert!(shown.contains("the story is over") && shown.contains("Press R to play it again"), "{shown}");
    check("story_end_100x30", &frame, &theme);
}

/// The posture as the report sees it, at `now`.
fn posture_json(posture: &Posture, now: Timestamp) -> serde_json::Value {
    report::json(posture, &report::Subject { demo: true, ..Default::default() }, now)
}

#[test]
fn going_back_a_step_gives_exactly_that_steps_posture() {
    for name in ["workshop", "bad-day"] {
        let steps = Scenario::built_in(name).unwrap().steps.len();
        for k in 0..steps {
            // Played moment by moment up to step k, as the story runs by itself...
            let mut script = DemoScript::new(Scenario::built_in(name).unwrap(), common::t0());
            let mut live = Posture::new(Catalog::default_catalog());
            for (kind, interval) in DemoScript::feeds() {
                live.register_source(kind, interval);
            }
            let mut messages = script.opening();
            while script.played() <= k {
                messages.extend(script.next_moment().1);
            }
            for m in messages {
                if let Message::Event(e) = m {
                    live.apply(e);
                }
            }
            // ...and rebuilt from the baseline, as `p` does.
            let (rebuilt, _, now) = story(name, Some(k));
            assert_eq!(posture_json(&rebuilt, now), posture_json(&live, now), "{name} step {}", k + 1);
        }
    }
}

#[test]
fn bad_day_fails_in_every_pane() {
    let (posture, _, now) = story("bad-day", Some(4));
    let status = |id: &str| posture.control_status(posture.control_index(id).unwrap(), now).level();
    assert_eq!(status("PRV-09"), StatusLevel::Fail, "the guardrail test fails once the SCP is detached");
    assert_eq!(status("DET-01"), StatusLevel::Fail, "CloudTrail logging stopped");
    assert_eq!(status("COR-04"), StatusLevel::Fail, "the remediation FAILED with AccessDenied");
    let index = posture.control_index("DET-08").unwrap();
    assert!(posture.evidence(index).activity[Severity::High.index()] >= 2, "GuardDuty HIGH findings");
}

#[test]
fn a_pane_cut_by_the_caption_bar_says_which_rows_show() {
    let theme = dark();
    let (posture, view, now) = story("workshop", Some(0));
    let shown = text(&render(&posture, &view, &theme, now, 80, 24));
    assert!(shown.contains(" 1-8 of 10 "), "{shown}");
}
