//! The pure half of the app: `update` turns an action, a key or a command line into changes of
//! the view and commands for the loop to perform. It reads the store and never performs I/O
//! (no files, clock, terminal or runtime): what it needs done, it returns as a `Command`.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::keymap::Action;
use crate::links;
use crate::model::{ControlKind, Request, ResourceId, Section, SectionData, Subject, Sym, WorkflowStatus, Write};
use crate::report::Format;
use crate::store::Posture;
use crate::ui::command_line::{self, Cmd, CommandLine, Edit};
use crate::ui::detail::{ControlDetail, Narrow, Target};
use crate::ui::filter::Filter;
use crate::ui::finding::FindingView;
use crate::ui::resource::{Act, ResourceView};
use crate::ui::visible_pane;
use crate::ui::{Dialog, Screen, View};

/// What `update` asks the loop to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Quit,
    /// Poll every source now.
    Refresh,
    /// A lookup or a confirmed write, for the responder.
    Request(Request),
    /// Put this text on the clipboard (OSC 52).
    Copy(String),
    /// Open this address with the system's opener.
    Open(String),
    /// Freeze the view (updates wait), or apply what waited and go on.
    ToggleFreeze,
    /// Switch to this theme (a built-in name or a file).
    SetTheme(String),
    /// Write the whole posture in a report format (`:export`), to `path` or a new file here.
    Export {
        format: Format,
        path: Option<PathBuf>,
    },
    /// Write what is on screen (`e`) to a new file here.
    ExportView,
    /// The presenter's hand on the story.
    Presenter(Presenter),
    /// Narrow every pane, the detail and the report to an account or region (or widen again).
    Narrow(crate::store::Within),
}

/// What the presenter asks of the story.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presenter {
    Pause,
    Next,
    Previous,
    Restart,
    Faster,
    Slower,
}

/// Row counts do not depend on the width; any width will do for moving the cursor.
const ROW_WIDTH: usize = 80;

/// Rows a page key moves.
const PAGE: usize = 10;

/// The lookup of everything about a resource.
pub fn resource_lookup(posture: &Posture, id: &ResourceId) -> Request {
    Request::Lookup {
        subject: Subject::Resource(id.clone()),
        sections: Section::RESOURCE.to_vec(),
        // Those of the resource's own account and region (an older recording's have none).
        remediation_rules: posture
            .remediation_configs()
            .filter(|r| r.account.is_empty() || (r.account == id.account && r.region == id.region))
            .map(|r| r.rule.clone())
            .collect(),
    }
}

/// The lookup of a finding in full and its history.
pub fn finding_lookup(id: &Sym) -> Request {
    Request::Lookup {
        subject: Subject::Finding(id.clone()),
        sections: Section::FINDING.to_vec(),
        remediation_rules: Vec::new(),
    }
}

/// Opens what a row names; returns the lookup the new screen needs.
fn open(view: &mut View, posture: &Posture, target: Target) -> Vec<Command> {
    let (next, commands) = match target {
        Target::Resource(id) => {
            let lookup = resource_lookup(posture, &id);
            (Screen::Resource { id, cursor: 0 }, vec![Command::Request(lookup)])
        }
        Target::Finding(id) => {
            let lookup = finding_lookup(&id);
            (Screen::Finding { id, cursor: 0 }, vec![Command::Request(lookup)])
        }
        Target::Guardrail(name) => (Screen::Guardrail { name, cursor: 0 }, Vec::new()),
        Target::Account(account) => {
            // The account's posture, on the overview.
            view.screen = Screen::Overview;
            view.back.clear();
            return vec![Command::Narrow(crate::store::Within { account: Some(account), region: None })];
        }
        Target::Control(index) => {
            // A control opens unfiltered.
            view.detail_filter = None;
            let narrow = Narrow { filter: None, min_severity: view.min_severity, sort: view.sort };
            let cursor = ControlDetail::filtered(posture, index, ROW_WIDTH, EPOCH, narrow).first_target();
            (Screen::Control { index, cursor }, Vec::new())
        }
    };
    view.back.push(view.screen.clone());
    view.screen = next;
    commands
}

/// The console address of what is on screen: the row's resource or finding, else the screen's.
fn link(view: &View, posture: &Posture) -> Option<String> {
    let finding_url = |id: &Sym| {
        posture.finding(id).map(links::finding_url).or_else(|| {
            match posture.lookup(&Subject::Finding(id.clone()), Section::Detail).and_then(|s| s.data()) {
                Some(SectionData::Detail(d)) => Some(links::finding_url(&d.finding)),
                _ => None,
            }
        })
    };
    match (crate::ui::under_cursor(view, posture), &view.screen) {
        (Some(Target::Resource(id)), _) => Some(links::resource_url(&id)),
        (Some(Target::Finding(id)), Screen::Resource { .. } | Screen::Control { .. }) => finding_url(&id),
        (_, Screen::Resource { id, .. }) => Some(links::resource_url(id)),
        (_, Screen::Finding { id, .. }) => finding_url(id),
        _ => None,
    }
}

/// The identifier of what is on screen: the row's resource (its ARN where it has one) or
/// finding, else the screen's.
fn identifier(view: &View, posture: &Posture) -> Option<String> {
    match (crate::ui::under_cursor(view, posture), &view.screen) {
        (Some(Target::Resource(id)), _) => Some(id.id.to_string()),
        (Some(Target::Finding(id)), Screen::Resource { .. } | Screen::Control { .. }) => Some(id.to_string()),
        (_, Screen::Resource { id, .. }) => Some(id.id.to_string()),
        (_, Screen::Finding { id, .. }) => Some(id.to_string()),
        _ => None,
    }
}

