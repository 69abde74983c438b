//! What the user is looking at: pure data that `update` changes and `render` draws.

use super::command_line::CommandLine;
use crate::model::{ControlKind, ResourceId, Severity, StatusLevel, StepInfo, Sym, Timestamp, WorkflowStatus, Write};
use crate::store::Posture;

/// The screen in the main area.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    /// The three panes with the selected control's detail below.
    Overview,
    /// One control's evidence, failing resources and findings, as a list to move in.
    Control { index: usize, cursor: usize },
    /// Everything held about one resource.
    Resource { id: ResourceId, cursor: usize },
    /// A guardrail test's explanation.
    Guardrail { name: Sym, cursor: usize },
    /// One finding in full, with its history.
    Finding { id: Sym, cursor: usize },
    /// Every source's health in full (`:sources`), from its `scroll`th line.
    Sources { scroll: usize },
    /// What changed, newest first (`c`, `:changes`).
    Changes { cursor: usize },
    /// Accounts (rows, worst first) by control (`4`), the controls' columns from `column`.
    Accounts { cursor: usize, column: usize },
}

/// A dialog over the screen; it takes every key until it closes.
#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    /// Choosing a finding's new workflow status and typing its note.
    Workflow { finding: Sym, product_arn: Box<str>, status: WorkflowStatus, note: String },
    /// The exact call, before it is made. Cancel has the focus; `y` confirms.
    Confirm { write: Write, confirm_focused: bool },
}

/// What the header says the dashboard is watching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Banner {
    Demo {
        title: String,
    },
    Live {
        profile: Option<String>,
        region: String,
        account: Option<String>,
    },
    /// A recording played back: the file, and what it recorded.
    Replay {
        file: String,
        profile: Option<String>,
        region: Option<String>,
        account: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct View {
    pub banner: Banner,
    /// The pane that has the focus (and is shown when the panes are tabs).
    pub focus: ControlKind,
    /// The selected row of each pane.
    pub selected: [usize; ControlKind::COUNT],
    pub screen: Screen,
    /// Screens to return to with Esc.
    pub back: Vec<Screen>,
    pub help: bool,
    /// The help's first row shown.
    pub help_scroll: usize,
    /// A short message for the user (the flash line).
    pub message: Option<String>,
    /// When the message on screen was first seen, and on which view: it fades after
    /// [`MESSAGE_FADES`] and never outlives its view. Kept by the loop (`stamp_message`);
    /// a message never stamped (a test's) shows.
    pub message_seen: Option<(String, Timestamp, Screen)>,
    pub quit: bool,
    /// Whether vigil was started with `--write`: corrective actions are enabled.
    pub write: bool,
    /// Where writes are logged (the audit log's path), for the confirmation to say; `None`
    /// where nothing logs them (a demo without `--audit-log`).
    pub audit_log: Option<String>,
    pub dialog: Option<Dialog>,
    /// Frozen since then: the sources' updates wait, none is lost.
    pub frozen: Option<Frozen>,
    /// Each pane's `/` filter.
    pub filters: [Option<super::filter::Filter>; ControlKind::COUNT],
    /// The `/` filter of the open control's failing resources and findings.
    pub detail_filter: Option<super::filter::Filter>,
    /// A filter being typed (and its cursor): for the control on screen, else the pane with the
    /// focus.
    pub typing: Option<super::command_line::Input>,
    /// The feed's last change seen (its number): the header counts those after it (`Δ 3`).
    pub changes_seen: u64,
    /// The `/` filter of the Changes view.
    pub changes_filter: Option<super::filter::Filter>,
    /// One row in full, over the screen (`v`, or Enter on a row that is cut), from its
    /// `scroll`th line.
    pub row_box: Option<RowBox>,
    /// The terminal's size as last drawn (0: not known yet): what tells a row that is cut.
    pub width: u16,
    pub height: u16,
    /// The `:` command line, while it is open.
    pub command: Option<CommandLine>,
    /// The command lines entered, the newest last.
    pub history: Vec<String>,
    /// `:severity`: findings below it are hidden.
    pub min_severity: Option<Severity>,
    /// `:status`: only controls at this status or worse are shown.
    pub min_status: Option<StatusLevel>,
    /// `:sort`: the order of the panes' rows and of a control's lists.
    pub sort: Sort,
    /// The overview's search (`/`): the match highlighted with ↓ ↑, which Enter opens.
    pub search_match: Option<usize>,
    /// The time `update` judges statuses at (`:status`); the loop keeps it current.
    pub now: Timestamp,
    /// The wall clock's time, which a paused story does not stop: what flash messages fade by.
    pub wall: Timestamp,
    /// The story being played (the demo), with the presenter's state.
    pub story: Option<Story>,
}

/// A story as the presenter and the room see it: the caption bar, the narration so far.
#[derive(Debug, Clone, PartialEq)]
pub struct Story {
    /// Every step played, in order.
    pub played: Vec<StepInfo>,
    pub total: usize,
    pub paused: bool,
    pub speed: f64,
    /// Each step's pane gets the focus (not with `--no-follow`).
    pub follow: bool,
    /// The narration so far is shown (`N`).
    pub history: bool,
    /// How many lines the narration is scrolled up from its latest (`k`, PgUp, `g`): every step
    /// can be read at any size.
    pub history_back: usize,
    /// A recording played back: its steps are polls.
    pub replay: bool,
}

impl Story {
    pub fn new(total: usize, follow: bool) -> Self {
        Story {
            played: Vec::new(),
            total,
            paused: false,
            speed: 1.0,
            follow,
            history: false,
            history_back: 0,
            replay: false,
        }
    }

    /// A recording's polls: the focus stays where the presenter puts it.
    pub fn replay(polls: usize) -> Self {
        Story { replay: true, ..Story::new(polls, false) }
    }

    /// The step on screen: the last one played.
    pub fn current(&self) -> Option<&StepInfo> {
        self.played.last()
    }

    /// The last step has been played.
    pub fn finished(&self) -> bool {
        self.current().is_some_and(|s| s.index + 1 >= s.total)
    }
}

/// `:sort`: the order of the panes' rows and of a control's lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// The catalog's order (the default catalog's is by id); failing resources by type and id;
    /// findings most severe first.
    #[default]
    Id,
    /// The most failing resources first; a resource with the most items saying it fails first.
    Count,
    /// The longest failing first: a control by its oldest failing resource, a resource by when it
    /// started failing, a finding by when it was first observed.
    Age,
}

