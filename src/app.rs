//! The app: a pure `update` that turns actions into view changes and commands, and the loop
//! that feeds it terminal input, source messages and ticks.

use std::path::PathBuf;
use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;

use crate::keymap::{Action, Keymap};
use crate::links;
use crate::model::{
    Answer, ControlKind, Request, ResourceId, Section, SectionData, Subject, Sym, WorkflowStatus, Write,
};
use crate::report::Format;
use crate::sources::{self, Clock, Message, Responder, Sink, Source};
use crate::store::Posture;
use crate::theme::Theme;
use crate::ui::command_line::{self, Cmd, CommandLine, Edit};
use crate::ui::detail::{ControlDetail, Narrow, Target};
use crate::ui::filter::{Filter, visible_pane};
use crate::ui::finding::FindingView;
use crate::ui::resource::{Act, ResourceView};
use crate::ui::{self, Dialog, RenderContext, Screen, View};

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
    if let Some(story) = &mut view.story
        && story.history
    {
        // The narration takes the moving keys while it is open (up goes to earlier steps); the
        // presenter's other keys go on working under it.
        let back = &mut story.history_back;
        let handled = match action {
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
        };
        if handled {
            return Vec::new();
        }
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
                return Vec::new();
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
        Action::ScrollLeft | Action::ScrollRight => match &mut view.screen {
            Screen::Accounts { column, .. } => {
                let controls = posture.catalog().controls.len();
                *column = if action == Action::ScrollLeft {
                    column.saturating_sub(crate::ui::accounts::SCROLL)
                } else {
                    (*column + crate::ui::accounts::SCROLL).min(controls.saturating_sub(1))
                };
            }
            _ => view.message = Some("< and > scroll the Accounts view's columns (4)".into()),
        },
        // Esc clears a filter before it leaves the screen.
        Action::Back if matches!(view.screen, Screen::Control { .. }) && view.detail_filter.is_some() => {
            view.detail_filter = None;
            view.message = Some("filter cleared".into());
        }
        // Esc on the Changes view clears its filter first.
        Action::Back if matches!(view.screen, Screen::Changes { .. }) && view.changes_filter.is_some() => {
            view.changes_filter = None;
            view.message = Some("filter cleared".into());
        }
        // Esc on the overview clears the focused pane's filter.
        Action::Back if view.screen == Screen::Overview && view.filters[view.focus.index()].is_some() => {
            view.filters[view.focus.index()] = None;
            view.message = Some("filter cleared".into());
        }
        Action::Back => view.screen = view.back.pop().unwrap_or(Screen::Overview),
        Action::Filter if view.screen == Screen::Overview => {
            let text = view.filters[view.focus.index()].as_ref().map_or_else(String::new, |f| f.text().to_string());
            view.typing = Some(text.into());
        }
        Action::Filter if matches!(view.screen, Screen::Changes { .. }) => {
            view.typing = Some(view.changes_filter.as_ref().map_or_else(String::new, |f| f.text().to_string()).into());
        }
        Action::Filter if matches!(view.screen, Screen::Control { .. }) => {
            view.typing = Some(view.detail_filter.as_ref().map_or_else(String::new, |f| f.text().to_string()).into());
        }
        Action::Filter => {
            view.message = Some("/ filters a pane or a control's resources and findings".into());
        }
        Action::Freeze => return vec![Command::ToggleFreeze],
        Action::Command => view.command = Some(CommandLine::default()),
        Action::Export => return vec![Command::ExportView],
        Action::Pause | Action::NextStep | Action::PrevStep | Action::Restart | Action::Faster | Action::Slower => {
            if view.story.is_none() {
                view.message = Some("no story is playing: the presenter's keys work in vigil demo".into());
                return Vec::new();
            }
            return vec![Command::Presenter(match action {
                Action::Pause => Presenter::Pause,
                Action::NextStep => Presenter::Next,
                Action::PrevStep => Presenter::Previous,
                Action::Restart => Presenter::Restart,
                Action::Faster => Presenter::Faster,
                _ => Presenter::Slower,
            })];
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
        Action::NextAccount => {
            // Every account, then each in turn, then every account again.
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
            return vec![Command::Narrow(within)];
        }
        Action::Remediate => remediate(view, posture),
        Action::Workflow => triage(view, posture),
        Action::CopyId => match identifier(view, posture) {
            Some(id) => {
                view.message = Some(format!("copied {id}"));
                return vec![Command::Copy(id)];
            }
            None => view.message = Some("no identifier here: open a resource or a finding".into()),
        },
        Action::CopyLink | Action::OpenLink => match link(view, posture) {
            Some(url) if action == Action::CopyLink => {
                view.message = Some(format!("copied {url}"));
                return vec![Command::Copy(url)];
            }
            Some(url) => {
                view.message = Some(format!("opening {url}"));
                return vec![Command::Open(url)];
            }
            None => view.message = Some("no console link here: open a resource or a finding".into()),
        },
    }
    Vec::new()
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
                Ok(cmd) => run(view, posture, cmd),
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
pub fn run(view: &mut View, posture: &Posture, cmd: Cmd) -> Vec<Command> {
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
                let write = Write::SetWorkflow {
                    finding: finding.clone(),
                    product_arn: product_arn.clone(),
                    status: *status,
                    note: note.trim().to_string(),
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
fn report_subject(banner: &crate::ui::Banner) -> crate::report::Subject {
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

/// `vigil-posture-20261129T201500Z.csv`, in the working directory: the name an export starts
/// from (`write_export` makes it unique).
fn export_name(what: &str, extension: &str, now: jiff::Timestamp) -> PathBuf {
    PathBuf::from(format!("vigil-{what}-{}.{extension}", now.strftime("%Y%m%dT%H%M%SZ")))
}

/// The `n`th name tried for a new export: `name` itself, then `-2`, `-3`, ... before its
/// extension.
fn numbered(name: &std::path::Path, n: u32) -> PathBuf {
    if n < 2 {
        return name.to_path_buf();
    }
    let stem = name.file_stem().map_or_else(Default::default, |s| s.to_string_lossy().into_owned());
    let file = match name.extension() {
        Some(ext) => format!("{stem}-{n}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{n}"),
    };
    name.with_file_name(file)
}

/// Opens an export for writing, owner only (0600: it holds the account's posture, as a
/// recording does). A file the user named is written over if it is there (its mode kept);
/// otherwise the first of `fresh`, `fresh-2`, ... that does not exist is created, atomically
/// (`create_new`: a second export in the same second, or another process, cannot be written
/// over).
fn create_export(
    named: Option<&std::path::Path>,
    fresh: &std::path::Path,
) -> std::io::Result<(std::fs::File, PathBuf)> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).mode(0o600);
    if let Some(path) = named {
        return Ok((options.create(true).truncate(true).open(path)?, path.to_path_buf()));
    }
    options.create_new(true);
    for n in 1..=1000 {
        let path = numbered(fresh, n);
        match options.open(&path) {
            Ok(file) => return Ok((file, path)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(std::io::ErrorKind::AlreadyExists, "1000 exports of that second are there already"))
}

/// Writes an export to the file the user named, or to a new file named after `fresh`; the flash
/// line's text says where, or why not.
fn write_export(named: Option<&std::path::Path>, fresh: &std::path::Path, text: &str) -> String {
    use std::io::Write as _;
    let shown = named.unwrap_or(fresh);
    let written = create_export(named, fresh).and_then(|(mut file, path)| {
        file.write_all(text.as_bytes())?;
        Ok(path)
    });
    match written {
        Ok(path) => {
            let shown = std::path::absolute(&path).unwrap_or(path);
            tracing::info!(path = %shown.display(), "exported");
            format!("exported to {}", shown.display())
        }
        Err(e) => format!("could not write {}: {e}", shown.display()),
    }
}

/// How the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Quit,
    /// A signal asked vigil to stop (its number).
    Signal(i32),
}

/// The shortest time between two frames: about 30 frames a second at most.
const FRAME: Duration = Duration::from_millis(33);

/// Everything the loop runs with.
pub struct App {
    pub posture: Posture,
    pub view: View,
    pub theme: Theme,
    pub keymap: Keymap,
    pub clock: Clock,
    /// Answers lookups and makes confirmed writes; `None` where nothing can be looked up.
    pub responder: Option<std::sync::Arc<dyn Responder>>,
    /// The sources' messages that arrived while the view was frozen, in order.
    pub waiting: Vec<Message>,
    /// The story's clock and controls, when a story plays (the demo).
    pub playback: Option<crate::sources::demo::Playback>,
    /// The sources' feeds, registered again when a story rebuilds the store.
    pub feeds: Vec<(crate::sources::SourceKind, Option<Duration>)>,
    /// When the step just played happened (story time), until its changes are selected.
    pub step_played: Option<jiff::Timestamp>,
    /// Where the sources' messages are recorded (`vigil watch --record`).
    pub recorder: Option<crate::recording::Recorder>,
    /// The feed's last change announced and notified (its number).
    pub announced: u64,
    /// Where changes are told beyond the screen (`--notify`, `--notify-command`).
    pub notifier: Option<crate::notify::Notifier>,
    /// Where the store's last complete state is kept for the next start (`watch`).
    pub keeper: Option<SnapshotKeeper>,
}

/// Keeps the store's last complete state as the subject's snapshot: every few minutes once
/// every source has read its data itself, and at exit.
pub struct SnapshotKeeper {
    subject: crate::snapshot::Subject,
    /// The account of the snapshot the store started from, until STS names the account.
    warm_account: Option<String>,
    last: Option<crate::model::Timestamp>,
}

/// How often a snapshot is kept while watching.
const KEEP_EVERY: Duration = Duration::from_secs(5 * 60);

impl SnapshotKeeper {
    pub fn new(subject: crate::snapshot::Subject, warm_account: Option<String>) -> SnapshotKeeper {
        SnapshotKeeper { subject, warm_account, last: None }
    }

    /// STS named the account: `Some(the snapshot's)` when the store started from another's.
    fn account_is(&mut self, id: &str) -> Option<String> {
        self.subject.account = Some(id.to_string());
        self.warm_account.take().filter(|a| a != id)
    }

    /// Whether the store holds a complete state of its own: every source has read in full and
    /// nothing is left of a snapshot.
    fn complete(posture: &Posture) -> bool {
        posture.snapshot_age().is_none()
            && posture.sources().filter(|(_, s)| s.registered).all(|(_, s)| s.last_ok.is_some())
    }

    fn every_few_minutes(&mut self, posture: &Posture, now: crate::model::Timestamp) {
        let due = self.last.is_none_or(|t| now.duration_since(t).unsigned_abs() >= KEEP_EVERY);
        if due && Self::complete(posture) && self.subject.account.is_some() {
            self.last = Some(now);
            let (subject, events, catalog) =
                (self.subject.clone(), posture.export(), posture.catalog().text.to_string());
            // Serialising 100,000 findings is not the UI's work.
            tokio::task::spawn_blocking(move || {
                if let Err(e) = crate::snapshot::write_at(&subject, &catalog, &events, now) {
                    tracing::warn!(error = %e, "cannot keep the snapshot");
                }
            });
        }
    }

    fn keep(&self, posture: &Posture, now: crate::model::Timestamp) {
        if Self::complete(posture)
            && self.subject.account.is_some()
            && let Err(e) = crate::snapshot::write_at(&self.subject, &posture.catalog().text, &posture.export(), now)
        {
            tracing::warn!(error = %e, "cannot keep the snapshot");
        }
    }
}

impl App {
    /// Starts the sources and runs until the user quits or a signal arrives. Draws only when
    /// something changed, at most every [`FRAME`].
    pub async fn run<B: Backend>(
        mut self,
        terminal: &mut Terminal<B>,
        sources: Vec<Box<dyn Source>>,
    ) -> std::io::Result<Exit>
    where
        B::Error: Send + Sync + 'static,
    {
        let exit = self.serve(terminal, sources).await;
        // The last complete state, for the next start.
        if let Some(keeper) = &self.keeper {
            keeper.keep(&self.posture, (self.clock)());
        }
        exit
    }

    async fn serve<B: Backend>(
        &mut self,
        terminal: &mut Terminal<B>,
        sources: Vec<Box<dyn Source>>,
    ) -> std::io::Result<Exit>
    where
        B::Error: Send + Sync + 'static,
    {
        let (tx, mut rx) = mpsc::channel::<Message>(1024);
        let (refresh, refresh_rx) = tokio::sync::watch::channel(0u64);
        for source in sources {
            for (kind, interval) in source.feeds() {
                self.posture.register_source(kind, interval);
                self.feeds.push((kind, interval));
            }
            sources::spawn(source, Sink::new(tx.clone(), self.clock.clone()).with_refresh(refresh_rx.clone()));
        }
        // Answers come back on the same channel as the sources' events.
        let answers = Sink::new(tx, self.clock.clone());

        let mut input = EventStream::new();
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        let mut sighup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
        let mut dirty = true;
        let mut last_draw: Option<tokio::time::Instant> = None;
        let mut sources_open = true;

        loop {
            self.view.now = (self.clock)();
            // What the Changes view shows is seen.
            if matches!(self.view.screen, Screen::Changes { .. }) {
                self.view.changes_seen = self.posture.feed().total();
            }
            // Flash messages fade by the wall clock: a paused story's clock stands still.
            self.view.wall = jiff::Timestamp::now();
            self.view.stamp_message(self.view.wall);
            if let (Some(playback), Some(story)) = (&self.playback, &mut self.view.story) {
                story.paused = playback.paused();
                story.speed = playback.speed();
            }
            let now = tokio::time::Instant::now();
            let due = last_draw.map_or(now, |t| t + FRAME);
            if dirty && now >= due {
                let ctx = RenderContext { theme: &self.theme, keymap: &self.keymap, now: (self.clock)() };
                terminal.draw(|f| ui::render(f, &self.posture, &self.view, &ctx)).map_err(std::io::Error::other)?;
                dirty = false;
                last_draw = Some(now);
            }
            tokio::select! {
                event = input.next() => match event {
                    Some(Ok(Event::Key(key))) => {
                        let commands = match update_key(&mut self.view, &self.posture, &key) {
                            Some(commands) => Some(commands),
                            None => self.keymap.action(&key).map(|a| update(&mut self.view, &self.posture, a)),
                        };
                        if let Some(commands) = commands {
                            for command in commands {
                                if self.execute(command, &refresh, &answers) == Some(Exit::Quit) {
                                    return Ok(Exit::Quit);
                                }
                            }
                            dirty = true;
                        }
                    }
                    Some(Ok(Event::Resize(..))) => dirty = true,
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Err(e),
                    None => return Err(std::io::Error::other("the terminal's input closed")),
                },
                message = rx.recv(), if sources_open => match message {
                    Some(m) => {
                        let mut follow_ups = self.take(m);
                        // Take whatever else is waiting, so a burst costs one frame.
                        while let Ok(m) = rx.try_recv() {
                            follow_ups.extend(self.take(m));
                        }
                        // A step was played: the cursor goes to the control it narrates.
                        if let Some(since) = self.step_played.take()
                            && self.view.story.as_ref().is_some_and(|s| s.follow)
                            && self.view.screen == Screen::Overview
                        {
                            crate::ui::follow_story(&mut self.view, &self.posture, since);
                        }
                        for command in follow_ups {
                            self.execute(command, &refresh, &answers);
                        }
                        self.tell_changes();
                        dirty = true;
                    }
                    None => sources_open = false,
                },
                _ = tick.tick() => {
                    if crate::terminal::hung_up() {
                        tracing::warn!("the terminal hung up");
                        return Ok(Exit::Signal(1));
                    }
                    if let Some(keeper) = &mut self.keeper {
                        keeper.every_few_minutes(&self.posture, (self.clock)());
                    }
                    dirty = true;
                }
                _ = tokio::time::sleep_until(due), if dirty => {}
                _ = sigterm.recv() => return Ok(Exit::Signal(15)),
                _ = sighup.recv() => return Ok(Exit::Signal(1)),
            }
        }
    }

    /// The changes that arrived since the last call: a control turning FAIL is announced on the
    /// status line (`12:03 PRV-02 PASS → FAIL: nb-7`), and the burst is told to the notifier.
    fn tell_changes(&mut self) {
        let feed = self.posture.feed();
        if feed.total() == self.announced {
            return;
        }
        let fresh: Vec<&crate::store::Change> = feed.after(self.announced).collect();
        let turned: Vec<String> =
            fresh.iter().filter_map(|c| crate::ui::changes::announcement(&self.posture, c)).collect();
        match turned.len() {
            0 => {}
            1 => self.view.message = Some(turned[0].clone()),
            n => self.view.message = Some(format!("{} (and {} more turned FAIL: c shows them)", turned[0], n - 1)),
        }
        if let Some(notifier) = &mut self.notifier {
            notifier.tell(&self.posture, &fresh);
        }
        self.announced = feed.total();
    }

    /// Carries out one command of `update`; `Some` when the app must end.
    fn execute(&mut self, command: Command, refresh: &tokio::sync::watch::Sender<u64>, answers: &Sink) -> Option<Exit> {
        match command {
            Command::Quit => return Some(Exit::Quit),
            Command::Refresh => {
                refresh.send_modify(|n| *n += 1);
                self.view.message = Some("refreshing every source now".into());
            }
            Command::Request(request) => {
                let Some(responder) = self.responder.clone() else {
                    self.view.message = Some("nothing to look this up in: no source answers lookups here".into());
                    return None;
                };
                if let Request::Lookup { subject, sections, .. } = &request {
                    self.posture.begin_lookup(subject, sections, (self.clock)());
                }
                tokio::spawn(responder.respond(request, answers.clone()));
            }
            Command::Copy(text) => {
                if let Err(e) = crate::terminal::copy_to_clipboard(&text) {
                    self.view.message = Some(format!("could not copy: {e}"));
                }
            }
            Command::ToggleFreeze => match self.view.frozen.take() {
                Some(_) => {
                    let waited = std::mem::take(&mut self.waiting);
                    let n = waited.len();
                    for m in waited {
                        for c in self.receive(m) {
                            self.execute(c, refresh, answers);
                        }
                    }
                    self.view.message = Some(format!("resumed: {n} updates applied"));
                }
                None => {
                    self.view.frozen = Some(crate::ui::Frozen { since: (self.clock)(), waiting: 0 });
                    self.view.message = Some("frozen: updates wait until f".into());
                }
            },
            Command::Narrow(within) => {
                self.view.message = Some(match (&within.account, &within.region) {
                    (None, None) => "every account and region (a narrows to one account)".to_string(),
                    (a, r) => {
                        let what =
                            [a.as_deref().map(|a| format!("account {a}")), r.as_deref().map(|r| format!("region {r}"))];
                        format!(
                            "narrowed to {} (:account all and :region all widen)",
                            what.into_iter().flatten().collect::<Vec<_>>().join(", ")
                        )
                    }
                });
                self.posture.narrow(within);
                self.view.selected = [0; ControlKind::COUNT];
            }
            Command::SetTheme(spec) => {
                let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
                match Theme::load(&spec, no_color) {
                    Ok(theme) => {
                        self.theme = theme;
                        self.view.message = Some(format!("theme {spec}"));
                    }
                    Err(e) => self.view.message = Some(e.to_string()),
                }
            }
            Command::Export { format, path } => {
                let now = (self.clock)();
                let text = crate::report::render(format, &self.posture, &report_subject(&self.view.banner), now);
                let fresh = export_name("posture", format.extension(), now);
                self.view.message = Some(write_export(path.as_deref(), &fresh, &text));
            }
            Command::ExportView => {
                let now = (self.clock)();
                let ctx = RenderContext { theme: &self.theme, keymap: &self.keymap, now };
                let text = crate::ui::export::view_text(&self.posture, &self.view, &ctx);
                self.view.message = Some(write_export(None, &export_name("view", "txt", now), &text));
            }
            Command::Presenter(p) => {
                use crate::sources::demo::Jump;
                let Some(playback) = &self.playback else { return None };
                self.view.message = Some(match p {
                    Presenter::Pause if playback.toggle_pause() => "paused: space resumes".into(),
                    Presenter::Pause => "playing".into(),
                    Presenter::Faster | Presenter::Slower => {
                        format!("speed {}x", playback.change_speed(p == Presenter::Faster))
                    }
                    Presenter::Next => {
                        playback.jump(Jump::Next);
                        "next step".into()
                    }
                    Presenter::Previous => {
                        playback.jump(Jump::Previous);
                        "back one step: the story is rebuilt from its start".into()
                    }
                    Presenter::Restart => {
                        playback.jump(Jump::Restart);
                        "the story starts again".into()
                    }
                });
            }
            Command::Open(url) => match crate::terminal::open_with_system(&url) {
                Ok(()) => {}
                Err(e) => self.view.message = Some(format!("{e}; the link: {url}")),
            },
        }
        None
    }

    /// A message from the channel: held while the view is frozen (the sources' data and the
    /// narration), else received. Answers the user asked for are never held.
    fn take(&mut self, message: Message) -> Vec<Command> {
        if let Some(recorder) = &self.recorder {
            // As it arrives, frozen or not: a replay shows it at the same moment.
            recorder.record((self.clock)(), &message);
            if let Some(e) = recorder.error() {
                self.view.message = Some(e);
                self.recorder = None;
            }
        }
        if let Some(frozen) = &mut self.view.frozen
            && matches!(message, Message::Event(_) | Message::Step(_) | Message::Reset)
        {
            self.waiting.push(message);
            frozen.waiting = self.waiting.len();
            return Vec::new();
        }
        self.receive(message)
    }

    /// Takes one message; returns what it calls for. News of a write is said on the status line
    /// as AWS answers it; a write that ended has the view that shows its subject read again (its
    /// evaluations, findings and history have moved on).
    fn receive(&mut self, message: Message) -> Vec<Command> {
        let mut follow_ups = Vec::new();
        if let Message::Answer(Answer::Write { write, state, .. }) = &message {
            self.view.message = Some(write_outcome(write, state));
            if state.is_final()
                && let Some(lookup) = reread(&self.view.screen, &self.posture, write)
            {
                follow_ups.push(Command::Request(lookup));
            }
        }
        self.receive_one(message);
        follow_ups
    }

    fn receive_one(&mut self, message: Message) {
        match message {
            Message::Event(event) => {
                if let Err(e) = &event.result {
                    tracing::warn!(source = %event.source, error = %e, "source error");
                }
                self.posture.apply(event);
            }
            Message::Step(step) => {
                tracing::info!(step = step.index + 1, title = %step.title, "story");
                self.view.message = None;
                if let Some(playback) = &self.playback {
                    self.step_played = Some(playback.start() + jiff::SignedDuration::from_secs(step.at as i64));
                }
                self.view.take_step(step);
            }
            Message::Reset => {
                let mut posture = Posture::new(self.posture.catalog().clone());
                posture.set_feed_severity(self.posture.feed_severity());
                for (kind, interval) in &self.feeds {
                    posture.register_source(*kind, *interval);
                }
                // The rebuilt store stays narrowed as the presenter left it.
                if let Some(within) = self.posture.narrowing() {
                    posture.narrow(within.clone());
                }
                self.posture = posture;
                self.view.restart_story();
            }
            Message::Answer(answer) => self.posture.answer(answer),
            Message::Account(id) => {
                // A snapshot of another account (the profile now names another) is not kept on
                // screen: the store starts again from nothing.
                if let Some(keeper) = &mut self.keeper
                    && let Some(other) = keeper.account_is(&id)
                {
                    let mut posture = Posture::new(self.posture.catalog().clone());
                    posture.set_feed_severity(self.posture.feed_severity());
                    for (kind, interval) in &self.feeds {
                        posture.register_source(*kind, *interval);
                    }
                    self.posture = posture;
                    self.view.message = Some(format!("snapshot not used (it is of account {other}, not {id})"));
                }
                if let crate::ui::Banner::Live { account, .. } | crate::ui::Banner::Replay { account, .. } =
                    &mut self.view.banner
                {
                    *account = Some(id);
                }
            }
        }
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

    /// A scratch directory of its own for a test, emptied first.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("vigil-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn exports_never_write_over_one_another_and_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = scratch("exports");
        let now: jiff::Timestamp = "2026-11-29T20:15:00Z".parse().unwrap();
        let fresh = dir.join(export_name("posture", "csv", now));
        assert_eq!(fresh.file_name().unwrap(), "vigil-posture-20261129T201500Z.csv");
        // Three exports in the same second: three files.
        for n in 1..=3 {
            let said = write_export(None, &fresh, &format!("export {n}"));
            let path = numbered(&fresh, n);
            assert_eq!(said, format!("exported to {}", path.display()));
            assert_eq!(std::fs::read_to_string(&path).unwrap(), format!("export {n}"));
        }
        assert_eq!(numbered(&fresh, 2).file_name().unwrap(), "vigil-posture-20261129T201500Z-2.csv");
        assert_eq!(numbered(&dir.join("plain"), 3).file_name().unwrap(), "plain-3");
        assert_eq!(std::fs::read_to_string(&fresh).unwrap(), "export 1", "the first was not written over");
        for n in 1..=3 {
            let mode = std::fs::metadata(numbered(&fresh, n)).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "owner only, as a recording");
        }
        // A file the user names is written (over what was there, as asked), private if new.
        let named = dir.join("mine.csv");
        write_export(Some(&named), &fresh, "one");
        assert_eq!(std::fs::metadata(&named).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(write_export(Some(&named), &fresh, "two"), format!("exported to {}", named.display()));
        assert_eq!(std::fs::read_to_string(&named).unwrap(), "two");
        assert!(!numbered(&fresh, 4).exists(), "a named export takes no fresh name");
        // Where nothing can be written, the line says so.
        let nowhere = dir.join("no/such/dir/x.csv");
        assert!(write_export(Some(&nowhere), &fresh, "x").starts_with("could not write"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