/// The Changes view, newest first; everything in the feed is then seen.
fn open_changes(view: &mut View, posture: &Posture) {
    if !matches!(view.screen, Screen::Changes { .. }) {
        view.back.push(view.screen.clone());
        view.screen = Screen::Changes { cursor: 0 };
    }
    view.changes_seen = posture.feed().total();
}

/// Keys while a row is shown whole: they scroll it, `y` copies it, Esc (or `v`) closes it.
fn update_row_box(view: &mut View, action: Action) -> Vec<Command> {
    let Some(b) = &mut view.row_box else { return Vec::new() };
    match action {
        Action::Back | Action::ViewRow | Action::Enter => view.row_box = None,
        Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::Top | Action::Bottom => {
            // Render keeps the scroll within the box.
            b.scroll = moved(b.scroll, usize::MAX / 2, action);
        }
        Action::CopyId => {
            let text: String = b.row.iter().map(|(_, s)| s.as_str()).collect();
            let text = text.trim().to_string();
            view.message = Some(format!("copied the row ({} characters)", text.chars().count()));
            return vec![Command::Copy(text)];
        }
        _ => {}
    }
    Vec::new()
}

/// Applies one action to the view. Pure: reads the store, changes only the view.
pub fn update(view: &mut View, posture: &Posture, action: Action) -> Vec<Command> {
    if action == Action::Quit {
        view.quit = true;
        return vec![Command::Quit];
    }
    if view.help {
        match action {
            Action::Help | Action::Back => view.help = false,
            Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::Top | Action::Bottom => {
                view.help_scroll =
                    moved(view.help_scroll, crate::ui::help::max_len(view, posture.is_organization()), action);
            }
            _ => {}
        }
        return Vec::new();
    }
    if view.dialog.is_some() {
        // Dialogs take their keys through `update_key`; actions do nothing meanwhile.
        return Vec::new();
    }
    if view.row_box.is_some() {
        return update_row_box(view, action);
    }
    if narration_key(view, action) {
        return Vec::new();
    }
    match action {
        Action::Quit => unreachable!("handled above"),
        Action::Help => {
            view.help = true;
            view.help_scroll = 0;
        }
        Action::Refresh => {
            return match &view.screen {
                Screen::Resource { id, .. } => vec![Command::Request(resource_lookup(posture, id))],
                Screen::Finding { id, .. } => vec![Command::Request(finding_lookup(id))],
                _ => vec![Command::Refresh],
            };
        }
        Action::NextPane | Action::PrevPane | Action::Preventive | Action::Detective | Action::Corrective => {
            let i = view.focus.index();
            view.focus = match action {
                Action::NextPane => ControlKind::ALL[(i + 1) % ControlKind::COUNT],
                Action::PrevPane => ControlKind::ALL[(i + ControlKind::COUNT - 1) % ControlKind::COUNT],
                Action::Preventive => ControlKind::Preventive,
                Action::Detective => ControlKind::Detective,
                _ => ControlKind::Corrective,
            };
            view.screen = Screen::Overview;
            view.back.clear();
        }
        Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::Top | Action::Bottom => {
            move_cursor(view, posture, action)
        }
        Action::Enter => {
            if let Some(target) = crate::ui::under_cursor(view, posture) {
                return open(view, posture, target);
            }
            // A row that leads nowhere but is cut: Enter shows it whole.
            if crate::ui::row_is_cut(view, posture)
                && let Some(row) = crate::ui::full_row(view, posture)
            {
                view.row_box = Some(crate::ui::RowBox { row, scroll: 0 });
            }
        }
        Action::ViewRow => match crate::ui::full_row(view, posture) {
            Some(row) => view.row_box = Some(crate::ui::RowBox { row, scroll: 0 }),
            None => view.message = Some("v shows a list's row whole: open a control, a resource or a finding".into()),
        },
        Action::ScrollLeft | Action::ScrollRight => scroll_columns(view, posture, action),
        Action::Back => back(view),
        Action::Filter => start_filter(view),
        Action::Freeze => return vec![Command::ToggleFreeze],
        Action::Command => view.command = Some(CommandLine::default()),
        Action::Export => return vec![Command::ExportView],
        Action::Pause | Action::NextStep | Action::PrevStep | Action::Restart | Action::Faster | Action::Slower => {
            return presenter(view, action);
        }
        Action::Narration => match &mut view.story {
            Some(story) => {
                story.history = !story.history;
                story.history_back = 0;
            }
            None => view.message = Some("no story is playing: N shows a demo's narration".into()),
        },
        Action::Changes => open_changes(view, posture),
        Action::Accounts => {
            if !matches!(view.screen, Screen::Accounts { .. }) {
                view.back.clear();
                view.screen = Screen::Accounts { cursor: 0, column: 0 };
            }
        }
        Action::NextAccount => return next_account(view, posture),
        Action::Remediate => remediate(view, posture),
        Action::Workflow => triage(view, posture),
        Action::CopyId | Action::CopyLink | Action::OpenLink => return copy_or_open(view, posture, action),
    }
    Vec::new()
}

/// The cursor (or the scroll) of the screen shown moves; a search that leaves the overview's
/// `/`: the command line opens on the screen's filter as it stands.
fn start_filter(view: &mut View) {
    let shown = |f: Option<&crate::ui::filter::Filter>| f.map_or_else(String::new, |f| f.text().to_string());
    let text = match &view.screen {
        Screen::Overview => shown(view.filters[view.focus.index()].as_ref()),
        Screen::Changes { .. } => shown(view.changes_filter.as_ref()),
        Screen::Control { .. } => shown(view.detail_filter.as_ref()),
        _ => {
            view.message = Some("/ filters a pane or a control's resources and findings".into());
            return;
        }
    };
    view.typing = Some(text.into());
}