impl Sort {
    pub const ALL: [Sort; 3] = [Sort::Count, Sort::Age, Sort::Id];

    pub fn name(self) -> &'static str {
        match self {
            Sort::Id => "id",
            Sort::Count => "count",
            Sort::Age => "age",
        }
    }
}

/// A row shown whole: its pieces as the list has them, uncut.
#[derive(Debug, Clone, PartialEq)]
pub struct RowBox {
    pub row: Vec<super::list::Seg>,
    pub scroll: usize,
}

/// A frozen view: since when, and how many updates wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frozen {
    pub since: Timestamp,
    pub waiting: usize,
}

/// How long a flash message stays.
pub const MESSAGE_FADES: std::time::Duration = std::time::Duration::from_secs(6);

impl Screen {
    /// Whether two screens are the same view (the cursor may have moved).
    pub fn same_view(&self, other: &Screen) -> bool {
        match (self, other) {
            (Screen::Control { index: a, .. }, Screen::Control { index: b, .. }) => a == b,
            (Screen::Resource { id: a, .. }, Screen::Resource { id: b, .. }) => a == b,
            (Screen::Guardrail { name: a, .. }, Screen::Guardrail { name: b, .. }) => a == b,
            (Screen::Finding { id: a, .. }, Screen::Finding { id: b, .. }) => a == b,
            (a, b) => std::mem::discriminant(a) == std::mem::discriminant(b),
        }
    }
}

impl View {
    /// Notes when a new message was first seen, and where (the loop calls it after each
    /// change, with the time).
    pub fn stamp_message(&mut self, now: Timestamp) {
        match &self.message {
            Some(m) if self.message_seen.as_ref().is_none_or(|(seen, _, _)| seen != m) => {
                self.message_seen = Some((m.clone(), now, self.screen.clone()));
            }
            Some(_) => {}
            None => self.message_seen = None,
        }
    }

