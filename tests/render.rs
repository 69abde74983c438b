//! Rendered frames, snapshot-tested with colours: each pane at 80x24 and 160x48, drill-downs,
//! help, the empty store, a failing source, stale data, themes, and hostile text.

mod common;
mod fixtures;

use common::{at, check, demo, render, t0, text};
use fixtures::{FindingSpec, Fixtures};
use vigil::app::update;
use vigil::catalog::Catalog;
use vigil::keymap::Action;
use vigil::model::*;
use vigil::sources::{Dataset, SourceError, SourceEvent, SourceKind};
use vigil::store::Posture;
use vigil::theme::Theme;
use vigil::ui::detail::{ControlDetail, Target};
use vigil::ui::{Banner, Screen, View};

fn dark() -> Theme {
    Theme::load("dark", false).unwrap()
}

/// Selects the row of a control in its pane.
fn select(view: &mut View, posture: &Posture, id: &str) {
    let index = posture.control_index(id).unwrap();
    let kind = posture.control(index).kind;
    view.focus = kind;
    view.selected[kind.index()] = posture.pane(kind).iter().position(|&i| i == index).unwrap();
}

#[test]
fn each_pane_at_80x24() {
    let theme = dark();
    let (posture, mut view) = demo(0);
    for (kind, id) in
        [(ControlKind::Preventive, "PRV-02"), (ControlKind::Detective, "DET-04"), (ControlKind::Corrective, "COR-02")]
    {
        select(&mut view, &posture, id);
        assert_eq!(view.focus, kind);
        let frame = render(&posture, &view, &theme, t0(), 80, 24);
        check(&format!("pane_{}_80x24", kind.name()), &frame, &theme);
    }
}

#[test]
fn each_pane_at_160x48() {
    let theme = dark();
    let (posture, mut view) = demo(40);
    for (kind, id) in
        [(ControlKind::Preventive, "PRV-01"), (ControlKind::Detective, "DET-03"), (ControlKind::Corrective, "COR-04")]
    {
        select(&mut view, &posture, id);
        assert_eq!(view.focus, kind);
        let frame = render(&posture, &view, &theme, at(40), 160, 48);
        check(&format!("pane_{}_160x48", kind.name()), &frame, &theme);
    }
}

#[test]
fn drill_down_from_a_failing_control_to_its_resource() {
    let theme = dark();
    let (posture, mut view) = demo(40);
    select(&mut view, &posture, "PRV-01");
    update(&mut view, &posture, Action::Enter);
    let Screen::Control { index, cursor } = view.screen else { panic!("Enter opens the control") };
    assert!(
        matches!(ControlDetail::new(&posture, index, 158).target(cursor), Some(Target::Resource(_))),
        "the cursor starts on the first failing resource"
    );
    let frame = render(&posture, &view, &theme, at(40), 160, 48);
    check("drilldown_control_160x48", &frame, &theme);
    update(&mut view, &posture, Action::Enter);
    let Screen::Resource { id, .. } = &view.screen else { panic!("Enter on row {cursor} did not open a resource") };
    assert_eq!(id.short_name(), "fraud-detection-nb");
    let frame = render(&posture, &view, &theme, at(40), 160, 48);
    check("drilldown_resource_160x48", &frame, &theme);
    let small = render(&posture, &view, &theme, at(40), 80, 24);
    check("drilldown_resource_80x24", &small, &theme);
    update(&mut view, &posture, Action::Back);
    assert!(matches!(view.screen, Screen::Control { .. }));
}

#[test]
fn help_overlay() {
    let theme = dark();
    let (posture, mut view) = demo(0);
    update(&mut view, &posture, Action::Help);
    check("help_80x24", &render(&posture, &view, &theme, t0(), 80, 24), &theme);
}

#[test]
fn the_empty_store_waits_for_data() {
    let theme = dark();
    let mut posture = Posture::new(Catalog::default_catalog());
    for kind in [SourceKind::Config, SourceKind::SecurityHub, SourceKind::CloudWatch] {
        posture.register_source(kind, kind.default_interval());
    }
    let view = View::new(Banner::Demo { title: "SageMaker guardrails workshop".into() });
    let frame = render(&posture, &view, &theme, t0(), 160, 48);
    assert!(text(&frame).contains("Waiting for data from config, securityhub, cloudwatch"));
    check("empty_160x48", &frame, &theme);
    check("empty_80x24", &render(&posture, &view, &theme, t0(), 80, 24), &theme);
}

#[test]
fn a_source_in_error_next_to_two_healthy_ones() {
    let theme = dark();
    let (mut posture, mut view) = demo(60);
    posture.apply(SourceEvent {
        source: SourceKind::CloudWatch,
        fetched_at: at(61),
        result: Err(SourceError::Unauthorized { action: "cloudwatch:DescribeAlarms".into() }),
    });
    select(&mut view, &posture, "DET-04");
    let frame = render(&posture, &view, &theme, at(75), 160, 48);
    let shown = text(&frame);
    assert!(shown.contains("cloudwatch ✘ unauthorized: cloudwatch:DescribeAlarms (data 15s old)"), "{shown}");
    assert!(shown.contains("config ● ok"));
    assert!(shown.contains("firing"), "the last good data stays on screen");
    check("source_error_160x48", &frame, &theme);
}