/// `y` copies the identifier shown; `Y` copies its console link, `o` opens it.
fn copy_or_open(view: &mut View, posture: &Posture, action: Action) -> Vec<Command> {
    if action == Action::CopyId {
        return match identifier(view, posture) {
            Some(id) => {
                view.message = Some(format!("copied {id}"));
                vec![Command::Copy(id)]
            }
            None => {
                view.message = Some("no identifier here: open a resource or a finding".into());
                Vec::new()
            }
        };
    }
    match link(view, posture) {
        Some(url) if action == Action::CopyLink => {
            view.message = Some(format!("copied {url}"));
            vec![Command::Copy(url)]
        }
        Some(url) => {
            view.message = Some(format!("opening {url}"));
            vec![Command::Open(url)]
        }
        None => {
            view.message = Some("no console link here: open a resource or a finding".into());
            Vec::new()
        }
    }
}

/// pane no control moves among its matches instead.
fn move_cursor(view: &mut View, posture: &Posture, action: Action) {
    let write = view.write;
    let detail_filter = view.detail_filter.clone();
    let min_severity = view.min_severity;
    let sort = view.sort;
    // A search that leaves the pane no control: its matches take the cursor.
    if view.screen == Screen::Overview
        && visible_pane(posture, view, view.focus).is_empty()
        && let Some(matches) = crate::ui::search::shown(view, posture)
    {
        let current = crate::ui::search::highlighted(view, posture, &matches).unwrap_or(0);
        view.search_match = Some(moved(current, matches.len(), action));
        return;
    }
    let (cursor, len) = match &mut view.screen {
        Screen::Overview => {
            let len = visible_pane(posture, view, view.focus).len();
            (&mut view.selected[view.focus.index()], len)
        }
        Screen::Control { index, cursor } => {
            let narrow = Narrow { filter: detail_filter.as_ref(), min_severity, sort };
            let len = ControlDetail::filtered(posture, *index, ROW_WIDTH, EPOCH, narrow).len();
            (cursor, len)
        }
        Screen::Resource { id, cursor } => {
            let len = ResourceView::outline(posture, id, write).len();
            (cursor, len)
        }
        Screen::Finding { id, cursor } => {
            let len = FindingView::new(posture, id, ROW_WIDTH, write).len();
            (cursor, len)
        }
        Screen::Guardrail { name, cursor } => {
            let len = crate::ui::guardrail::len(posture, name);
            (cursor, len)
        }
        Screen::Sources { scroll } => (scroll, crate::ui::sources::MAX_LINES),
        Screen::Accounts { cursor, .. } => (cursor, crate::ui::accounts::len(posture)),
        Screen::Changes { .. } => {
            let len = crate::ui::changes::len(posture, view);
            let Screen::Changes { cursor } = &mut view.screen else { unreachable!() };
            (cursor, len)
        }
    };
    *cursor = moved(*cursor, len, action);
}

/// `<` and `>`: the Accounts view's columns scroll.
fn scroll_columns(view: &mut View, posture: &Posture, action: Action) {
    match &mut view.screen {
        Screen::Accounts { column, .. } => {
            let controls = posture.catalog().controls.len();
            *column = if action == Action::ScrollLeft {
                column.saturating_sub(crate::ui::accounts::SCROLL)
            } else {
                (*column + crate::ui::accounts::SCROLL).min(controls.saturating_sub(1))
            };
        }
        _ => view.message = Some("< and > scroll the Accounts view's columns (4)".into()),
    }
}

/// Esc clears the screen's filter first (a control's, the Changes view's, the focused pane's),
/// then goes back.
fn back(view: &mut View) {
    let cleared = match &view.screen {
        Screen::Control { .. } => view.detail_filter.take().is_some(),
        Screen::Changes { .. } => view.changes_filter.take().is_some(),
        Screen::Overview => view.filters[view.focus.index()].take().is_some(),
        _ => false,
    };
    if cleared {
        view.message = Some("filter cleared".into());
    } else {
        view.screen = view.back.pop().unwrap_or(Screen::Overview);
    }
}

/// The presenter's keys, where a story plays.
fn presenter(view: &mut View, action: Action) -> Vec<Command> {
    if view.story.is_none() {
        view.message = Some("no story is playing: the presenter's keys work in vigil demo".into());
        return Vec::new();
    }
    vec![Command::Presenter(match action {
        Action::Pause => Presenter::Pause,
        Action::NextStep => Presenter::Next,
        Action::PrevStep => Presenter::Previous,
        Action::Restart => Presenter::Restart,
        Action::Faster => Presenter::Faster,
        _ => Presenter::Slower,
    })]
}

/// Every account, then each in turn, then every account again.
fn next_account(view: &mut View, posture: &Posture) -> Vec<Command> {
    let accounts = posture.scope().accounts;
    if accounts.len() < 2 {
        view.message = Some("one account only: nothing to narrow to".into());
        return Vec::new();
    }
    let mut within = posture.narrowing().cloned().unwrap_or_default();
    within.account = match within.account.as_ref().and_then(|a| accounts.iter().position(|x| x == a)) {
        None => accounts.first().cloned(),
        Some(i) => accounts.get(i + 1).cloned(),
    };
    vec![Command::Narrow(within)]
}

