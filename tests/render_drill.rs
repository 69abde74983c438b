//! The drill-down's screens, snapshot-tested with colours: resource views (the workshop's
//! non-compliant notebook before any remediation, a compliant one, a bucket with findings, a
//! failed remediation and a timeline, sections loading and failed, a very long ARN), a corrective
//! control with a failed execution, a finding, the confirmation dialog and the actions off.

mod common;

use common::{answer, at, check, demo_script, render, text};
use vigil::app::{Command, resource_lookup, update};
use vigil::keymap::Action;
use vigil::model::{Answer, ResourceId, Section, Subject, Write};
use vigil::sources::demo::DemoScript;
use vigil::store::Posture;
use vigil::theme::Theme;
use vigil::ui::{Dialog, Screen, View};

fn dark() -> Theme {
    Theme::load("dark", false).unwrap()
}

/// Opens the resource view of `name` (among the store's resources), answering its lookup.
fn open_resource(script: &DemoScript, posture: &mut Posture, view: &mut View, kind: &str, name: &str) -> ResourceId {
    let id = ResourceId::from_config(&mut Default::default(), kind, name, "123456789012", "us-east-1");
    let request = resource_lookup(posture, &id);
    answer(script, posture, &request, at(5));
    view.back.push(view.screen.clone());
    view.screen = Screen::Resource { id: id.clone(), cursor: 0 };
    id
}

#[test]
fn the_workshop_notebook_names_cor_05_and_its_manual_remediation() {
    let theme = dark();
    let (script, mut posture, mut view) = demo_script(0);
    open_resource(&script, &mut posture, &mut view, "AWS::SageMaker::NotebookInstance", "legacy-analysis-nb");
    let frame = render(&posture, &view, &theme, at(5), 160, 48);
    let screen = text(&frame);
    assert!(screen.contains("COR-05 corrective Notebooks outside a VPC are stopped"), "{screen}");
    assert!(screen.contains("remediation (manual · not tried yet) Custom-StopNotebookOutsideVpc"), "{screen}");
    assert!(screen.contains("Actions off (read-only)"), "{screen}");
    check("resource_notebook_160x48", &frame, &theme);
    check("resource_notebook_80x24", &render(&posture, &view, &theme, at(5), 80, 24), &theme);
}

#[test]
fn a_compliant_resource() {
    let theme = dark();
    let (script, mut posture, mut view) = demo_script(0);
    open_resource(&script, &mut posture, &mut view, "AWS::SageMaker::NotebookInstance", "research-nb");
    let frame = render(&posture, &view, &theme, at(5), 160, 48);
    assert!(!text(&frame).contains("Failing under"));
    check("resource_compliant_160x48", &frame, &theme);
    check("resource_compliant_80x24", &render(&posture, &view, &theme, at(5), 80, 24), &theme);
}

#[test]
fn a_bucket_with_findings_a_failed_remediation_and_a_timeline() {
    let theme = dark();
    let (script, mut posture, mut view) = demo_script(0);
    view.write = true;
    open_resource(&script, &mut posture, &mut view, "AWS::S3::Bucket", "ml-scratch-exports");
    let frame = render(&posture, &view, &theme, at(5), 160, 48);
    let screen = text(&frame);
    assert!(screen.contains("Configuration timeline (4)"), "{screen}");
    assert!(screen.contains("FAILED"), "{screen}");
    assert!(screen.contains("AccessDenied"), "{screen}");
    assert!(screen.contains(" WRITE "), "the header says writes are on");
    check("resource_bucket_160x48", &frame, &theme);
    check("resource_bucket_80x24", &render(&posture, &view, &theme, at(5), 80, 24), &theme);
}

#[test]
fn sections_load_on_their_own_and_one_that_fails_says_why() {
    let theme = dark();
    let (_, mut posture, mut view) = demo_script(0);
    let id = ResourceId::from_config(
        &mut Default::default(),
        "AWS::S3::Bucket",
        "ml-scratch-exports",
        "123456789012",
        "us-east-1",
    );
    let Command::Request(request) = Command::Request(resource_lookup(&posture, &id)) else { unreachable!() };
    if let vigil::model::Request::Lookup { subject, sections, .. } = &request {
        posture.begin_lookup(subject, sections, at(5));
    }
    let subject = Subject::Resource(id.clone());
    posture.answer(Answer::Section {
        subject: subject.clone(),
        section: Section::Timeline,
        at: at(6),
        result: Err("AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/ReadOnly/me is not authorized to perform: config:GetResourceConfigHistory".into()),
    });
    view.screen = Screen::Resource { id, cursor: 0 };
    let frame = render(&posture, &view, &theme, at(6), 160, 48);
    let screen = text(&frame);
    assert_eq!(screen.matches("loading…").count(), 3, "{screen}");
    assert!(screen.contains("config:GetResourceConfigHistory failed: AccessDeniedException"), "{screen}");
    check("resource_loading_160x48", &frame, &theme);
    check("resource_loading_80x24", &render(&posture, &view, &theme, at(6), 80, 24), &theme);
}