#[test]
fn stale_data_is_marked() {
    let theme = dark();
    let (posture, mut view) = demo(0);
    select(&mut view, &posture, "PRV-02");
    let frame = render(&posture, &view, &theme, at(600), 160, 48);
    let shown = text(&frame);
    assert!(shown.contains("◷ STALE (was FAIL 1)"), "{shown}");
    assert!(shown.contains("securityhub ◷ stale"), "{shown}");
    check("stale_160x48", &frame, &theme);
}

#[test]
fn light_and_high_contrast_themes() {
    let (posture, mut view) = demo(40);
    select(&mut view, &posture, "PRV-01");
    for name in ["light", "high-contrast"] {
        let theme = Theme::load(name, false).unwrap();
        check(&format!("theme_{name}_160x48"), &render(&posture, &view, &theme, at(40), 160, 48), &theme);
    }
}

#[test]
fn no_color_keeps_meaning_without_colours() {
    let theme = Theme::load("dark", true).unwrap();
    let (posture, mut view) = demo(0);
    select(&mut view, &posture, "PRV-03");
    let frame = render(&posture, &view, &theme, t0(), 80, 24);
    for y in 0..24 {
        for x in 0..80 {
            let style = frame[(x, y)].style();
            assert!(style.fg.is_none() || style.fg == Some(ratatui::style::Color::Reset), "colour at {x},{y}");
        }
    }
    check("no_color_80x24", &frame, &theme);
}

#[test]
fn the_story_ends_repaired_at_250x70() {
    let theme = dark();
    let (posture, mut view, now) = common::story("workshop", Some(7));
    select(&mut view, &posture, "COR-04");
    let frame = render(&posture, &view, &theme, now, 250, 70);
    let shown = text(&frame);
    assert!(shown.contains("step 8/8 · All quiet again · the story is over"), "{shown}");
    assert!(shown.contains("✔ PASS COR-04"), "the notebook was repaired: {shown}");
    check("story_end_250x70", &frame, &theme);
}

#[test]
fn every_size_from_80x24_to_250x70_shows_the_three_panes() {
    let theme = dark();
    let (posture, mut view) = demo(40);
    for (w, h) in [(80, 24), (100, 30), (119, 40), (120, 40), (160, 48), (200, 50), (250, 70)] {
        for kind in ControlKind::ALL {
            view.focus = kind;
            let shown = text(&render(&posture, &view, &theme, at(40), w, h));
            for title in ["Preventive", "Detective", "Corrective"] {
                assert!(shown.contains(title), "{title} missing at {w}x{h}");
            }
            assert!(shown.contains("vigil"), "header at {w}x{h}");
        }
    }
}

/// Finding titles and resource ids that try to retitle the window, write the clipboard,
/// clear the screen and reverse text.
#[test]
fn hostile_text_renders_inert() {
    let theme = dark();
    let mut fx = Fixtures::starting_at(t0());
    let mut posture = Posture::new(Catalog::default_catalog());
    let evil_arn = "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb\u{1b}]0;pwned\u{7}\u{202e}gpj.exe";
    let findings = vec![
        fx.finding(FindingSpec {
            id: "evil-1",
            control_id: Some("SageMaker.1"),
            title: "Notebook \u{1b}]52;c;Y3VybCBldmlsLnNoIHwgc2g=\u{1b}\\ has internet\u{1b}[2J\u{1b}[H access",
            severity: Severity::High,
            compliance: Some(FindingCompliance::Failed),
            resource: ("AwsSageMakerNotebookInstance", evil_arn),
            ..Default::default()
        }),
        fx.finding(FindingSpec {
            id: "evil-2",
            product: "GuardDuty\u{9b}31m",
            control_id: Some("SageMaker.1"),
            title: "Title with \u{202e}override and\nnewline and \u{9d}8-bit OSC",
            severity: Severity::Critical,
            compliance: Some(FindingCompliance::Failed),
            resource: ("AwsS3Bucket\u{1b}[31m", "arn:aws:s3:::bucket\u{7f}\u{1b}[1;1H"),
            ..Default::default()
        }),
    ];
    posture.apply(fx.replace(SourceKind::SecurityHub, 0, Dataset { findings, ..Default::default() }));
    let mut view = View::new(Banner::Live {
        profile: Some("prod\u{1b}]2;x\u{7}".into()),
        region: "us-east-1".into(),
        account: Some("123456789012".into()),
    });
    select(&mut view, &posture, "PRV-01");
    let overview = render(&posture, &view, &theme, t0(), 160, 48);
    update(&mut view, &posture, Action::Enter);
    let control = render(&posture, &view, &theme, t0(), 160, 48);
    update(&mut view, &posture, Action::Enter);
    assert!(matches!(view.screen, Screen::Resource { .. }), "{:?}", view.screen);
    let resource = render(&posture, &view, &theme, t0(), 160, 48);
    for frame in [&overview, &control, &resource] {
        for cell in frame.content() {
            for c in cell.symbol().chars() {
                let u = c as u32;
                assert!(u >= 0x20 && !(0x7f..=0x9f).contains(&u), "control character {u:#x} reached the screen");
                assert!(!matches!(u, 0x202a..=0x202e | 0x2066..=0x2069), "bidi override reached the screen");
            }
        }
    }
    assert!(text(&control).contains("␛]52;c;"), "the attempt is visible");
    check("hostile_text_control_160x48", &control, &theme);
    check("hostile_text_resource_160x48", &resource, &theme);
}