/// The narration takes the moving keys while it is open (up goes to earlier steps); the
/// presenter's other keys go on working under it. True when it took this one.
fn narration_key(view: &mut View, action: Action) -> bool {
    let Some(story) = &mut view.story else { return false };
    if !story.history {
        return false;
    }
    let back = &mut story.history_back;
    match action {
        Action::Back | Action::Narration => {
            story.history = false;
            true
        }
        Action::Up => {
            *back += 1;
            true
        }
        Action::Down => {
            *back = back.saturating_sub(1);
            true
        }
        Action::PageUp => {
            *back += PAGE;
            true
        }
        Action::PageDown => {
            *back = back.saturating_sub(PAGE);
            true
        }
        // Render clamps it to the first line.
        Action::Top => {
            *back = usize::MAX / 2;
            true
        }
        Action::Bottom => {
            *back = 0;
            true
        }
        _ => false,
    }
}

const READ_ONLY: &str = "read-only: start vigil with --write to make corrective actions";

/// What the status line says of a write as it goes: what AWS answered, never more.
pub fn write_outcome(write: &Write, state: &crate::model::WriteState) -> String {
    use crate::model::{ExecutionState, WriteState};
    let op = write.operation();
    match state {
        WriteState::Sent => format!("sent {op}: waiting for AWS's answer"),
        WriteState::Failed { reason } => format!("refused: {op}: {reason}"),
        WriteState::Accepted { execution: Some(ExecutionState::Failed), detail } => {
            format!("the remediation FAILED: {}", detail.as_deref().unwrap_or("see the resource's remediation history"))
        }
        WriteState::Accepted { execution: Some(ExecutionState::Queued), .. } => {
            format!("AWS accepted {op}: the remediation is QUEUED (followed until it ends)")
        }
        WriteState::Accepted { execution: Some(x), .. } => format!("the remediation is {x}: {}", write.target()),
        WriteState::Accepted { execution: None, detail } => {
            format!("AWS accepted {op}{}", detail.as_deref().map_or(String::new(), |d| format!(": {d}")))
        }
    }
}

/// The lookup of the view on screen, when it shows what a write changed: the write's own
/// subject, or a resource whose findings include the finding it changed.
pub fn reread(screen: &Screen, posture: &Posture, write: &Write) -> Option<Request> {
    match (screen, write.subject()) {
        (Screen::Finding { id, .. }, Subject::Finding(f)) if *id == f => Some(finding_lookup(id)),
        (Screen::Resource { id, .. }, Subject::Resource(r)) if *id == r => Some(resource_lookup(posture, id)),
        (Screen::Resource { id, .. }, Subject::Finding(f)) => {
            let held = posture.resource(id).is_some_and(|e| e.findings.contains(&f));
            let looked_up = matches!(
                posture.lookup(&Subject::Resource(id.clone()), Section::Findings).and_then(|s| s.data()),
                Some(SectionData::Findings(list)) if list.iter().any(|d| d.finding.id == f)
            );
            (held || looked_up).then(|| resource_lookup(posture, id))
        }
        _ => None,
    }
}

/// `x`: the confirmation of the remediation the row (or the resource's only one) names.
fn remediate(view: &mut View, posture: &Posture) {
    let Screen::Resource { id, cursor } = &view.screen else {
        view.message = Some("x starts a remediation from a resource's view: open the resource (Enter)".into());
        return;
    };
    let act = ResourceView::outline(posture, id, view.write).act(*cursor, true);
    match (view.write, act) {
        (false, _) => view.message = Some(READ_ONLY.into()),
        (true, Some(Act::Remediate { rule, document })) => {
            // A call AWS would refuse is not offered: say why, send nothing.
            if let Some(why) = cannot_remediate(posture, id, &rule) {
                view.message = Some(format!("nothing sent: {why}"));
                return;
            }
            let write = Write::StartRemediation { rule, resource: id.clone(), document };
            view.dialog = Some(Dialog::Confirm { write, confirm_focused: false });
        }
        (true, _) => {
            view.message = Some("no remediation to start here: move to a failing rule's remediation row".into());
        }
    }
}

/// Why Config cannot start `rule`'s remediation for this resource, if it cannot: the type is not
/// one Config records (StartRemediationExecution's ResourceKey takes only those), no remediation
/// is configured for the rule, or the remediation is for another resource type.
pub fn cannot_remediate(posture: &Posture, id: &ResourceId, rule: &Sym) -> Option<String> {
    if !crate::model::config_types::recorded(&id.kind) {
        return Some(format!(
            "Config cannot remediate {}: StartRemediationExecution takes only the resource types Config records, and {} is not one",
            id.short_name(),
            id.kind
        ));
    }
    let key = crate::model::RuleKey::new(rule, &id.account, &id.region);
    match posture.remediation_config(&key) {
        None if posture.rule(&key).is_some_and(|r| r.unread.contains(crate::model::Part::RemediationConfigs)) => None,
        None => Some(format!("no remediation is configured for {rule}")),
        Some(rc) => match &rc.resource_type {
            Some(kind) if *kind != id.kind => {
                Some(format!("the remediation of {rule} ({}) is for {kind}, not {}", rc.target, id.kind))
            }
            _ => None,
        },
    }
}