#[test]
fn a_very_long_arn_is_cut_from_the_start() {
    let theme = dark();
    let (script, mut posture, mut view) = demo_script(0);
    let long = format!("arn:aws:sagemaker:us-east-1:123456789012:model/{}", "a-very-long-model-name-".repeat(12));
    let id = open_resource(&script, &mut posture, &mut view, "AWS::SageMaker::Model", &long);
    let frame = render(&posture, &view, &theme, at(5), 80, 24);
    let screen = text(&frame);
    assert!(screen.contains('…'), "{screen}");
    assert!(screen.lines().all(|l| unicode_width::UnicodeWidthStr::width(l) <= 80));
    assert!(id.short_name().ends_with("name-"));
    check("resource_long_arn_80x24", &frame, &theme);
}

#[test]
fn a_corrective_control_with_a_failed_execution_never_shows_a_tick_beside_it() {
    let theme = dark();
    let (_, posture, mut view) = demo_script(0);
    let index = posture.control_index("COR-02").unwrap();
    view.screen = Screen::Control { index, cursor: 0 };
    let frame = render(&posture, &view, &theme, at(5), 160, 48);
    let screen = text(&frame);
    let line = screen
        .lines()
        .find(|l| {
            l.contains("remediation (automatic · an execution FAILED) AWSConfigRemediation-ConfigureS3BucketPublic")
        })
        .unwrap();
    assert!(line.contains('✘') && line.contains("FAILED"), "{line}");
    assert!(screen.contains("ml-scratch-exports  remediation FAILED"), "the due resource is named: {screen}");
    check("control_cor02_failed_160x48", &frame, &theme);
    check("control_cor02_failed_80x24", &render(&posture, &view, &theme, at(5), 80, 24), &theme);
    // COR-05: its due notebook is named and the control warns that nobody started the fix.
    let cor05 = posture.control_index("COR-05").unwrap();
    view.screen = Screen::Control { index: cor05, cursor: 0 };
    let screen = text(&render(&posture, &view, &theme, at(5), 160, 48));
    assert!(screen.contains("▲ WARN"), "{screen}");
    assert!(screen.contains("legacy-analysis-nb  manual remediation not started"), "{screen}");
}

#[test]
fn a_finding_in_full() {
    let theme = dark();
    let (script, mut posture, mut view) = demo_script(0);
    let id: vigil::model::Sym =
        "arn:aws:securityhub:us-east-1:123456789012:security-control/SageMaker.2/finding/3c9d11e0-legacy".into();
    answer(&script, &mut posture, &vigil::app::finding_lookup(&id), at(5));
    view.screen = Screen::Finding { id, cursor: 0 };
    let frame = render(&posture, &view, &theme, at(5), 100, 30);
    let screen = text(&frame);
    assert!(screen.contains("Description") && screen.contains("History (1 change)"), "{screen}");
    check("finding_100x30", &frame, &theme);
    check("finding_80x24", &render(&posture, &view, &theme, at(5), 80, 24), &theme);
}

/// An exposure finding (only the new Security Hub makes them) in full: its class said, its
/// description (the traits it joined), its resource; and the control its class binds (DET-10)
/// counts it as activity.
#[test]
fn an_exposure_finding_in_full() {
    let theme = dark();
    let (script, mut posture, mut view) = demo_script(0);
    let id: vigil::model::Sym =
        "arn:aws:securityhub:us-east-1:123456789012:exposure-finding/9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4".into();
    let f = posture.finding(&id).expect("the workshop's exposure finding");
    assert_eq!(f.class, Some(vigil::model::FindingClass::Exposure));
    answer(&script, &mut posture, &vigil::app::finding_lookup(&id), at(5));
    view.screen = Screen::Finding { id, cursor: 0 };
    let frame = render(&posture, &view, &theme, at(5), 160, 48);
    let screen = text(&frame);
    assert!(screen.contains("Class") && screen.contains("Exposure (an OCSF Detection Finding"), "{screen}");
    assert!(screen.contains("Reachability") && screen.contains("ml-scratch-exports"), "{screen}");
    check("finding_exposure_160x48", &frame, &theme);
    let det10 = posture.control_index("DET-10").unwrap();
    view.screen = Screen::Control { index: det10, cursor: 0 };
    let screen = text(&render(&posture, &view, &theme, at(5), 160, 48));
    assert!(screen.contains("IAM Access Analyzer, Exposure findings: 2 open"), "{screen}");
    assert!(screen.contains("HIGH          NEW        Potential Data Exposure: S3 bucket"), "{screen}");
}