#[test]
fn selection_and_failures_are_styled_by_the_theme() {
    let theme = dark();
    let (posture, mut view) = demo(0);
    select(&mut view, &posture, "PRV-02");
    let frame = render(&posture, &view, &theme, t0(), 160, 48);
    // Find the FAIL symbol of PRV-02's row and check its colour is the theme's selection.
    let row =
        (0..48).find(|&y| (0..160).map(|x| frame[(x, y)].symbol()).collect::<String>().contains("PRV-02")).unwrap();
    let x = (0..160).find(|&x| frame[(x, row)].symbol() == "✘").unwrap();
    assert_eq!(frame[(x, row)].style().bg, theme.style(vigil::theme::Token::Selection).bg);
    // An unselected failing row carries the fail colour.
    let other =
        (0..48).find(|&y| (0..160).map(|x| frame[(x, y)].symbol()).collect::<String>().contains("PRV-03")).unwrap();
    let x = (0..160).find(|&x| frame[(x, other)].symbol() == "✘").unwrap();
    assert_eq!(frame[(x, other)].style().fg, theme.style(vigil::theme::Token::Fail).fg);
}

#[test]
fn a_guardrail_test_explains_its_decision() {
    let theme = dark();
    let (posture, mut view) = demo(0);
    select(&mut view, &posture, "PRV-09");
    update(&mut view, &posture, Action::Enter);
    let Screen::Control { index, cursor } = view.screen else { panic!("on the control") };
    let target = ControlDetail::new(&posture, index, 158).target(cursor);
    assert!(matches!(target, Some(Target::Guardrail(_))), "the cursor starts on the first test: {target:?}");
    // The test that catches the workshop's ANDed Null block.
    while !matches!(
        ControlDetail::new(&posture, index, 158).target(match view.screen { Screen::Control { cursor, .. } => cursor, _ => 0 }),
        Some(Target::Guardrail(ref n)) if n.contains("but no security groups")
    ) {
        update(&mut view, &posture, Action::Down);
    }
    update(&mut view, &posture, Action::Enter);
    assert!(matches!(view.screen, Screen::Guardrail { .. }));
    let frame = render(&posture, &view, &theme, t0(), 160, 48);
    let shown = text(&frame);
    assert!(shown.contains("DenyWithoutSecurityGroups"), "{shown}");
    assert!(shown.contains("✔ Null sagemaker:VpcSecurityGroupIds [\"true\"]  request: (absent)"), "{shown}");
    check("guardrail_explanation_160x48", &frame, &theme);
}

#[test]
fn a_part_that_cannot_be_read_says_so_in_the_detail() {
    let theme = dark();
    let (mut posture, mut view) = demo(60);
    // DescribeRemediationConfigurations is denied from now on: the last good data stays, and
    // the detail says what is not read, since when, and why.
    let denied = SourceError::Unauthorized { action: "config:DescribeRemediationConfigurations".into() };
    let unread = [Part::RemediationConfigs, Part::RemediationExecutions]
        .map(|part| vigil::sources::Unread { part, error: denied.clone() })
        .to_vec();
    posture.apply(SourceEvent {
        source: SourceKind::Config,
        fetched_at: at(61),
        result: Ok(vigil::sources::Payload::Merge(Dataset { unread, ..Default::default() })),
    });
    posture.apply(SourceEvent { source: SourceKind::Config, fetched_at: at(61), result: Err(denied) });
    select(&mut view, &posture, "COR-04");
    let frame = render(&posture, &view, &theme, at(75), 160, 48);
    let shown = text(&frame);
    assert!(
        shown.contains(
            "remediation configurations last read 12:01:00, since then: not authorized to call config:DescribeRemediationConfigurations"
        ),
        "{shown}"
    );
    assert!(!shown.contains("no remediation configured"), "{shown}");
    check("part_not_read_160x48", &frame, &theme);
}

#[test]
fn a_frozen_view_says_so_with_its_age_and_what_waits() {
    let theme = dark();
    let (posture, mut view) = demo(0);
    view.frozen = Some(vigil::ui::Frozen { since: t0(), waiting: 3 });
    let frame = render(&posture, &view, &theme, at(75), 100, 30);
    assert!(text(&frame).contains(" FROZEN 1m · 3 waiting "), "{}", text(&frame));
    check("frozen_100x30", &frame, &theme);
}

#[test]
fn a_long_error_never_pushes_another_source_off_the_line() {
    let theme = dark();
    let (mut posture, view) = demo(60);
    let long = "AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/ReadOnly/session is not authorized to perform: securityhub:GetFindings on resource: arn:aws:securityhub:us-east-1:123456789012:hub/default with an explicit deny in a service control policy";
    posture.apply(SourceEvent {
        source: SourceKind::SecurityHub,
        fetched_at: at(61),
        result: Err(SourceError::Failed { message: long.into() }),
    });
    for (w, h) in [(80, 24), (100, 30), (160, 48)] {
        let frame = render(&posture, &view, &theme, at(75), w, h);
        let line = text(&frame).lines().nth(1).unwrap().to_string();
        for name in ["config ", "securityhub ", "cloudwatch ", "guardrails "] {
            assert!(line.contains(name), "{w}x{h}: {name} lost from {line:?}");
        }
        assert!(line.contains('…'), "{w}x{h}: the long message is cut with an ellipsis: {line:?}");
    }
    check("source_long_error_100x30", &render(&posture, &view, &theme, at(75), 100, 30), &theme);
}