/// `w`: the workflow dialog for the finding on screen (or under the cursor).
fn triage(view: &mut View, posture: &Posture) {
    let act = match &view.screen {
        Screen::Finding { id, .. } => FindingView::new(posture, id, ROW_WIDTH, view.write).triage(),
        Screen::Resource { id, cursor } => ResourceView::outline(posture, id, view.write).act(*cursor, false),
        _ => None,
    };
    match (view.write, act) {
        (false, _) => view.message = Some(READ_ONLY.into()),
        (true, Some(Act::Triage { finding, product_arn })) => {
            // The first choice is a change: NOTIFIED for a new finding, else RESOLVED.
            let status = match posture.finding(&finding).map(|f| f.workflow) {
                Some(WorkflowStatus::New) | None => WorkflowStatus::Notified,
                _ => WorkflowStatus::Resolved,
            };
            view.dialog = Some(Dialog::Workflow { finding, product_arn, status, note: String::new() });
        }
        (true, _) => {
            view.message = Some("w changes a finding: open the finding (Enter) and wait for it to load".into());
        }
    }
}

/// The statuses `w` offers, in the order Tab goes through them.
const WORKFLOW_CHOICES: [WorkflowStatus; 4] =
    [WorkflowStatus::Notified, WorkflowStatus::Resolved, WorkflowStatus::Suppressed, WorkflowStatus::New];

/// BatchUpdateFindings' limit on a note.
const NOTE_MAX: usize = 512;

/// Rows and targets do not depend on the time.
const EPOCH: jiff::Timestamp = jiff::Timestamp::UNIX_EPOCH;

/// Sets the filter being typed: the open control's, or the focused pane's. The cursor goes to
/// the first row kept.
fn set_filter(view: &mut View, posture: &Posture, filter: Option<Filter>) {
    match &mut view.screen {
        Screen::Changes { cursor } => {
            *cursor = 0;
            view.changes_filter = filter;
        }
        Screen::Control { index, cursor } => {
            let narrow = Narrow { filter: filter.as_ref(), min_severity: view.min_severity, sort: view.sort };
            let detail = ControlDetail::filtered(posture, *index, ROW_WIDTH, EPOCH, narrow);
            *cursor = detail.first_target();
            view.detail_filter = filter;
        }
        _ => {
            let pane = view.focus.index();
            view.selected[pane] = 0;
            view.filters[pane] = filter;
            // The search's matches change with the text: none is chosen.
            view.search_match = None;
        }
    }
}

/// The editing keys of a line being typed (the command line, a filter), as readline has them:
/// ← → (Ctrl-B Ctrl-F), Home End (Ctrl-A Ctrl-E), Backspace (Ctrl-H), Delete, Ctrl-U, Ctrl-K,
/// Ctrl-W, and characters. `None` for any other key, which the line swallows: a key typed there
/// never reaches an action.
fn line_edit(key: &KeyEvent) -> Option<Edit> {
    // AltGr arrives as Ctrl+Alt on some terminals: its characters are typed.
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL) && !key.modifiers.contains(KeyModifiers::ALT);
    Some(match key.code {
        KeyCode::Left => Edit::Left,
        KeyCode::Right => Edit::Right,
        KeyCode::Home => Edit::Start,
        KeyCode::End => Edit::End,
        KeyCode::Backspace => Edit::Backspace,
        KeyCode::Delete => Edit::Delete,
        KeyCode::Char(c) if ctrl => match c.to_ascii_lowercase() {
            'a' => Edit::Start,
            'e' => Edit::End,
            'b' => Edit::Left,
            'f' => Edit::Right,
            'h' => Edit::Backspace,
            'u' => Edit::KillToStart,
            'k' => Edit::KillToEnd,
            'w' => Edit::KillWord,
            _ => return None,
        },
        KeyCode::Char(c) if !c.is_control() => Edit::Insert(c),
        _ => return None,
    })
}

/// Ctrl-C quits from a line being typed, as it does from a dialog.
fn ctrl_c(key: &KeyEvent) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && matches!(key.code, KeyCode::Char('c' | 'C'))
}

/// Keys while a filter is typed: it edits as the command line does and filters at once; Enter
/// keeps it, Esc clears it.
fn typing(view: &mut View, posture: &Posture, key: &KeyEvent) -> Option<Vec<Command>> {
    let input = view.typing.as_mut()?;
    match key.code {
        _ if ctrl_c(key) => {
            view.quit = true;
            return Some(vec![Command::Quit]);
        }
        KeyCode::Enter => {
            // On the overview, the search's match highlighted opens; else the filter is kept.
            let chosen = crate::ui::search::chosen(view, posture);
            view.typing = None;
            view.search_match = None;
            return Some(chosen.map_or_else(Vec::new, |target| open(view, posture, target)));
        }
        // On the overview, ↓ ↑ choose among the search's matches.
        KeyCode::Down | KeyCode::Up if view.screen == Screen::Overview => {
            view.search_match = crate::ui::search::step(view, posture, key.code == KeyCode::Down);
            return Some(Vec::new());
        }
        KeyCode::Esc => {
            view.typing = None;
            set_filter(view, posture, None);
            view.message = Some("filter cleared".into());
            return Some(Vec::new());
        }
        _ => match line_edit(key) {
            Some(edit) if input.edit(edit) => {}
            // A move, or nothing: the filter stays as it is.
            _ => return Some(Vec::new()),
        },
    }
    let text = input.text().to_string();
    let filter = if text.is_empty() {
        None
    } else {
        match Filter::parse(&text) {
            Ok(f) => {
                view.message = None;
                Some(f)
            }
            Err(e) => {
                // A regular expression half typed: everything shows until it compiles.
                view.message = Some(e);
                None
            }
        }
    };
    set_filter(view, posture, filter);
    Some(Vec::new())
}

