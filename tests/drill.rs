//! The drill-down and the corrective actions through `update`, as keys drive them: from a
//! control to its failing resource, into a finding, and the writes that only `--write` and `y`
//! can make.

mod common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use vigil::app::{Command, update, update_key};
use vigil::keymap::Action;
use vigil::model::{Request, Section, Subject, WorkflowStatus, Write};
use vigil::ui::finding::FindingView;
use vigil::ui::resource::{Act, ResourceView};
use vigil::ui::{Dialog, Screen, View};

use common::{answer, at, demo_script};

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

/// Runs actions, answering every lookup from the demo's script; returns every command.
fn drive(
    script: &vigil::sources::demo::DemoScript,
    posture: &mut vigil::store::Posture,
    view: &mut View,
    actions: &[Action],
) -> Vec<Command> {
    let mut all = Vec::new();
    for a in actions {
        for c in update(view, posture, *a) {
            if let Command::Request(r @ Request::Lookup { .. }) = &c {
                answer(script, posture, r, at(10));
            }
            all.push(c);
        }
    }
    all
}

fn row_text(view: &ResourceView, i: usize) -> String {
    view.rows[i].segs.iter().map(|(_, s)| s.as_str()).collect()
}

/// From the overview to the resource view of the workshop's non-compliant notebook.
fn to_legacy_notebook(script: &vigil::sources::demo::DemoScript, posture: &mut vigil::store::Posture, view: &mut View) {
    // PRV-02 (notebooks inside a VPC) is the second row of the preventive pane.
    drive(script, posture, view, &[Action::Preventive, Action::Down, Action::Enter, Action::Enter]);
    let Screen::Resource { id, .. } = &view.screen else { panic!("not a resource: {:?}", view.screen) };
    assert_eq!(id.short_name(), "legacy-analysis-nb");
}

#[test]
fn the_notebooks_view_names_its_corrective_control_and_remediation_before_any_execution() {
    let (script, mut posture, mut view) = demo_script(0);
    to_legacy_notebook(&script, &mut posture, &mut view);
    let Screen::Resource { id, .. } = view.screen.clone() else { unreachable!() };
    let rv = ResourceView::new(&posture, &id, 120, false, at(10));
    let text: Vec<String> = (0..rv.len()).map(|i| row_text(&rv, i)).collect();
    let cor05 = text.iter().position(|t| t.contains("COR-05")).expect("COR-05 is named");
    let remediation = text.iter().position(|t| t.contains("Custom-StopNotebookOutsideVpc")).expect("remediation named");
    assert!(
        text[remediation].contains("manual") && text[remediation].contains("not tried yet"),
        "{}",
        text[remediation]
    );
    assert_eq!(rv.target(cor05), Some(vigil::ui::list::Target::Control(posture.control_index("COR-05").unwrap())));
    assert!(text.iter().any(|t| t.contains("not recorded by Config")), "notebooks are not a type Config records");
    assert!(text.iter().any(|t| t.contains("fix: For information about launching")), "the finding's fix is shown");
    assert!(text.iter().any(|t| t.contains("Actions off")), "without --write the actions say why they are off");
    // Every section has answered: nothing is loading.
    assert!(!text.iter().any(|t| t.contains("loading")));
}

#[test]
fn row_counts_do_not_depend_on_the_width() {
    let (script, mut posture, mut view) = demo_script(0);
    to_legacy_notebook(&script, &mut posture, &mut view);
    let Screen::Resource { id, .. } = view.screen.clone() else { unreachable!() };
    let lens: Vec<usize> =
        [40, 80, 158, 238].iter().map(|w| ResourceView::new(&posture, &id, *w, false, at(10)).len()).collect();
    assert!(lens.windows(2).all(|w| w[0] == w[1]), "{lens:?}");
    drive(&script, &mut posture, &mut view, &[Action::Bottom]);
    let Screen::Resource { cursor, .. } = view.screen else { unreachable!() };
    assert_eq!(cursor, lens[0] - 1);
}