// ── An organisation (issue 11): the header's scope, the Accounts view, a narrowed dashboard ──

const MEMBERS: [(&str, &str); 2] = [("111122223333", "us-west-2"), ("444455556666", "eu-west-1")];

/// The demo's account as a delegated administrator sees it: two members' failing notebooks in
/// linked regions, and Security Hub's members and finding aggregator.
fn organization() -> (Posture, vigil::ui::View, Timestamp) {
    let (mut posture, view) = demo(600);
    let now = at(600);
    let mut i = Interner::new();
    let mut findings = Vec::new();
    for (n, (account, region)) in MEMBERS.iter().enumerate() {
        for k in 0..=n {
            let arn = format!("arn:aws:sagemaker:{region}:{account}:notebook-instance/member-nb-{k}");
            findings.push(Finding {
                id: i.intern(&format!(
                    "arn:aws:securityhub:{region}:{account}:security-control/SageMaker.1/finding/{k}"
                )),
                product: i.intern("Security Hub"),
                control_id: Some(i.intern("SageMaker.1")),
                related_rule: None,
                title: i.intern("SageMaker notebook instances should not have direct internet access"),
                severity: Severity::High,
                workflow: WorkflowStatus::New,
                record_state: RecordState::Active,
                compliance: Some(FindingCompliance::Failed),
                resources: vec![ResourceId::from_security_hub(
                    &mut i,
                    "AwsSageMakerNotebookInstance",
                    &arn,
                    account,
                    region,
                )]
                .into(),
                account: i.intern(account),
                region: i.intern(region),
                updated_at: now.into(),
                first_observed: Some(now.into()),
                class: None,
            });
        }
    }
    let hub_scope = HubScope {
        members: MEMBERS.iter().map(|(a, _)| a.to_string()).collect(),
        aggregator: Some(FindingAggregator {
            arn: "arn:aws:securityhub:us-east-1:123456789012:finding-aggregator/1".into(),
            home_region: "us-east-1".into(),
            linking_mode: "SPECIFIED_REGIONS".into(),
            regions: MEMBERS.iter().map(|(_, r)| r.to_string()).collect(),
        }),
    };
    // Through Config's aggregator: the same Security Hub rule (its own suffix there) in a
    // member, naming one of the notebooks its finding names.
    let (member, region) = MEMBERS[1];
    let rule = i.intern("securityhub-sagemaker-notebook-no-direct-internet-access-9f8e7d");
    let resource = ResourceId::from_config(&mut i, "AWS::SageMaker::NotebookInstance", "member-nb-0", member, region);
    let unread = PartSet::of(&[Part::RemediationConfigs, Part::RemediationExecutions]);
    posture.apply(member_noncompliant(rule, resource, unread, now));
    posture.apply(SourceEvent {
        source: SourceKind::SecurityHub,
        fetched_at: now,
        result: Ok(vigil::sources::Payload::Merge(Dataset {
            findings,
            hub_scope: Some(hub_scope),
            ..Default::default()
        })),
    });
    (posture, view, now)
}

/// A rule read through Config's aggregator in the resource's account and region (so no
/// source identifier), NON_COMPLIANT for that one resource.
fn member_noncompliant(rule: Sym, resource: ResourceId, unread: PartSet, now: Timestamp) -> SourceEvent {
    let (account, region) = (resource.account.clone(), resource.region.clone());
    SourceEvent {
        source: SourceKind::Config,
        fetched_at: now,
        result: Ok(vigil::sources::Payload::Merge(Dataset {
            rules: vec![ConfigRule {
                name: rule.clone(),
                source_identifier: None,
                compliance: Some(ConfigCompliance::NonCompliant),
                noncompliant: Some(CappedCount { count: 1, cap_exceeded: false }),
                details_complete: true,
                evaluation_error: None,
                unread,
                account,
                region,
                observed_at: now,
            }],
            evaluations: vec![Evaluation {
                rule,
                resource,
                compliance: ConfigCompliance::NonCompliant,
                annotation: None,
                recorded_at: now,
            }],
            ..Default::default()
        })),
    }
}