/// Keys while the command line is open: Tab completes, Up and Down go through the history,
/// Enter runs the line, Esc closes it; the rest edit it (`line_edit`). Backspace on an empty
/// line does nothing, so that what is typed next cannot run an action.
fn command_key(view: &mut View, posture: &Posture, key: &KeyEvent) -> Option<Vec<Command>> {
    let line = view.command.as_mut()?;
    match key.code {
        _ if ctrl_c(key) => {
            view.quit = true;
            return Some(vec![Command::Quit]);
        }
        KeyCode::Esc => view.command = None,
        KeyCode::Tab => line.complete(&posture.scope()),
        KeyCode::Up => line.recall(&view.history, true),
        KeyCode::Down => line.recall(&view.history, false),
        KeyCode::Enter => {
            let text = line.text().to_string();
            view.command = None;
            command_line::remember(&mut view.history, &text);
            return Some(match command_line::parse(&text) {
                Ok(cmd) => run_command(view, posture, cmd),
                Err(e) => {
                    view.message = Some(e);
                    Vec::new()
                }
            });
        }
        _ => {
            if let Some(edit) = line_edit(key) {
                line.edit(edit);
            }
        }
    }
    Some(Vec::new())
}

/// Carries out a command line. Pure, as `update` is.
pub fn run_command(view: &mut View, posture: &Posture, cmd: Cmd) -> Vec<Command> {
    match cmd {
        Cmd::Pane(kind) => {
            view.focus = kind;
            view.screen = Screen::Overview;
            view.back.clear();
        }
        Cmd::Severity(min) => {
            view.min_severity = min;
            view.message = Some(match min {
                Some(s) => format!("findings below {} hidden (:severity all shows them)", s.as_str()),
                None => "every finding shown".into(),
            });
            if let Screen::Control { index, cursor } = &mut view.screen {
                let narrow = Narrow { filter: view.detail_filter.as_ref(), min_severity: min, sort: view.sort };
                *cursor = ControlDetail::filtered(posture, *index, ROW_WIDTH, EPOCH, narrow).first_target();
            }
        }
        Cmd::Sort(sort) => {
            // Each pane's cursor stays on the control it was on.
            let on: Vec<Option<usize>> = ControlKind::ALL
                .iter()
                .map(|&k| visible_pane(posture, view, k).get(view.selected[k.index()]).copied())
                .collect();
            view.sort = sort;
            for (k, control) in ControlKind::ALL.iter().zip(on) {
                if let Some(row) = control.and_then(|c| visible_pane(posture, view, *k).iter().position(|&i| i == c)) {
                    view.selected[k.index()] = row;
                }
            }
            if let Screen::Control { index, cursor } = &mut view.screen {
                let narrow = Narrow { filter: view.detail_filter.as_ref(), min_severity: view.min_severity, sort };
                *cursor = ControlDetail::filtered(posture, *index, ROW_WIDTH, EPOCH, narrow).first_target();
            }
            view.message = Some(
                match sort {
                    crate::ui::Sort::Count => "sorted by count: the most failing first",
                    crate::ui::Sort::Age => "sorted by age: the longest failing first",
                    crate::ui::Sort::Id => "sorted by id: as the catalog lists them",
                }
                .into(),
            );
        }
        Cmd::Status(min) => {
            view.min_status = min;
            view.selected = [0; ControlKind::COUNT];
            view.message = Some(match min {
                Some(l) => format!("controls at {} or worse shown (:status all shows every one)", l.label()),
                None => "every control shown".into(),
            });
        }
        Cmd::Theme(name) => return vec![Command::SetTheme(name)],
        Cmd::Account(account) => {
            let mut within = posture.narrowing().cloned().unwrap_or_default();
            within.account = account;
            return vec![Command::Narrow(within)];
        }
        Cmd::Region(region) => {
            let mut within = posture.narrowing().cloned().unwrap_or_default();
            within.region = region;
            return vec![Command::Narrow(within)];
        }
        Cmd::Export { format, path } => return vec![Command::Export { format, path }],
        Cmd::Freeze => return vec![Command::ToggleFreeze],
        Cmd::Refresh => return update(view, posture, Action::Refresh),
        Cmd::Changes => open_changes(view, posture),
        Cmd::Sources => {
            if !matches!(view.screen, Screen::Sources { .. }) {
                view.back.push(view.screen.clone());
                view.screen = Screen::Sources { scroll: 0 };
            }
        }
        Cmd::Help => {
            view.help = true;
            view.help_scroll = 0;
        }
        Cmd::Quit => return update(view, posture, Action::Quit),
    }
    Vec::new()
}