    /// The message to show at `now`: gone once it has faded or its view was left.
    pub fn message_shown(&self, now: Timestamp) -> Option<&str> {
        let m = self.message.as_deref()?;
        match &self.message_seen {
            Some((seen, at, screen)) if seen == m => {
                let fresh = now.duration_since(*at).unsigned_abs() < MESSAGE_FADES || now < *at;
                (fresh && screen.same_view(&self.screen)).then_some(m)
            }
            _ => Some(m),
        }
    }

    pub fn new(banner: Banner) -> Self {
        View {
            banner,
            focus: ControlKind::Preventive,
            selected: [0; ControlKind::COUNT],
            screen: Screen::Overview,
            back: Vec::new(),
            help: false,
            help_scroll: 0,
            message: None,
            message_seen: None,
            quit: false,
            write: false,
            audit_log: None,
            dialog: None,
            row_box: None,
            changes_seen: 0,
            changes_filter: None,
            width: 0,
            height: 0,
            frozen: None,
            filters: Default::default(),
            detail_filter: None,
            typing: None,
            command: None,
            history: Vec::new(),
            min_severity: None,
            min_status: None,
            sort: Sort::default(),
            search_match: None,
            now: Timestamp::UNIX_EPOCH,
            wall: Timestamp::UNIX_EPOCH,
            story: None,
        }
    }

    /// A step has been played: the caption bar says so, and its pane gets the focus.
    pub fn take_step(&mut self, step: StepInfo) {
        let Some(story) = &mut self.story else { return };
        story.total = step.total;
        // Steps played again after a rebuild replace the ones after them.
        story.played.retain(|s| s.index < step.index);
        if story.follow {
            self.focus = step.pane;
        }
        story.played.push(step);
    }

    /// The story starts again from its baseline (the store was reset).
    pub fn restart_story(&mut self) {
        if let Some(story) = &mut self.story {
            story.played.clear();
        }
    }
}

/// The first row shown of a list of `len` rows in `height` rows with the cursor at `cursor`:
/// whole pages, so that the window is stable while the cursor moves within it, the last page
/// ending at the last row (never a page of blanks).
pub fn window_start(len: usize, cursor: usize, height: usize) -> usize {
    if height == 0 || len <= height {
        return 0;
    }
    let cursor = cursor.min(len - 1);
    ((cursor / height) * height).min(len - height)
}

/// What a control is matched on: its id and title.
fn control_text(posture: &Posture, index: usize) -> String {
    let c = posture.control(index);
    format!("{} {}", c.id, c.title)
}

/// The controls a pane shows: all of them, or those its filter and `:status` keep, in the
/// order `:sort` asks for (ties in the catalog's order).
pub fn visible_pane(posture: &Posture, view: &View, kind: ControlKind) -> Vec<usize> {
    let filter = view.filters[kind.index()].as_ref();
    let mut list: Vec<usize> = posture
        .pane(kind)
        .into_iter()
        .filter(|&i| filter.is_none_or(|f| f.matches(&control_text(posture, i))))
        .filter(|&i| {
            view.min_status
                .is_none_or(|min| super::filter::at_or_past(posture.control_status(i, view.now).level(), min))
        })
        .collect();
    match view.sort {
        Sort::Id => {}
        // The most failing resources first; a FAIL without any (a rule without remediation)
        // before what does not fail.
        Sort::Count => list.sort_by_cached_key(|&i| {
            std::cmp::Reverse(posture.control_status(i, view.now).failing().map(|f| f.resources))
        }),
        // The control whose oldest failing resource has failed longest first.
        Sort::Age => list.sort_by_cached_key(|&i| {
            let since = posture.control_failing_since(i);
            (since.is_none(), since)
        }),
    }
    list
}

#[cfg(test)]
mod tests {
    use super::window_start;

    #[test]
    fn the_last_page_ends_at_the_last_row() {
        assert_eq!(window_start(10, 3, 8), 0);
        assert_eq!(window_start(10, 8, 8), 2, "rows 2-9, not rows 8-9 and six blanks");
        assert_eq!(window_start(20, 9, 8), 8, "whole pages before the last");
        assert_eq!(window_start(5, 4, 8), 0);
        for len in 1..30 {
            for height in 1..10 {
                for cursor in 0..len {
                    let start = window_start(len, cursor, height);
                    assert!(start <= cursor && cursor < start + height, "{len} {height} {cursor}");
                }
            }
        }
    }
}