#[test]
fn an_organisation_in_the_header_the_accounts_view_and_narrowed_to_one_account() {
    use vigil::ui::Screen;
    let theme = Theme::load("dark", false).unwrap();
    let (mut posture, mut view, now) = organization();
    let scope = posture.scope();
    assert!(scope.organization && posture.is_organization());
    assert_eq!(scope.accounts, ["111122223333", "123456789012", "444455556666"]);
    assert_eq!(scope.regions, ["eu-west-1", "us-east-1", "us-west-2"]);
    let frame = render(&posture, &view, &theme, now, 160, 48);
    assert!(text(&frame).contains("org · 3 accounts · 3 regions"), "{}", text(&frame));
    check("org_overview_160x48", &frame, &theme);

    // PRV-01's detail: each finding says its account and region.
    let prv01 = posture.control_index("PRV-01").unwrap();
    view.screen = Screen::Control { index: prv01, cursor: 0 };
    let frame = render(&posture, &view, &theme, now, 160, 48);
    let shown = text(&frame);
    assert!(shown.contains("member-nb-0 · 444455556666 eu-west-1"), "{shown}");
    assert!(shown.contains("internet-access-9f8e7d · 444455556666 eu-west-1  NON_COMPLIANT 1"), "{shown}");
    check("org_control_160x48", &frame, &theme);

    // The Accounts view: the worst account first; Enter narrows to it.
    update(&mut view, &posture, Action::Accounts);
    assert_eq!(view.screen, Screen::Accounts { cursor: 0, column: 0 });
    let rows = posture.accounts_matrix();
    assert_eq!(rows[0].account, "123456789012", "the demo's account fails most controls");
    let member = rows.iter().find(|r| r.account == "444455556666").unwrap();
    assert_eq!(member.failing[prv01], 2, "two failing notebooks");
    assert_eq!(member.findings.active, 2);
    for (w, h) in [(160, 48), (100, 30)] {
        let frame = render(&posture, &view, &theme, now, w, h);
        check(&format!("org_accounts_{w}x{h}"), &frame, &theme);
    }
    update(&mut view, &posture, Action::Down);
    update(&mut view, &posture, Action::Down);
    let commands = update(&mut view, &posture, Action::Enter);
    let Some(vigil::app::Command::Narrow(within)) = commands.first().cloned() else { panic!("{commands:?}") };
    assert_eq!(within.account.as_deref(), Some(rows[2].account.as_str()));
    assert_eq!(view.screen, Screen::Overview);

    // Narrowed to a member: its one failing control, its findings only, the badge says so.
    posture.narrow(vigil::store::Within { account: Some("444455556666".into()), region: None });
    assert_eq!(posture.finding_totals().active, 2);
    assert_eq!(posture.control_status(prv01, now), Status::Fail(FailCount { resources: 2, at_least: false }));
    let frame = render(&posture, &view, &theme, now, 160, 48);
    assert!(text(&frame).contains("ONLY 444455556666"), "{}", text(&frame));
    check("org_narrowed_160x48", &frame, &theme);
}

/// Each account's and region's reads (issue 11): the header says in how many places a source's
/// error happened; `:sources` marks every place and names each failure once per account.
#[test]
fn an_organisations_places_in_the_header_and_the_sources_view() {
    let theme = dark();
    let (mut posture, mut view, now) = organization();
    let refused =
        SourceError::Unauthorized { action: "sts:AssumeRole on arn:aws:iam::777788889999:role/VigilReadOnly".into() };
    let throttled = SourceError::Throttled { operation: "DescribeRemediationExecutionStatus".into() };
    let mut places = Vec::new();
    for account in ["111122223333", "444455556666", "777788889999"] {
        for region in ["eu-west-1", "us-east-1", "us-west-2"] {
            let error = match (account, region) {
                ("777788889999", _) => Some(refused.clone()),
                ("444455556666", "us-west-2") => Some(throttled.clone()),
                _ => None,
            };
            places.push(vigil::model::PlaceRead { account: account.into(), region: region.into(), error });
        }
    }
    let read = |places: Vec<vigil::model::PlaceRead>, at: Timestamp| SourceEvent {
        source: SourceKind::Config,
        fetched_at: at,
        result: Ok(vigil::sources::Payload::Merge(Dataset { places, ..Default::default() })),
    };
    // An earlier poll read the throttled place in full.
    let before = places.iter().filter(|p| p.region == "us-west-2" && p.account == "444455556666");
    posture.apply(read(before.map(|p| vigil::model::PlaceRead { error: None, ..p.clone() }).collect(), at(540)));
    posture.apply(read(places, now));
    posture.apply(SourceEvent { source: SourceKind::Config, fetched_at: now, result: Err(refused.clone()) });
    let state = &posture.sources().find(|(k, _)| *k == SourceKind::Config).unwrap().1;
    assert_eq!(state.places_failing(), (4, 9));
    let frame = render(&posture, &view, &theme, now, 160, 48);
    let header = text(&frame).lines().nth(1).unwrap().to_string();
    assert!(header.contains("config ✘ unauthorized in 4 of 9 places: sts:AssumeRole"), "{header}");

    view.screen = Screen::Sources { scroll: 0 };
    for (w, h) in [(160, 48), (80, 24)] {
        let frame = render(&posture, &view, &theme, now, w, h);
        let shown: String =
            text(&frame).lines().map(|l| l.trim_matches(|c| c == '│' || c == ' ')).collect::<Vec<_>>().join(" ");
        assert!(shown.contains("9 other accounts and regions: 5 ok · 4 failing"), "{shown}");
        if w == 160 {
            assert!(shown.contains("777788889999 ✘ eu-west-1  ✘ us-east-1  ✘ us-west-2"), "{shown}");
            assert!(
                shown.contains("777788889999 in eu-west-1, us-east-1, us-west-2: not authorized to call sts:AssumeRole on arn:aws:iam::777788889999:role/VigilReadOnly (last read in full: never)"),
                "one line for the account's three regions: {shown}"
            );
            assert!(
                shown.contains("444455556666 in us-west-2: throttled on DescribeRemediationExecutionStatus (last read in full: 2026-11-26 12:09:00Z (1m ago))"),
                "the throttled place was read a minute before: {shown}"
            );
        }
        check(&format!("org_sources_{w}x{h}"), &frame, &theme);
    }
    // An account is AWS's text: an escape sequence in it reaches the screen inert.
    let hostile = vigil::model::PlaceRead {
        account: "\u{1b}]0;owned\u{7}9999".into(),
        region: "eu-west-1\u{1b}[2J".into(),
        error: Some(SourceError::Failed { message: "boom\u{1b}[31m".into() }),
    };
    posture.apply(read(vec![hostile], now));
    let frame = render(&posture, &view, &theme, now, 160, 48);
    for c in frame.content().iter().flat_map(|cell| cell.symbol().chars()) {
        assert!(c as u32 >= 0x20 && !(0x7f..=0x9f).contains(&(c as u32)), "control character {c:?} reached the screen");
    }
    let shown = text(&frame);
    assert!(shown.contains("␛]0;owned"), "the attempt is visible, inert: {shown}");
    assert!(shown.contains("in eu-west-1␛[2J: ") && shown.contains("boom␛[31m"), "in the failure too: {shown}");
}