/// Keys while a dialog is open or a filter is typed: they take every key (`None` otherwise).
/// In a confirmation Cancel has the focus; only `y`, or Enter on Confirm, makes the write.
pub fn update_key(view: &mut View, posture: &Posture, key: &KeyEvent) -> Option<Vec<Command>> {
    if key.kind == KeyEventKind::Release {
        return (view.dialog.is_some() || view.typing.is_some() || view.command.is_some()).then(Vec::new);
    }
    if view.typing.is_some() {
        return typing(view, posture, key);
    }
    if view.command.is_some() {
        return command_key(view, posture, key);
    }
    let dialog = view.dialog.as_mut()?;
    if key.kind == KeyEventKind::Release {
        return Some(Vec::new());
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        view.quit = true;
        return Some(vec![Command::Quit]);
    }
    match dialog {
        Dialog::Workflow { finding, product_arn, status, note } => match key.code {
            KeyCode::Esc => {
                view.dialog = None;
                view.message = Some("cancelled: nothing was sent".into());
            }
            KeyCode::Tab | KeyCode::Right | KeyCode::BackTab | KeyCode::Left => {
                let i = WORKFLOW_CHOICES.iter().position(|s| s == status).unwrap_or(0);
                let step =
                    if matches!(key.code, KeyCode::Tab | KeyCode::Right) { 1 } else { WORKFLOW_CHOICES.len() - 1 };
                *status = WORKFLOW_CHOICES[(i + step) % WORKFLOW_CHOICES.len()];
            }
            KeyCode::Backspace => {
                note.pop();
            }
            KeyCode::Char(c) if !c.is_control() && note.chars().count() < NOTE_MAX => note.push(c),
            KeyCode::Enter => {
                // Where the finding is (BatchUpdateFindingsV2 names it by its account and product),
                // as its view read it, else as the store holds it.
                let subject = Subject::Finding(finding.clone());
                let held = match posture.lookup(&subject, Section::Detail).and_then(|s| s.data()) {
                    Some(SectionData::Detail(d)) => Some(&d.finding),
                    _ => posture.finding(finding),
                };
                let (account, region, product) = match held {
                    Some(f) => (f.account.clone(), f.region.clone(), f.product.clone()),
                    None => (Sym::from(""), Sym::from(""), Sym::from("")),
                };
                let new_hub_only = held.is_some_and(|f| f.class == Some(crate::model::FindingClass::Exposure));
                let write = Write::SetWorkflow {
                    finding: finding.clone(),
                    product_arn: product_arn.clone(),
                    account,
                    region,
                    product,
                    status: *status,
                    note: note.trim().to_string(),
                    new_hub_only,
                };
                view.dialog = Some(Dialog::Confirm { write, confirm_focused: false });
            }
            _ => {}
        },
        Dialog::Confirm { write, confirm_focused } => {
            let confirmed = match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => true,
                KeyCode::Enter => *confirm_focused,
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => false,
                KeyCode::Tab | KeyCode::BackTab | KeyCode::Left | KeyCode::Right => {
                    *confirm_focused = !*confirm_focused;
                    return Some(Vec::new());
                }
                _ => return Some(Vec::new()),
            };
            let write = write.clone();
            view.dialog = None;
            if !confirmed {
                view.message = Some("cancelled: nothing was sent".into());
                return Some(Vec::new());
            }
            // What AWS answers is said when it answers (`write_outcome`), not before.
            view.message = Some(format!("sending {}: {}", write.operation(), write.target()));
            return Some(vec![Command::Request(Request::Write(write))]);
        }
    }
    Some(Vec::new())
}

fn moved(cursor: usize, len: usize, action: Action) -> usize {
    let last = len.saturating_sub(1);
    match action {
        Action::Up => cursor.saturating_sub(1),
        Action::Down => (cursor + 1).min(last),
        Action::PageUp => cursor.saturating_sub(PAGE),
        Action::PageDown => (cursor + PAGE).min(last),
        Action::Top => 0,
        Action::Bottom => last,
        _ => cursor,
    }
    .min(last)
}