/// A suppressed finding says why: the automation rule that matches it, in the lists of findings
/// (the resource's; the control's, apart from the findings that count) and in the finding view.
#[test]
fn a_suppressed_finding_names_the_automation_rule_that_matches_it() {
    let theme = dark();
    let (script, mut posture, mut view) = demo_script(0);
    open_resource(&script, &mut posture, &mut view, "AWS::S3::Bucket", "public-model-cards-site");
    let frame = render(&posture, &view, &theme, at(5), 160, 48);
    let screen = text(&frame);
    let line = screen.lines().find(|l| l.contains("SUPPRESSED")).unwrap_or_else(|| panic!("{screen}"));
    assert!(line.contains("SUPPRESSED rule \"public website buckets\" · FAILED S3 general purpose"), "{line}");
    check("resource_suppressed_by_rule_160x48", &frame, &theme);
    // The control's own view lists it apart from what counts, with its rule.
    let prv08 = posture.control_index("PRV-08").unwrap();
    view.screen = Screen::Control { index: prv08, cursor: 0 };
    let frame = render(&posture, &view, &theme, at(5), 160, 48);
    let screen = text(&frame);
    assert!(screen.contains("1 suppressed, not counted:"), "{screen}");
    let line = screen.lines().find(|l| l.contains("SUPPRESSED")).unwrap_or_else(|| panic!("{screen}"));
    assert!(line.contains("SUPPRESSED rule \"public website buckets\" · S3 general purpose"), "{line}");
    assert!(screen.contains("✔ PASS"), "a suppressed finding does not fail the control: {screen}");
    check("control_suppressed_by_rule_160x48", &frame, &theme);
    let id: vigil::model::Sym =
        "arn:aws:securityhub:us-east-1:123456789012:security-control/S3.2/finding/91c2d3e4-docs".into();
    answer(&script, &mut posture, &vigil::app::finding_lookup(&id), at(5));
    view.screen = Screen::Finding { id, cursor: 0 };
    let screen = text(&render(&posture, &view, &theme, at(5), 160, 48));
    assert!(
        screen.contains("Why          suppressed · matches automation rule \"public website buckets\""),
        "{screen}"
    );
}

#[test]
fn the_confirmation_shows_the_exact_call_with_cancel_focused() {
    let theme = dark();
    let (script, mut posture, mut view) = demo_script(0);
    view.write = true;
    let id = open_resource(&script, &mut posture, &mut view, "AWS::S3::Bucket", "ml-scratch-exports");
    view.dialog = Some(Dialog::Confirm {
        write: Write::StartRemediation {
            rule: "s3-bucket-level-public-access-prohibited".into(),
            resource: id,
            document: "AWSConfigRemediation-ConfigureS3BucketPublicAccessBlock".into(),
        },
        confirm_focused: false,
    });
    let frame = render(&posture, &view, &theme, at(5), 100, 30);
    let screen = text(&frame);
    for needle in [
        "config:StartRemediationExecution",
        "123456789012",
        "us-east-1",
        "ResourceKey",
        "AWS::S3::Bucket ml-scratch-exports",
    ] {
        assert!(screen.contains(needle), "{needle} missing: {screen}");
    }
    check("confirm_remediation_100x30", &frame, &theme);
    check("confirm_remediation_80x24", &render(&posture, &view, &theme, at(5), 80, 24), &theme);
    // Keys do nothing else while it is open.
    assert!(update(&mut view, &posture, Action::Back).is_empty());
    assert!(view.dialog.is_some());
}