/// A corrective control's detail in an organisation (issue 11) says why a member's remediation
/// is unknown: no member role was given, or the one given could not be assumed there.
#[test]
fn a_members_unread_remediation_says_why_in_the_control() {
    use vigil::ui::Screen;
    let theme = dark();
    let (mut posture, mut view, now) = organization();
    let cor = (0..posture.catalog().controls.len())
        .find(|i| {
            posture.catalog().controls[*i].kind == ControlKind::Corrective
                && posture.evidence(*i).rules.iter().any(|k| &*k.account == "444455556666")
        })
        .expect("a corrective control binds the member's rule");
    view.screen = Screen::Control { index: cor, cursor: 0 };
    let shown = text(&render(&posture, &view, &theme, now, 160, 48));
    assert!(
        shown.contains("remediation configurations not read in 444455556666: other accounts are read through a member role (--member-role NAME)"),
        "{shown}"
    );
    let refused =
        SourceError::Unauthorized { action: "sts:AssumeRole on arn:aws:iam::444455556666:role/VigilReadOnly".into() };
    let place =
        vigil::model::PlaceRead { account: "444455556666".into(), region: "eu-west-1".into(), error: Some(refused) };
    posture.apply(SourceEvent {
        source: SourceKind::Config,
        fetched_at: now,
        result: Ok(vigil::sources::Payload::Merge(Dataset { places: vec![place], ..Default::default() })),
    });
    let shown = text(&render(&posture, &view, &theme, now, 160, 48));
    assert!(
        shown.contains("remediation configurations not read in 444455556666: not authorized to call sts:AssumeRole on arn:aws:iam::444455556666:role/VigilReadOnly"),
        "{shown}"
    );

    // Through an aggregator, details the poll's budget postponed name the aggregate call.
    let key = posture.evidence(cor).rules.iter().find(|k| &*k.account == "444455556666").unwrap().clone();
    let mut rule = posture.rule(&key).unwrap().clone();
    rule.details_complete = false;
    rule.unread.insert(Part::ComplianceDetails);
    let aggregator = ConfigAggregator {
        name: "org".into(),
        arn: "arn:aws:config:us-east-1:123456789012:config-aggregator/config-aggregator-1".into(),
        organization: true,
        accounts: Vec::new(),
        all_regions: true,
        regions: Vec::new(),
    };
    posture.apply(SourceEvent {
        source: SourceKind::Config,
        fetched_at: now,
        result: Ok(vigil::sources::Payload::Merge(Dataset {
            rules: vec![rule],
            config_aggregators: Some(vec![aggregator]),
            ..Default::default()
        })),
    });
    let prv01 = posture.control_index("PRV-01").unwrap();
    view.screen = Screen::Control { index: prv01, cursor: 0 };
    let shown = text(&render(&posture, &view, &theme, now, 160, 48));
    assert!(
        shown.contains("non-compliant resources not read yet (config:GetAggregateComplianceDetailsByConfigRule: a share of the rules each poll)"),
        "{shown}"
    );
}

