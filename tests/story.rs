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
            let control = step.control.as_deref().expect("every built-in step names its control");
            for (w, h) in [(160, 48), (100, 30), (80, 24)] {
                let frame = render(&posture, &view, &theme, now, w, h);
                let shown = text(&frame);
                // The detail under the caption is the control the step narrates.
                assert!(shown.contains(&format!("┌ {control} ")), "{name} step {} {w}x{h}: {control}\n{shown}", k + 1);
                if (w, h) == (80, 24) {
                    continue;
                }
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
fn the_alarm_step_draws_its_chart_on_a_projector_and_at_80x24() {
    let theme = dark();
    let (posture, view, now) = story("workshop", Some(1));
    for (w, h) in [(100, 30), (80, 24)] {
        let frame = render(&posture, &view, &theme, now, w, h);
        let shown = text(&frame);
        assert!(shown.contains("┌ DET-03 "), "{w}x{h}:\n{shown}");
        // The chart of the denials metric, with the alarm's threshold, beside the detail.
        assert!(shown.contains("SageMakerGuardrailDenia"), "{w}x{h}:\n{shown}");
        assert!(shown.contains("≥ 1 "), "the threshold is named: {w}x{h}:\n{shown}");
        check(&format!("story_alarm_{w}x{h}"), &frame, &theme);
    }
}

#[test]
fn the_narration_scrolls_back_to_the_first_step_at_80x24() {
    use vigil::keymap::Action;
    let theme = dark();
    let (posture, mut view, now) = story("workshop", Some(7));
    vigil::app::update(&mut view, &posture, Action::Narration);
    let shown = text(&render(&posture, &view, &theme, now, 80, 24));
    assert!(shown.contains("All quiet again"), "the latest step shows first:\n{shown}");
    assert!(shown.contains("more above"), "a mark says there is more above:\n{shown}");
    assert!(!shown.contains("A training job without VPC settings  ("), "{shown}");
    vigil::app::update(&mut view, &posture, Action::Top);
    let frame = render(&posture, &view, &theme, now, 80, 24);
    let shown = text(&frame);
    assert!(shown.contains("1/8 00:10 A training job without VPC settings"), "the first step:\n{shown}");
    assert!(shown.contains("The denials alarm fires"), "{shown}");
    assert!(shown.contains("more below") && !shown.contains("more above"), "{shown}");
    check("story_narration_top_80x24", &frame, &theme);
    // Moving down comes back to the latest; Esc closes it.
    vigil::app::update(&mut view, &posture, Action::Bottom);
    assert!(text(&render(&posture, &view, &theme, now, 80, 24)).contains("All quiet again"));
    vigil::app::update(&mut view, &posture, Action::Back);
    assert!(!view.story.as_ref().unwrap().history);
}

#[test]
fn the_last_caption_says_its_line_once() {
    for name in ["workshop", "bad-day"] {
        let steps = Scenario::built_in(name).unwrap().steps.len();
        let (posture, view, now) = story(name, Some(steps - 1));
        let shown = text(&render(&posture, &view, &dark(), now, 160, 48));
        assert_eq!(shown.matches("play it again").count(), 1, "{name}:\n{shown}");
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
    assert!(shown.contains(" 6-10 of 10 "), "{shown}");
}

/// The workshop's story recorded as `vigil watch --record` would have recorded it (through the
/// recorder, to a file), and read back.
fn recorded_workshop(dir: &std::path::Path) -> std::sync::Arc<vigil::recording::Recording> {
    use vigil::recording::{Header, Recorder, Recording, Subject};
    let mut script = DemoScript::new(Scenario::workshop(), common::t0());
    let subject = Subject { account: None, region: Some("us-east-1".into()), profile: Some("workshop".into()) };
    let header = Header::new(common::t0(), subject, &DemoScript::feeds(), &Catalog::default_catalog());
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("workshop.jsonl");
    let recorder = Recorder::create(&path, header, false).unwrap();
    recorder.record(common::t0(), &Message::Account("123456789012".into()));
    let mut moments = vec![(0, script.opening())];
    while moments.last().unwrap().0 < 300 {
        moments.push(script.next_moment());
    }
    for (at, messages) in moments {
        for m in &messages {
            recorder.record(common::t0() + jiff::SignedDuration::from_secs(at as i64), m);
        }
    }
    recorder.finish().unwrap();
    std::sync::Arc::new(Recording::load(&path).unwrap())
}

#[test]
fn a_paused_replay_between_polls() {
    use vigil::sources::playback::Script;
    use vigil::sources::replay::ReplayScript;
    use vigil::ui::{Banner, Story, View};
    let dir = std::env::temp_dir().join(format!("vigil-story-replay-{}", std::process::id()));
    let recording = recorded_workshop(&dir);
    let mut script = ReplayScript::new(recording.clone());
    let total = script.step_count();
    assert!(total >= 10, "the opening, the story's steps and the polls between: {total}");
    let mut posture = Posture::new(recording.catalog().unwrap());
    for f in &recording.header.feeds {
        posture.register_source(f.source, f.interval());
    }
    let mut view = View::new(Banner::Replay {
        file: "workshop.jsonl".into(),
        profile: Some("workshop".into()),
        region: Some("us-east-1".into()),
        account: None,
    });
    view.story = Some(Story::replay(total));
    // The presenter has pressed `n` until the notebook's findings came in, and paused.
    let step = script.steps().position(|s| s.caption.contains("securityhub: changed 1 finding")).unwrap();
    let (messages, at) = script.play_through(step);
    for m in messages {
        match m {
            Message::Event(e) => posture.apply(e),
            Message::Step(s) => view.take_step(s),
            Message::Account(id) => {
                if let Banner::Replay { account, .. } = &mut view.banner {
                    *account = Some(id);
                }
            }
            Message::Reset | Message::Answer(_) => {}
        }
    }
    if let Some(story) = &mut view.story {
        story.paused = true;
    }
    let now = recording.header.started_at + jiff::SignedDuration::from_secs_f64(at);
    let theme = dark();
    for (w, h) in [(160, 48), (100, 30)] {
        let frame = render(&posture, &view, &theme, now, w, h);
        let shown = text(&frame);
        assert!(shown.contains(&format!("poll {}/{total}", step + 1)), "{shown}");
        assert!(shown.contains("REPLAY") && shown.contains("⏸ paused"), "{shown}");
        check(&format!("replay_paused_{w}x{h}"), &frame, &theme);
    }
    // The report of the same moment is what the replayed store holds.
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs vigil with `args`; its exit code and what it said.
fn vigil(args: &[&str]) -> (Option<i32>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(args)
        .arg("--log-file")
        .arg(std::env::temp_dir().join("vigil-story-cli.log"))
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_newer_or_damaged_recording_is_refused_before_anything_plays() {
    let dir = std::env::temp_dir().join(format!("vigil-story-refused-{}", std::process::id()));
    let recording = recorded_workshop(&dir);
    let good = std::fs::read_to_string(dir.join("workshop.jsonl")).unwrap();
    let mut lines: Vec<&str> = good.lines().collect();
    let newer = dir.join("newer.jsonl");
    std::fs::write(
        &newer,
        good.replacen(r#"{"vigil_recording":1,"vigil":"0.1.0""#, r#"{"vigil_recording":3,"vigil":"2.0.0""#, 1),
    )
    .unwrap();
    let damaged = dir.join("damaged.jsonl");
    let broken = lines[5].replacen(r#""fetched_at":"#, r#""fetched_at":12,"x":"#, 1);
    lines[5] = &broken;
    std::fs::write(&damaged, lines.join("\n")).unwrap();
    let (newer, damaged) = (newer.display().to_string(), damaged.display().to_string());
    for command in [vec!["replay"], vec!["report", "--replay"]] {
        let run = |file: &str| vigil(&[command.clone(), vec![file]].concat());
        assert_eq!(
            run(&newer),
            (
                Some(2),
                format!(
                    "vigil: {newer}:1:1: recorded in format 3 (by vigil 2.0.0); this vigil 0.1.0 reads format 1: replay it with a newer vigil\n"
                )
            )
        );
        let (code, said) = run(&damaged);
        assert_eq!(code, Some(2));
        assert!(said.starts_with(&format!("vigil: {damaged}:6:")), "{said}");
        assert!(said.contains(": damaged line: invalid type: integer `12`, expected"), "{said}");
    }
    // And the good one reports as the store held it at its end.
    let (code, said) =
        vigil(&["report", "--format", "markdown", "--replay", dir.join("workshop.jsonl").to_str().unwrap()]);
    assert_eq!(code, Some(0), "{said}");
    assert!(recording.entries.len() > 10);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_changes_view_lists_what_the_story_changed_newest_first() {
    use vigil::keymap::Action;
    use vigil::ui::Screen;
    let theme = dark();
    let (posture, mut view, now) = story("workshop", Some(4));
    let feed = posture.feed();
    assert!(feed.total() > 0, "the story's steps are changes; its baseline is not");
    // The header counts what has not been seen.
    let frame = render(&posture, &view, &theme, now, 160, 48);
    let head = text(&frame).lines().next().unwrap().to_string();
    assert!(head.contains(&format!("Δ {}", feed.total())), "{head}");
    check("changes_unseen_header_160x48", &frame, &theme);
    vigil::app::update(&mut view, &posture, Action::Changes);
    assert!(matches!(view.screen, Screen::Changes { cursor: 0 }));
    assert_eq!(view.changes_seen, feed.total(), "opening it sees them all");
    for (w, h) in [(160, 48), (80, 24)] {
        let frame = render(&posture, &view, &theme, now, w, h);
        let shown = text(&frame);
        assert!(!shown.lines().next().unwrap().contains('Δ'), "nothing unseen now:\n{shown}");
        // Step 4's notebook turned PRV-01 FAIL; step 5 started its remediation: newest first.
        let started = shown.find("remediation started").expect(&shown);
        let turned = shown.find("PRV-01 PASS → FAIL").expect(&shown);
        assert!(started < turned, "newest first:\n{shown}");
        check(&format!("changes_{w}x{h}"), &frame, &theme);
    }
    // Enter on the control's change opens the control.
    let rows = vigil::ui::changes::visible(&posture, &view);
    let at = rows.iter().position(|c| matches!(c.what, vigil::store::What::Status { .. })).unwrap();
    let Screen::Changes { cursor } = &mut view.screen else { unreachable!() };
    *cursor = at;
    vigil::app::update(&mut view, &posture, Action::Enter);
    assert!(matches!(view.screen, Screen::Control { .. }), "{:?}", view.screen);
    // `:severity critical` hides the HIGH finding's change; `/` filters by words.
    vigil::app::update(&mut view, &posture, Action::Back);
    let all = vigil::ui::changes::visible(&posture, &view).len();
    view.min_severity = Some(Severity::Critical);
    assert!(vigil::ui::changes::visible(&posture, &view).len() < all);
    view.min_severity = None;
    view.changes_filter = Some(vigil::ui::filter::Filter::parse("remediation").unwrap());
    let kept = vigil::ui::changes::visible(&posture, &view);
    assert!(!kept.is_empty() && kept.len() < all);
}