#[test]
fn enter_on_a_finding_opens_the_finding_and_its_resources_lead_back() {
    let (script, mut posture, mut view) = demo_script(0);
    to_legacy_notebook(&script, &mut posture, &mut view);
    let Screen::Resource { id, .. } = view.screen.clone() else { unreachable!() };
    let rv = ResourceView::new(&posture, &id, 120, false, at(10));
    let row = (0..rv.len()).find(|&i| matches!(rv.target(i), Some(vigil::ui::list::Target::Finding(_)))).unwrap();
    let Screen::Resource { cursor, .. } = &mut view.screen else { unreachable!() };
    *cursor = row;
    let commands = drive(&script, &mut posture, &mut view, &[Action::Enter]);
    let Screen::Finding { id: finding, .. } = view.screen.clone() else { panic!("{:?}", view.screen) };
    assert!(matches!(&commands[..], [Command::Request(Request::Lookup { subject: Subject::Finding(f), sections, .. })]
        if *f == finding && sections == &Section::FINDING.to_vec()));
    let fv = FindingView::new(&posture, &finding, 100, false);
    let lens: Vec<usize> =
        [40, 100, 238].iter().map(|w| FindingView::new(&posture, &finding, *w, false).len()).collect();
    assert!(lens.windows(2).all(|w| w[0] == w[1]), "prose wraps at one measure: {lens:?}");
    let text: Vec<String> = fv.rows.iter().map(|r| r.segs.iter().map(|(_, s)| s.as_str()).collect()).collect();
    assert!(text.iter().any(|t| t.contains("Description")), "{text:#?}");
    assert!(text.iter().any(|t| t.contains("History")), "{text:#?}");
    assert!(fv.triage().is_some(), "the product ARN is known once the finding is read");
    // Enter on its resource goes to the resource; Esc twice comes back to the resource view.
    let resource_row = (0..fv.len()).find(|&i| fv.target(i).is_some()).unwrap();
    let Screen::Finding { cursor, .. } = &mut view.screen else { unreachable!() };
    *cursor = resource_row;
    drive(&script, &mut posture, &mut view, &[Action::Enter]);
    assert!(matches!(&view.screen, Screen::Resource { id: r, .. } if *r == id));
    drive(&script, &mut posture, &mut view, &[Action::Back, Action::Back]);
    assert!(matches!(&view.screen, Screen::Resource { id: r, .. } if *r == id));
}

fn keys(view: &mut View, posture: &vigil::store::Posture, codes: &[KeyCode]) -> Vec<Command> {
    codes.iter().flat_map(|c| update_key(view, posture, &key(*c)).unwrap_or_default()).collect()
}

fn writes(commands: &[Command]) -> usize {
    commands.iter().filter(|c| matches!(c, Command::Request(Request::Write(_)))).count()
}

/// The scratch bucket: a failed public-access-block remediation and two findings.
fn to_scratch_bucket(script: &vigil::sources::demo::DemoScript, posture: &mut vigil::store::Posture, view: &mut View) {
    let cor02 = posture.control_index("COR-02").unwrap();
    let pane = posture.pane(vigil::model::ControlKind::Corrective);
    let row = pane.iter().position(|&i| i == cor02).unwrap();
    drive(script, posture, view, &[Action::Corrective]);
    view.selected[2] = row;
    drive(script, posture, view, &[Action::Enter, Action::Enter]);
    let Screen::Resource { id, .. } = &view.screen else { panic!("{:?}", view.screen) };
    assert_eq!(id.short_name(), "ml-scratch-exports");
}