/// An S3 bucket's ARN names neither account nor region (`arn:aws:s3:::name`): in an
/// organisation its row says them, as a bare id's does; a notebook's ARN says them itself.
#[test]
fn a_members_bucket_says_its_account_and_region() {
    use vigil::ui::Screen;
    let theme = dark();
    let (mut posture, mut view, now) = organization();
    let mut i = Interner::new();
    let rule = i.intern("securityhub-s3-bucket-public-read-prohibited-4d3c2b");
    let (member, region) = MEMBERS[0];
    let bucket = ResourceId::from_security_hub(&mut i, "AwsS3Bucket", "arn:aws:s3:::member-exports", member, region);
    posture.apply(member_noncompliant(rule, bucket, PartSet::EMPTY, now));
    let index = (0..posture.catalog().controls.len())
        .find(|c| posture.evidence(*c).failing.keys().any(|r| r.id.ends_with("member-exports")))
        .expect("a control fails the bucket");
    view.screen = Screen::Control { index, cursor: 0 };
    let shown = text(&render(&posture, &view, &theme, now, 160, 48));
    assert!(shown.contains(&format!("arn:aws:s3:::member-exports · {member} {region}")), "{shown}");
    // Due for a corrective control's remediation, by its short name: with its place too.
    let corrective = (0..posture.catalog().controls.len())
        .find(|c| posture.evidence(*c).due.keys().any(|(_, r)| r.id.ends_with("member-exports")))
        .expect("a corrective control has the bucket due");
    view.screen = Screen::Control { index: corrective, cursor: 0 };
    let shown = text(&render(&posture, &view, &theme, now, 160, 48));
    assert!(shown.contains(&format!("member-exports · {member} {region}  ")), "{shown}");
    let prv01 = posture.control_index("PRV-01").unwrap();
    view.screen = Screen::Control { index: prv01, cursor: 0 };
    let shown = text(&render(&posture, &view, &theme, now, 160, 48));
    let nb = shown.lines().find(|l| l.contains("notebook-instance/member-nb-0")).expect(&shown);
    assert!(!nb.contains(" · 444455556666"), "the ARN says it: {nb}");
    // Its own screen says where it is, and the rule that fails it there.
    let id = posture.evidence(corrective).due.keys().find(|(_, r)| r.id.ends_with("member-exports")).unwrap().1.clone();
    view.screen = Screen::Resource { id, cursor: 0 };
    let frame = render(&posture, &view, &theme, now, 160, 48);
    let shown = text(&frame);
    assert!(shown.contains(&format!("Account  {member}   Region  {region}")), "{shown}");
    check("org_resource_160x48", &frame, &theme);
}

/// A live organisation's header at 80 columns says the failing count whole: the banner says
/// the account alone, then `org` alone, before anything that counts is cut.
#[test]
fn a_narrow_header_never_cuts_the_failing_count() {
    use vigil::model::StatusLevel;
    use vigil::ui::Banner;
    let theme = dark();
    let (mut posture, mut view, now) = organization();
    view.banner = Banner::Live {
        profile: Some("ml-platform-prod".into()),
        region: "us-east-1".into(),
        account: Some("123456789012".into()),
    };
    let fails = posture.overall_summary(now).count(StatusLevel::Fail);
    let top = |posture: &Posture, view: &View| {
        text(&render(posture, view, &theme, now, 80, 24)).lines().next().unwrap().to_string()
    };
    let line = top(&posture, &view);
    assert!(line.contains(&format!("✘ {fails} failing")), "{line}");
    assert!(line.contains(" 123456789012 ") && !line.contains("ml-platform-prod"), "the account alone: {line}");
    let wide = text(&render(&posture, &view, &theme, now, 160, 48)).lines().next().unwrap().to_string();
    assert!(wide.contains("ml-platform-prod · us-east-1 · 123456789012"), "room enough for all: {wide}");
    // Narrowed and writing too: `org` alone.
    view.write = true;
    posture.narrow(vigil::store::Within { account: Some("444455556666".into()), region: None });
    let fails = posture.overall_summary(now).count(StatusLevel::Fail);
    let line = top(&posture, &view);
    assert!(line.contains(&format!("✘ {fails} failing")) && line.contains(" org  ONLY 444455556666 "), "{line}");
}

#[test]
fn the_accounts_matrix_scrolls_sideways_and_marks_what_it_hides() {
    use vigil::ui::Screen;
    let theme = dark();
    let (posture, mut view, now) = organization();
    update(&mut view, &posture, Action::Accounts);
    let shown = text(&render(&posture, &view, &theme, now, 100, 30));
    assert!(shown.contains(" columns 1-") && shown.contains(" ▶ (< >)"), "the hidden columns are marked:\n{shown}");
    assert!(!shown.contains('◀'), "{shown}");
    update(&mut view, &posture, Action::ScrollRight);
    assert_eq!(view.screen, Screen::Accounts { cursor: 0, column: 5 });
    let frame = render(&posture, &view, &theme, now, 100, 30);
    let shown = text(&frame);
    assert!(shown.contains("◀ 5 · columns 6-"), "{shown}");
    let head = shown.lines().find(|l| l.contains("Account") && l.contains("Open findings")).unwrap();
    assert!(head.contains("PRV-06") && !head.contains("PRV-05"), "the columns moved: {head}");
    check("org_accounts_scrolled_100x30", &frame, &theme);
    // As far as the last control, and back.
    for _ in 0..20 {
        update(&mut view, &posture, Action::ScrollRight);
    }
    let last = posture.catalog().controls.len() - 1;
    assert_eq!(view.screen, Screen::Accounts { cursor: 0, column: last });
    let shown = text(&render(&posture, &view, &theme, now, 100, 30));
    assert!(shown.contains(&posture.catalog().controls[last].id.to_string()), "{shown}");
    for _ in 0..20 {
        update(&mut view, &posture, Action::ScrollLeft);
    }
    assert_eq!(view.screen, Screen::Accounts { cursor: 0, column: 0 });
}