#[test]
fn a_row_cut_on_screen_opens_whole_in_its_box() {
    let theme = dark();
    let (_, posture, mut view) = demo_script(0);
    let prv09 = posture.control_index("PRV-09").unwrap();
    view.screen = Screen::Control { index: prv09, cursor: 0 };
    view.width = 80;
    let description = posture.control(prv09).description.clone();
    let shown = text(&render(&posture, &view, &theme, at(5), 80, 24));
    assert!(!shown.contains(&description), "the description is cut at 80 columns");
    // Enter on a row that leads nowhere but is cut: the whole row.
    update(&mut view, &posture, Action::Enter);
    assert!(view.row_box.is_some(), "Enter opens the row");
    let frame = render(&posture, &view, &theme, at(5), 80, 24);
    let shown = text(&frame);
    // Its end, which the list cut, is on screen now.
    let tail: String = description
        .split_whitespace()
        .rev()
        .take(5)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(shown.contains(&tail), "the whole row:\n{shown}");
    check("row_box_80x24", &frame, &theme);
    // y copies it; Esc closes it.
    let copied = update(&mut view, &posture, Action::CopyId);
    assert_eq!(copied, vec![Command::Copy(description.trim().to_string())]);
    update(&mut view, &posture, Action::Back);
    assert!(view.row_box.is_none());
    assert!(matches!(view.screen, Screen::Control { .. }), "Esc closed the box, not the control");
    // `v` opens any row, cut or not.
    update(&mut view, &posture, Action::ViewRow);
    assert!(view.row_box.is_some());
}

#[test]
fn the_finding_view_keeps_its_arn_whole_and_is_titled_with_the_finding() {
    let theme = dark();
    let (script, mut posture, mut view) = demo_script(0);
    let id: vigil::model::Sym =
        "arn:aws:securityhub:us-east-1:123456789012:security-control/SageMaker.2/finding/3c9d11e0-legacy".into();
    answer(&script, &mut posture, &vigil::app::finding_lookup(&id), at(5));
    view.screen = Screen::Finding { id: id.clone(), cursor: 0 };
    let frame = render(&posture, &view, &theme, at(5), 240, 60);
    let shown = text(&frame);
    assert!(shown.lines().any(|l| l.contains(&*id)), "the ARN on one line:\n{shown}");
    let title = posture.finding(&id).unwrap().title.to_string();
    assert!(shown.lines().next_back().is_some() && shown.contains(&format!("┌ {title} ")), "{shown}");
    assert!(!shown.contains("Enter on a resource opens it"), "{shown}");
    check("finding_240x60", &frame, &theme);
    // y copies the id, Y the console link.
    assert_eq!(update(&mut view, &posture, Action::CopyId), vec![Command::Copy(id.to_string())]);
    match &update(&mut view, &posture, Action::CopyLink)[..] {
        [Command::Copy(url)] => assert!(url.starts_with("https://") && url.contains("securityhub"), "{url}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn y_on_a_resource_copies_its_arn() {
    let (script, mut posture, mut view) = demo_script(0);
    let id = open_resource(&script, &mut posture, &mut view, "AWS::S3::Bucket", "ml-scratch-exports");
    assert_eq!(
        update(&mut view, &posture, Action::CopyId),
        vec![Command::Copy("arn:aws:s3:::ml-scratch-exports".into())]
    );
    assert_eq!(&*id.id, "arn:aws:s3:::ml-scratch-exports");
}

/// A finding only the new Security Hub has: its history section says plainly that none is kept
/// readable (not an error, not "no changes").
#[test]
fn a_finding_without_a_readable_history_says_so() {
    let theme = dark();
    let (script, mut posture, mut view) = demo_script(0);
    let id: vigil::model::Sym =
        "arn:aws:securityhub:us-east-1:123456789012:security-control/SageMaker.2/finding/3c9d11e0-legacy".into();
    let lookup = vigil::app::finding_lookup(&id);
    answer(&script, &mut posture, &lookup, at(5));
    let vigil::model::Request::Lookup { subject, .. } = lookup else { panic!("a lookup") };
    posture.answer(Answer::Section {
        subject,
        section: vigil::model::Section::History,
        at: at(6),
        result: Ok(vigil::model::SectionData::HistoryNotKept),
    });
    view.screen = Screen::Finding { id, cursor: 0 };
    let screen = text(&render(&posture, &view, &theme, at(7), 120, 30));
    let line = screen.lines().find(|l| l.contains("History")).unwrap_or_else(|| panic!("{screen}"));
    assert!(line.contains("not kept: the new Security Hub keeps no history"), "{line}");
    assert!(!screen.contains("failed") && !screen.contains("History (0"), "{screen}");
}