#[test]
fn without_write_no_key_sequence_makes_a_write() {
    let (script, mut posture, mut view) = demo_script(0);
    to_scratch_bucket(&script, &mut posture, &mut view);
    let mut commands = Vec::new();
    for a in [Action::Remediate, Action::Workflow, Action::Enter, Action::Remediate] {
        commands.extend(drive(&script, &mut posture, &mut view, &[a]));
        commands.extend(keys(&mut view, &posture, &[KeyCode::Char('y'), KeyCode::Enter, KeyCode::Tab, KeyCode::Enter]));
    }
    assert_eq!(writes(&commands), 0);
    assert!(view.dialog.is_none());
    assert!(view.message.as_deref().unwrap_or("").contains("--write") || matches!(view.screen, Screen::Finding { .. }));
}

#[test]
fn a_write_happens_only_after_y_and_never_after_n_esc_or_another_action_key() {
    let (script, mut posture, mut view) = demo_script(0);
    view.write = true;
    to_scratch_bucket(&script, &mut posture, &mut view);
    let Screen::Resource { id, .. } = view.screen.clone() else { unreachable!() };
    let (full, outline) =
        (ResourceView::new(&posture, &id, 100, true, at(10)), ResourceView::outline(&posture, &id, true));
    assert_eq!(full.len(), outline.len(), "steps, timeline and fixes counted alike");
    assert!((0..full.len()).all(|i| full.target(i) == outline.target(i) && full.rows[i].act == outline.rows[i].act));
    // The remediation row of the failing public-access-block rule.
    let rv = ResourceView::new(&posture, &id, 120, true, at(10));
    let row = (0..rv.len()).find(|&i| matches!(rv.rows[i].act, Some(Act::Remediate { .. }))).unwrap();
    let Screen::Resource { cursor, .. } = &mut view.screen else { unreachable!() };
    *cursor = row;

    for cancel in [KeyCode::Char('n'), KeyCode::Esc, KeyCode::Enter] {
        drive(&script, &mut posture, &mut view, &[Action::Remediate]);
        assert!(matches!(view.dialog, Some(Dialog::Confirm { confirm_focused: false, .. })), "Cancel has the focus");
        // A second action key does nothing while the dialog is open.
        let mut commands = drive(&script, &mut posture, &mut view, &[Action::Remediate, Action::Workflow]);
        commands.extend(keys(&mut view, &posture, &[KeyCode::Char('x'), KeyCode::Char('w'), cancel]));
        assert_eq!(writes(&commands), 0, "{cancel:?} sent a write");
        assert!(view.dialog.is_none(), "{cancel:?} closes the dialog");
    }
    drive(&script, &mut posture, &mut view, &[Action::Remediate]);
    let commands = keys(&mut view, &posture, &[KeyCode::Char('y')]);
    assert_eq!(writes(&commands), 1);
    match &commands[0] {
        Command::Request(Request::Write(Write::StartRemediation { rule, resource, document })) => {
            assert_eq!(&**rule, "s3-bucket-level-public-access-prohibited");
            assert_eq!(*resource, id);
            assert_eq!(&**document, "AWSConfigRemediation-ConfigureS3BucketPublicAccessBlock");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_workflow_dialog_takes_a_status_and_a_note_then_asks() {
    let (script, mut posture, mut view) = demo_script(0);
    view.write = true;
    to_scratch_bucket(&script, &mut posture, &mut view);
    let Screen::Resource { id, .. } = view.screen.clone() else { unreachable!() };
    let rv = ResourceView::new(&posture, &id, 120, true, at(10));
    let row = (0..rv.len()).find(|&i| matches!(rv.rows[i].act, Some(Act::Triage { .. }))).unwrap();
    let Screen::Resource { cursor, .. } = &mut view.screen else { unreachable!() };
    *cursor = row;
    drive(&script, &mut posture, &mut view, &[Action::Workflow]);
    assert!(matches!(view.dialog, Some(Dialog::Workflow { status: WorkflowStatus::Notified, .. })));
    // Typing `y` and `n` writes them into the note; nothing is sent.
    let mut commands =
        keys(&mut view, &posture, &[KeyCode::Tab, KeyCode::Char('y'), KeyCode::Char('n'), KeyCode::Backspace]);
    assert!(
        matches!(&view.dialog, Some(Dialog::Workflow { status: WorkflowStatus::Resolved, note, .. }) if note == "y")
    );
    commands.extend(keys(&mut view, &posture, &[KeyCode::Enter]));
    assert!(matches!(view.dialog, Some(Dialog::Confirm { .. })));
    assert_eq!(writes(&commands), 0);
    // Tab moves the focus to Confirm; Enter then confirms.
    let commands = keys(&mut view, &posture, &[KeyCode::Tab, KeyCode::Enter]);
    match &commands[..] {
        [
            Command::Request(Request::Write(Write::SetWorkflow {
                finding,
                status,
                note,
                product_arn,
                account,
                region,
                product,
                new_hub_only,
            })),
        ] => {
            // The bucket's most severe finding is the workshop's exposure finding: only the new
            // Security Hub holds it, so BatchUpdateFindingsV2 changes it whatever the API read.
            assert!(finding.contains(":exposure-finding/") && *new_hub_only, "{finding}");
            assert_eq!(*status, WorkflowStatus::Resolved);
            assert_eq!(note, "y");
            assert!(product_arn.starts_with("arn:aws:securityhub:us-east-1::product/aws/"));
            // Where the finding is, as BatchUpdateFindingsV2 names it: as the view read it.
            let held = posture.finding(finding).unwrap();
            assert_eq!((account, region, product), (&held.account, &held.region, &held.product));
            assert!(!account.is_empty() && !region.is_empty() && !product.is_empty());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_accepted_write_shows_where_the_pollers_would_show_it_later() {
    use vigil::model::{Answer, ExecutionState, WriteState};
    let (_, mut posture, _) = demo_script(0);
    let bucket = vigil::model::ResourceId::from_config(
        &mut Default::default(),
        "AWS::S3::Bucket",
        "ml-scratch-exports",
        "123456789012",
        "us-east-1",
    );
    let rule = "s3-bucket-level-public-access-prohibited";
    let write = Write::StartRemediation {
        rule: rule.into(),
        resource: bucket.clone(),
        document: "AWSConfigRemediation-ConfigureS3BucketPublicAccessBlock".into(),
    };
    for (state, t) in
        [(WriteState::Sent, 1), (WriteState::Accepted { execution: Some(ExecutionState::InProgress), detail: None }, 2)]
    {
        posture.answer(Answer::Write { write: write.clone(), at: at(t), state });
    }
    let key = vigil::model::RuleKey::new(&rule.into(), &bucket.account, &bucket.region);
    let x = posture.execution(&key, &bucket).unwrap();
    assert_eq!(x.state, ExecutionState::InProgress, "the corrective pane follows it");
    assert_eq!(x.invoked_at, at(1), "invoked when it was sent");
    let cor02 = posture.control_index("COR-02").unwrap();
    assert!(posture.evidence(cor02).in_progress.contains_key(&(key.clone(), bucket.clone())));
    assert_eq!(posture.writes_on(&Subject::Resource(bucket)).count(), 1, "one write, its state updated");

    let id: vigil::model::Sym =
        "arn:aws:securityhub:us-east-1:123456789012:security-control/S3.5/finding/58aa07c4-scratch".into();
    let updated_at = posture.finding(&id).unwrap().updated_at;
    let write = Write::SetWorkflow {
        finding: id.clone(),
        product_arn: "arn:aws:securityhub:us-east-1::product/aws/securityhub".into(),
        account: "123456789012".into(),
        region: "us-east-1".into(),
        product: "Security Hub".into(),
        status: WorkflowStatus::Suppressed,
        note: String::new(),
        new_hub_only: false,
    };
    let state = WriteState::Accepted { execution: None, detail: None };
    posture.answer(Answer::Write { write, at: at(3), state });
    let f = posture.finding(&id).unwrap();
    assert_eq!(f.workflow, WorkflowStatus::Suppressed);
    assert_eq!(f.updated_at, updated_at, "BatchUpdateFindings keeps UpdatedAt");
}

/// A key as the loop hands it over: to an open dialog first, else through the keymap.
fn press(
    view: &mut View,
    posture: &vigil::store::Posture,
    keymap: &vigil::keymap::Keymap,
    code: KeyCode,
) -> Vec<Command> {
    let event = key(code);
    match update_key(view, posture, &event) {
        Some(commands) => commands,
        None => keymap.action(&event).map(|a| update(view, posture, a)).unwrap_or_default(),
    }
}

const KEYS: [KeyCode; 14] = [
    KeyCode::Char('x'),
    KeyCode::Char('w'),
    KeyCode::Char('y'),
    KeyCode::Char('n'),
    KeyCode::Char('j'),
    KeyCode::Char('k'),
    KeyCode::Char('r'),
    KeyCode::Char('G'),
    KeyCode::Char('a'),
    KeyCode::Esc,
    KeyCode::Enter,
    KeyCode::Tab,
    KeyCode::Backspace,
    KeyCode::Left,
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

    /// Any keys, from the bucket's view: without --write nothing is ever sent; with it, a write
    /// is sent only by `y`, or Enter on a focused Confirm, in the confirmation dialog.
    #[test]
    fn writes_need_write_and_a_confirmation(keys in proptest::collection::vec(0..KEYS.len(), 1..40), write: bool) {
        let (script, mut posture, mut view) = demo_script(0);
        view.write = write;
        to_scratch_bucket(&script, &mut posture, &mut view);
        let keymap = vigil::keymap::Keymap::default();
        for k in keys {
            let code = KEYS[k];
            let confirming = match &view.dialog {
                Some(Dialog::Confirm { confirm_focused, .. }) => {
                    code == KeyCode::Char('y') || (code == KeyCode::Enter && *confirm_focused)
                }
                _ => false,
            };
            let commands = press(&mut view, &posture, &keymap, code);
            for c in &commands {
                if let Command::Request(r @ Request::Lookup { .. }) = c {
                    answer(&script, &mut posture, r, at(10));
                }
            }
            let sent = writes(&commands);
            proptest::prop_assert!(sent <= 1);
            if sent == 1 {
                proptest::prop_assert!(write, "a write without --write");
                proptest::prop_assert!(confirming, "a write without its confirmation ({code:?})");
            }
        }
    }
}

#[test]
fn x_where_config_cannot_remediate_says_why_and_opens_no_dialog() {
    let (script, mut posture, mut view) = demo_script(0);
    view.write = true;
    to_legacy_notebook(&script, &mut posture, &mut view);
    let Screen::Resource { id, .. } = view.screen.clone() else { unreachable!() };
    let rv = ResourceView::new(&posture, &id, 120, true, at(10));
    let row = (0..rv.len()).find(|&i| matches!(rv.rows[i].act, Some(Act::Remediate { .. }))).unwrap();
    let Screen::Resource { cursor, .. } = &mut view.screen else { unreachable!() };
    *cursor = row;
    let mut commands = drive(&script, &mut posture, &mut view, &[Action::Remediate]);
    commands.extend(keys(&mut view, &posture, &[KeyCode::Char('y'), KeyCode::Enter]));
    assert_eq!(writes(&commands), 0, "nothing sent");
    assert!(view.dialog.is_none(), "no dialog for a call AWS would refuse");
    let said = view.message.clone().unwrap_or_default();
    assert!(
        said.starts_with("nothing sent: Config cannot remediate legacy-analysis-nb")
            && said.contains("AWS::SageMaker::NotebookInstance is not one"),
        "{said}"
    );
}

#[test]
fn x_on_a_remediation_for_another_resource_type_says_so() {
    use vigil::model::{Dataset, Payload, SourceEvent, SourceKind};
    let (script, mut posture, mut view) = demo_script(0);
    view.write = true;
    to_scratch_bucket(&script, &mut posture, &mut view);
    let Screen::Resource { id, .. } = view.screen.clone() else { unreachable!() };
    // The bucket rule's remediation, as if it were configured for EC2 instances.
    let key = vigil::model::RuleKey::new(&"s3-bucket-level-public-access-prohibited".into(), &id.account, &id.region);
    let mut rc = posture.remediation_config(&key).unwrap().clone();
    rc.resource_type = Some("AWS::EC2::Instance".into());
    rc.observed_at = at(20);
    let data = Dataset { remediation_configs: vec![rc], ..Default::default() };
    posture.apply(SourceEvent { source: SourceKind::Config, fetched_at: at(20), result: Ok(Payload::Merge(data)) });
    let commands = drive(&script, &mut posture, &mut view, &[Action::Remediate]);
    assert_eq!(writes(&commands), 0);
    assert!(view.dialog.is_none());
    let said = view.message.clone().unwrap_or_default();
    assert!(said.contains("is for AWS::EC2::Instance, not AWS::S3::Bucket"), "{said}");
}

#[test]
fn after_w_every_view_of_the_finding_shows_its_new_workflow_at_once() {
    use vigil::model::{Answer, WriteState};
    let (script, mut posture, mut view) = demo_script(0);
    view.write = true;
    to_scratch_bucket(&script, &mut posture, &mut view);
    let Screen::Resource { id, .. } = view.screen.clone() else { unreachable!() };
    let rv = ResourceView::new(&posture, &id, 120, true, at(10));
    let row = (0..rv.len()).find(|&i| matches!(rv.rows[i].act, Some(Act::Triage { .. }))).unwrap();
    let before = row_text(&rv, row);
    assert!(before.contains("NEW"), "{before}");
    let Screen::Resource { cursor, .. } = &mut view.screen else { unreachable!() };
    *cursor = row;
    drive(&script, &mut posture, &mut view, &[Action::Workflow]);
    let mut commands =
        keys(&mut view, &posture, &[KeyCode::Tab, KeyCode::Char('o'), KeyCode::Char('k'), KeyCode::Enter]);
    commands.extend(keys(&mut view, &posture, &[KeyCode::Char('y')]));
    let Some(Command::Request(Request::Write(write))) =
        commands.into_iter().find(|c| matches!(c, Command::Request(Request::Write(_))))
    else {
        panic!("no write")
    };
    assert!(view.message.as_deref().unwrap_or("").starts_with("sending securityhub:BatchUpdateFindings"));
    // AWS accepts it: the resource view shows RESOLVED and the note before any lookup answers.
    let state = WriteState::Accepted { execution: None, detail: Some("workflow RESOLVED".into()) };
    assert_eq!(
        vigil::app::write_outcome(&write, &state),
        "AWS accepted securityhub:BatchUpdateFindings: workflow RESOLVED"
    );
    posture.answer(Answer::Write { write: write.clone(), at: at(11), state });
    let rv = ResourceView::new(&posture, &id, 120, true, at(11));
    let after = row_text(&rv, row);
    assert!(after.contains("RESOLVED") && !after.contains("NEW"), "{after}");
    let Write::SetWorkflow { finding, .. } = &write else { unreachable!() };
    let fv = FindingView::new(&posture, finding, 120, true);
    let text: String =
        fv.rows.iter().map(|r| r.segs.iter().map(|(_, s)| s.as_str()).collect::<String>() + "\n").collect();
    assert!(text.contains("Workflow RESOLVED"), "{text}");
    // ...and it is read again in the background.
    match vigil::app::reread(&view.screen, &posture, &write) {
        Some(Request::Lookup { subject: Subject::Resource(r), .. }) => assert_eq!(r, id),
        other => panic!("{other:?}"),
    }
    // A refusal is said as AWS said it.
    let refused = WriteState::Failed { reason: "AccessDeniedException: not authorized".into() };
    assert_eq!(
        vigil::app::write_outcome(&write, &refused),
        "refused: securityhub:BatchUpdateFindings: AccessDeniedException: not authorized"
    );
}