#[test]
fn the_help_uses_the_screens_width_and_lists_only_the_keys_in_force() {
    use vigil::ui::Banner;
    let theme = dark();
    let (posture, _) = demo(0);
    // Live, read-only: no story keys, no write keys (a line says what --write adds).
    let mut view = View::new(Banner::Live { profile: None, region: "us-east-1".into(), account: None });
    view.width = 200;
    update(&mut view, &posture, Action::Help);
    let frame = render(&posture, &view, &theme, t0(), 200, 50);
    let shown = text(&frame);
    assert!(!shown.contains("story:"), "live mode lists no story keys:\n{shown}");
    assert!(shown.contains("need vigil --write") && !shown.contains("start remediation (--write)"), "{shown}");
    // Every command's line whole.
    for spec in &vigil::ui::command_line::COMMANDS {
        assert!(shown.contains(spec.about), "{} cut:\n{shown}", spec.name);
    }
    let widest = shown.lines().map(|l| l.trim_end().chars().count()).max().unwrap();
    assert!(widest > 120, "the box uses the screen's width: {widest}");
    check("help_200x50", &frame, &theme);
    // The demo with --write: the presenter's keys and the actions are there.
    let (posture, mut view) = demo(0);
    view.story = Some(vigil::ui::Story::new(8, true));
    view.write = true;
    update(&mut view, &posture, Action::Help);
    let shown = text(&render(&posture, &view, &theme, t0(), 200, 50));
    assert!(shown.contains("story: next step") && shown.contains("start remediation (--write)"), "{shown}");
    // Scrolling stops at the last line at any width.
    let (posture, mut view) = demo(0);
    view.width = 80;
    update(&mut view, &posture, Action::Help);
    update(&mut view, &posture, Action::Bottom);
    let shown = text(&render(&posture, &view, &theme, t0(), 80, 24));
    assert!(shown.contains(":quit"), "the last command shows at the bottom:\n{shown}");
}

/// `:account` and `:region` complete the places the posture holds (issue 20), and the line
/// draws its cursor where it is.
#[test]
fn account_and_region_complete_the_places_held() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use vigil::app::{Command, update_key};
    use vigil::store::Within;
    let theme = dark();
    let (posture, mut view, now) = organization();
    let key = |view: &mut View, code: KeyCode| {
        update_key(view, &posture, &KeyEvent::new(code, KeyModifiers::NONE)).expect("the line takes the key")
    };
    let shown = |view: &View| text(&render(&posture, view, &theme, now, 160, 48));
    update(&mut view, &posture, Action::Command);
    for c in "acc".chars() {
        key(&mut view, KeyCode::Char(c));
    }
    key(&mut view, KeyCode::Tab);
    key(&mut view, KeyCode::Tab);
    let line = view.command.as_ref().unwrap();
    assert_eq!(line.offered, ["account 111122223333", "account 123456789012", "account 444455556666", "account all"]);
    key(&mut view, KeyCode::Tab);
    key(&mut view, KeyCode::Tab);
    assert_eq!(view.command.as_ref().unwrap().text(), "account 444455556666");
    let screen = shown(&view);
    let lines: Vec<&str> = screen.lines().collect();
    assert!(lines[47].starts_with(" :account 444455556666▏"), "{screen}");
    assert!(lines[46].contains(" account 111122223333   account 123456789012 "), "{screen}");
    let within = Within { account: Some("444455556666".into()), region: None };
    assert_eq!(key(&mut view, KeyCode::Enter), vec![Command::Narrow(within)]);

    update(&mut view, &posture, Action::Command);
    for c in "reg eu".chars() {
        key(&mut view, KeyCode::Char(c));
    }
    key(&mut view, KeyCode::Tab);
    assert_eq!(view.command.as_ref().unwrap().text(), "region eu-west-1");
    for _ in 0..3 {
        key(&mut view, KeyCode::Left);
    }
    let screen = shown(&view);
    assert!(screen.lines().nth(47).unwrap().starts_with(" :region eu-wes▏t-1 "), "{screen}");
    key(&mut view, KeyCode::Esc);
    assert!(view.command.is_none());
}

/// Security Hub's health in the header says whether the new Security Hub is on, and which APIs
/// the findings are read through: its own (`v2`), or both (`CSPM + v2`).
#[test]
fn the_header_says_whether_the_new_security_hub_is_on_and_read() {
    let theme = dark();
    let (mut posture, view) = demo(60);
    let now = at(60);
    let sources_line = |posture: &Posture, width: u16| {
        let frame = render(posture, &view, &theme, now, width, 48);
        text(&frame).lines().find(|l| l.contains("securityhub")).unwrap_or_default().to_string()
    };
    let before = sources_line(&posture, 240);
    assert!(!before.contains("v2"), "never asked: nothing said: {before}");
    let told = |posture: &mut Posture, on: bool, read: bool, cspm: bool| {
        posture.apply(SourceEvent {
            source: SourceKind::SecurityHub,
            fetched_at: now,
            result: Ok(vigil::model::Payload::Merge(Dataset {
                hub_v2: Some(HubV2 { on, read, cspm }),
                ..Default::default()
            })),
        });
    };
    told(&mut posture, true, true, false);
    let line = sources_line(&posture, 240);
    assert!(line.contains(" · v2") && !line.contains("CSPM"), "{line}");
    told(&mut posture, true, true, true);
    let line = sources_line(&posture, 240);
    assert!(line.contains(" · CSPM + v2"), "{line}");
    told(&mut posture, false, false, true);
    assert_eq!(sources_line(&posture, 240), before, "off: as if never asked");
}