/// What the report says it is about, from what the header shows.
pub(super) fn report_subject(banner: &crate::ui::Banner) -> crate::report::Subject {
    match banner {
        crate::ui::Banner::Demo { .. } => crate::report::Subject { demo: true, ..Default::default() },
        crate::ui::Banner::Live { profile, region, account } => crate::report::Subject {
            account: account.clone(),
            region: Some(region.clone()),
            profile: profile.clone(),
            ..Default::default()
        },
        crate::ui::Banner::Replay { file, profile, region, account } => crate::report::Subject {
            account: account.clone(),
            region: region.clone(),
            profile: profile.clone(),
            recording: Some(file.clone()),
            ..Default::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::ui::Banner;

    fn setup() -> (View, Posture) {
        (View::new(Banner::Demo { title: "t".into() }), Posture::new(Catalog::default_catalog()))
    }

    #[test]
    fn panes_switch_with_numbers_and_tab() {
        let (mut v, p) = setup();
        update(&mut v, &p, Action::Corrective);
        assert_eq!(v.focus, ControlKind::Corrective);
        update(&mut v, &p, Action::NextPane);
        assert_eq!(v.focus, ControlKind::Preventive);
        update(&mut v, &p, Action::PrevPane);
        assert_eq!(v.focus, ControlKind::Corrective);
    }

    #[test]
    fn moving_stays_inside_the_pane() {
        let (mut v, p) = setup();
        update(&mut v, &p, Action::Up);
        assert_eq!(v.selected[0], 0);
        update(&mut v, &p, Action::Bottom);
        assert_eq!(v.selected[0], p.pane(ControlKind::Preventive).len() - 1);
        update(&mut v, &p, Action::Down);
        assert_eq!(v.selected[0], p.pane(ControlKind::Preventive).len() - 1);
    }

    #[test]
    fn enter_drills_in_and_esc_comes_back() {
        let (mut v, p) = setup();
        update(&mut v, &p, Action::Down);
        update(&mut v, &p, Action::Enter);
        assert!(matches!(v.screen, Screen::Control { index: 1, .. }));
        update(&mut v, &p, Action::Back);
        assert_eq!(v.screen, Screen::Overview);
        assert_eq!(v.selected[0], 1, "the selection is kept");
    }

    #[test]
    fn help_swallows_keys_until_closed_but_quit_still_quits() {
        let (mut v, p) = setup();
        update(&mut v, &p, Action::Help);
        update(&mut v, &p, Action::Down);
        assert_eq!(v.selected[0], 0);
        update(&mut v, &p, Action::Back);
        assert!(!v.help);
        update(&mut v, &p, Action::Help);
        assert_eq!(update(&mut v, &p, Action::Quit), vec![Command::Quit]);
    }

    /// Presses a key with modifiers, in whatever takes it (`None`: nothing did).
    fn press(v: &mut View, p: &Posture, code: KeyCode, modifiers: KeyModifiers) -> Option<Vec<Command>> {
        update_key(v, p, &KeyEvent::new(code, modifiers))
    }

    fn keys(v: &mut View, p: &Posture, text: &str) {
        for c in text.chars() {
            assert_eq!(press(v, p, KeyCode::Char(c), KeyModifiers::NONE), Some(Vec::new()), "{c} taken");
        }
    }

    fn ctrl(v: &mut View, p: &Posture, c: char) -> Option<Vec<Command>> {
        press(v, p, KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    /// The command line's text, and its cursor shown as `|`.
    fn line(v: &View) -> String {
        let (before, after) = v.command.as_ref().expect("the line is open").input().split();
        format!("{before}|{after}")
    }

    #[test]
    fn the_command_line_edits_as_readline_does() {
        let (mut v, p) = setup();
        update(&mut v, &p, Action::Command);
        keys(&mut v, &p, "pne det");
        assert_eq!(line(&v), "pne det|");
        for _ in 0..6 {
            press(&mut v, &p, KeyCode::Left, KeyModifiers::NONE);
        }
        keys(&mut v, &p, "a");
        assert_eq!(line(&v), "pa|ne det");
        press(&mut v, &p, KeyCode::Right, KeyModifiers::NONE);
        assert_eq!(line(&v), "pan|e det");
        ctrl(&mut v, &p, 'a');
        assert_eq!(line(&v), "|pane det");
        ctrl(&mut v, &p, 'e');
        assert_eq!(line(&v), "pane det|");
        press(&mut v, &p, KeyCode::Home, KeyModifiers::NONE);
        press(&mut v, &p, KeyCode::Delete, KeyModifiers::NONE);
        assert_eq!(line(&v), "|ane det");
        press(&mut v, &p, KeyCode::End, KeyModifiers::NONE);
        ctrl(&mut v, &p, 'w');
        assert_eq!(line(&v), "ane |");
        keys(&mut v, &p, "x y");
        press(&mut v, &p, KeyCode::Left, KeyModifiers::NONE);
        ctrl(&mut v, &p, 'k');
        assert_eq!(line(&v), "ane x |");
        ctrl(&mut v, &p, 'u');
        assert_eq!(line(&v), "|");
        // Another Ctrl key types nothing and does nothing; Alt-less characters type.
        assert_eq!(ctrl(&mut v, &p, 'x'), Some(Vec::new()));
        assert_eq!(line(&v), "|");
        // Backspace on the empty line leaves it open: the `q` typed next is text, not quit.
        assert_eq!(press(&mut v, &p, KeyCode::Backspace, KeyModifiers::NONE), Some(Vec::new()));
        assert!(v.command.is_some(), "Backspace on an empty line does not close it");
        keys(&mut v, &p, "q");
        assert!(!v.quit);
        assert_eq!(line(&v), "q|");
        press(&mut v, &p, KeyCode::Backspace, KeyModifiers::NONE);
        // Esc closes it, and nothing ran.
        press(&mut v, &p, KeyCode::Esc, KeyModifiers::NONE);
        assert!(v.command.is_none() && !v.quit && v.history.is_empty());
        // An edited line runs as it reads.
        update(&mut v, &p, Action::Command);
        keys(&mut v, &p, "pane prev");
        ctrl(&mut v, &p, 'w');
        keys(&mut v, &p, "cor");
        assert_eq!(press(&mut v, &p, KeyCode::Enter, KeyModifiers::NONE), Some(Vec::new()));
        assert_eq!(v.focus, ControlKind::Corrective);
        assert_eq!(v.history, ["pane cor"]);
        // Ctrl-C quits from the line, as from a dialog.
        update(&mut v, &p, Action::Command);
        assert_eq!(ctrl(&mut v, &p, 'c'), Some(vec![Command::Quit]));
    }

    #[test]
    fn a_filter_being_typed_edits_the_same_way_and_filters_at_once() {
        let (mut v, p) = setup();
        update(&mut v, &p, Action::Filter);
        keys(&mut v, &p, "notebk");
        press(&mut v, &p, KeyCode::Left, KeyModifiers::NONE);
        keys(&mut v, &p, "oo");
        let input = v.typing.as_ref().unwrap();
        assert_eq!(input.split(), ("noteboo", "k"));
        assert_eq!(v.filters[0].as_ref().map(|f| f.text().to_string()).as_deref(), Some("notebook"));
        ctrl(&mut v, &p, 'e');
        ctrl(&mut v, &p, 'w');
        assert_eq!(v.typing.as_ref().unwrap().text(), "");
        assert!(v.filters[0].is_none(), "an emptied filter shows everything");
        keys(&mut v, &p, "bucket");
        ctrl(&mut v, &p, 'a');
        keys(&mut v, &p, "!");
        assert_eq!(v.filters[0].as_ref().unwrap().text(), "!bucket");
        // Backspace at the start, or on nothing, leaves the filter open and as it is.
        press(&mut v, &p, KeyCode::Home, KeyModifiers::NONE);
        press(&mut v, &p, KeyCode::Backspace, KeyModifiers::NONE);
        assert_eq!(v.filters[0].as_ref().unwrap().text(), "!bucket");
        ctrl(&mut v, &p, 'k');
        press(&mut v, &p, KeyCode::Backspace, KeyModifiers::NONE);
        assert!(v.typing.is_some() && !v.quit);
        press(&mut v, &p, KeyCode::Esc, KeyModifiers::NONE);
        assert!(v.typing.is_none() && v.filters[0].is_none());
    }
}
