//! The `:` command line: what it accepts, its completions and its history. Pure: `parse` turns a
//! line into a [`Cmd`] and `update` (src/app.rs) carries it out.

use std::path::PathBuf;

use crate::format::Format;
use crate::model::{ControlKind, Severity, StatusLevel};
use crate::store::Scope;
use crate::theme::Theme;

/// A command the line names.
#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    Pane(ControlKind),
    /// Hide findings below this severity (`None`: show all).
    Severity(Option<Severity>),
    /// Show only controls at this status or worse (`None`: all).
    Status(Option<StatusLevel>),
    /// The order of the panes' rows and a control's lists.
    Sort(crate::ui::Sort),
    Theme(String),
    /// Narrow to one account (`None`: every account).
    Account(Option<String>),
    /// Narrow to one region (`None`: every region).
    Region(Option<String>),
    Export {
        format: Format,
        path: Option<PathBuf>,
    },
    Freeze,
    Refresh,
    Sources,
    Changes,
    Help,
    Quit,
}

/// One command: its name, what it takes and what it does (for completion and `:help`).
pub struct Spec {
    pub name: &'static str,
    pub args: &'static str,
    pub about: &'static str,
}

/// Every command, in the order completion offers them.
pub const COMMANDS: [Spec; 14] = [
    Spec { name: "pane", args: "preventive|detective|corrective", about: "focus a pane" },
    Spec { name: "severity", args: "critical|high|medium|low|informational|all", about: "hide findings below" },
    Spec { name: "status", args: "fail|warn|stale|unknown|pass|all", about: "show controls at or past" },
    Spec { name: "sort", args: "count|age|id", about: "order the panes' rows and a control's lists" },
    Spec { name: "theme", args: "NAME|FILE", about: "switch the colour theme" },
    Spec { name: "account", args: "ID|all", about: "narrow everything to one account" },
    Spec { name: "region", args: "NAME|all", about: "narrow everything to one region" },
    Spec { name: "export", args: "markdown|csv|json [FILE]", about: "write the whole posture" },
    Spec { name: "freeze", args: "", about: "freeze / resume updates" },
    Spec { name: "refresh", args: "", about: "poll every source now" },
    Spec { name: "sources", args: "", about: "every source's health in full" },
    Spec { name: "changes", args: "", about: "what changed since each source's first read, newest first" },
    Spec { name: "help", args: "", about: "keys, commands and terms" },
    Spec { name: "quit", args: "", about: "quit (also :q)" },
];

/// Statuses from the worst: `:status warn` keeps FAIL and WARN.
const STATUS_ORDER: [StatusLevel; 5] =
    [StatusLevel::Fail, StatusLevel::Warn, StatusLevel::Stale, StatusLevel::Unknown, StatusLevel::Pass];

/// The values an argument can take, for completion and parsing.
fn choices(command: &str) -> Vec<String> {
    let fixed: &[&str] = match command {
        "pane" => &["preventive", "detective", "corrective"],
        "severity" => &["critical", "high", "medium", "low", "informational", "all"],
        "status" => &["fail", "warn", "stale", "unknown", "pass", "all"],
        "sort" => &["count", "age", "id"],
        "export" => &["markdown", "csv", "json"],
        "theme" => return Theme::built_in_names().map(str::to_string).collect(),
        _ => &[],
    };
    fixed.iter().map(|s| s.to_string()).collect()
}

/// The values Tab offers for an argument: the fixed ones, and for `:account` and `:region` the
/// places the posture holds, then `all`. A place that would not read back as one word (AWS's
/// text, untrusted) is not offered.
fn offered_choices(command: &str, scope: &Scope) -> Vec<String> {
    let places = match command {
        "account" => &scope.accounts,
        "region" => &scope.regions,
        _ => return choices(command),
    };
    places
        .iter()
        .filter(|p| !p.is_empty() && !p.chars().any(|c| c.is_whitespace() || c.is_control()))
        .cloned()
        .chain(std::iter::once("all".to_string()))
        .collect()
}

/// The command a (possibly abbreviated) name means: a unique prefix will do.
fn command(name: &str) -> Result<&'static Spec, String> {
    if name == "q" {
        return Ok(COMMANDS.iter().find(|s| s.name == "quit").expect(":quit is a command"));
    }
    if let Some(spec) = COMMANDS.iter().find(|s| s.name == name) {
        return Ok(spec);
    }
    let matches: Vec<&Spec> = COMMANDS.iter().filter(|s| s.name.starts_with(name)).collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(format!("unknown command :{name} (Tab lists them, :help explains)")),
        many => Err(format!(
            ":{name} is ambiguous: {}",
            many.iter().map(|s| format!(":{}", s.name)).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// The one choice an argument names, by a unique prefix.
fn choose(command: &str, arg: &str) -> Result<String, String> {
    let all = choices(command);
    if all.iter().any(|c| c == arg) {
        return Ok(arg.to_string());
    }
    let matches: Vec<&String> = all.iter().filter(|c| c.starts_with(arg)).collect();
    match matches.as_slice() {
        [one] => Ok(one.to_string()),
        _ => Err(format!(":{command} takes {}, not `{arg}`", all.join("|"))),
    }
}

/// Reads a command line (without its `:`).
pub fn parse(line: &str) -> Result<Cmd, String> {
    let mut words = line.split_whitespace();
    let Some(name) = words.next() else { return Err("no command: type one, or Esc".into()) };
    let spec = command(name)?;
    let args: Vec<&str> = words.collect();
    let one = |args: &[&str]| -> Result<String, String> {
        match args {
            [arg] => choose(spec.name, arg),
            _ => Err(format!("usage: :{} {}", spec.name, spec.args)),
        }
    };
    let none = |args: &[&str], cmd: Cmd| -> Result<Cmd, String> {
        if args.is_empty() { Ok(cmd) } else { Err(format!(":{} takes nothing", spec.name)) }
    };
    match spec.name {
        "pane" => Ok(Cmd::Pane(match one(&args)?.as_str() {
            "preventive" => ControlKind::Preventive,
            "detective" => ControlKind::Detective,
            _ => ControlKind::Corrective,
        })),
        "severity" => {
            let arg = one(&args)?;
            let severity = Severity::DESCENDING.into_iter().find(|s| s.as_str().eq_ignore_ascii_case(&arg));
            Ok(Cmd::Severity(severity))
        }
        "sort" => {
            let arg = one(&args)?;
            Ok(Cmd::Sort(crate::ui::Sort::ALL.into_iter().find(|s| s.name() == arg).unwrap_or_default()))
        }
        "status" => {
            let arg = one(&args)?;
            Ok(Cmd::Status(STATUS_ORDER.into_iter().find(|s| s.label().eq_ignore_ascii_case(&arg))))
        }
        "theme" => match args.as_slice() {
            // A theme file's path is taken as it is.
            [arg] => Ok(Cmd::Theme(choose("theme", arg).unwrap_or_else(|_| arg.to_string()))),
            _ => Err(format!("usage: :theme {}", Theme::built_in_names().collect::<Vec<_>>().join("|"))),
        },
        "account" | "region" => match args.as_slice() {
            [arg] => {
                let value = (!arg.eq_ignore_ascii_case("all")).then(|| arg.to_string());
                Ok(if spec.name == "account" { Cmd::Account(value) } else { Cmd::Region(value) })
            }
            _ => Err(format!("usage: :{} {}", spec.name, spec.args)),
        },
        "export" => match args.as_slice() {
            [format] | [format, _] => {
                let format = match choose("export", format)?.as_str() {
                    "markdown" => Format::Markdown,
                    "csv" => Format::Csv,
                    _ => Format::Json,
                };
                Ok(Cmd::Export { format, path: args.get(1).map(PathBuf::from) })
            }
            _ => Err(format!("usage: :export {}", spec.args)),
        },
        "freeze" => none(&args, Cmd::Freeze),
        "refresh" => none(&args, Cmd::Refresh),
        "sources" => none(&args, Cmd::Sources),
        "changes" => none(&args, Cmd::Changes),
        "help" => none(&args, Cmd::Help),
        _ => none(&args, Cmd::Quit),
    }
}

/// The whole lines Tab can turn `line` into: command names, then the arguments of the command
/// named (for `:account` and `:region`, the places `scope` holds).
pub fn completions(line: &str, scope: &Scope) -> Vec<String> {
    let trailing_space = line.ends_with(' ');
    let words: Vec<&str> = line.split_whitespace().collect();
    match (words.as_slice(), trailing_space) {
        ([], _) => COMMANDS.iter().map(|s| s.name.to_string()).collect(),
        ([partial], false) => {
            COMMANDS.iter().filter(|s| s.name.starts_with(partial)).map(|s| s.name.to_string()).collect()
        }
        ([name], true) | ([name, _], false) => {
            let Ok(spec) = command(name) else { return Vec::new() };
            let partial = if trailing_space { "" } else { words[1] };
            offered_choices(spec.name, scope)
                .into_iter()
                .filter(|c| c.starts_with(partial))
                .map(|c| format!("{} {c}", spec.name))
                .collect()
        }
        _ => Vec::new(),
    }
}

/// The longest text every candidate starts with.
fn common_prefix(candidates: &[String]) -> String {
    let Some(first) = candidates.first() else { return String::new() };
    let mut prefix = first.as_str();
    for c in &candidates[1..] {
        while !c.starts_with(prefix) {
            let last = prefix.chars().next_back().map_or(0, char::len_utf8);
            prefix = &prefix[..prefix.len() - last];
        }
    }
    prefix.to_string()
}

/// An editing key of a line being typed, as readline has them (the keys themselves are read in
/// src/app.rs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// A character typed, at the cursor.
    Insert(char),
    /// ← (Ctrl-B) and → (Ctrl-F): a character.
    Left,
    Right,
    /// Home (Ctrl-A) and End (Ctrl-E).
    Start,
    End,
    /// Backspace (Ctrl-H): the character before the cursor.
    Backspace,
    /// Delete: the character under the cursor.
    Delete,
    /// Ctrl-U: everything before the cursor.
    KillToStart,
    /// Ctrl-K: everything from the cursor on.
    KillToEnd,
    /// Ctrl-W: the word before the cursor (spaces, then what is not a space: unix-word-rubout).
    KillWord,
}

/// The most characters a line takes.
pub const LINE_MAX: usize = 200;

/// A line being typed (the command line's, a filter's) and its cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Input {
    text: String,
    /// Where the cursor is, in characters from the start: at most the text's length.
    cursor: usize,
}

impl From<String> for Input {
    /// A line with the cursor at its end.
    fn from(text: String) -> Input {
        let cursor = text.chars().count();
        Input { text, cursor }
    }
}

impl From<&str> for Input {
    fn from(text: &str) -> Input {
        Input::from(text.to_string())
    }
}

impl Input {
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The cursor, in characters from the start.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// The text before the cursor and from it on.
    pub fn split(&self) -> (&str, &str) {
        self.text.split_at(self.byte(self.cursor))
    }

    /// The byte offset of the character at `chars`.
    fn byte(&self, chars: usize) -> usize {
        self.text.char_indices().nth(chars).map_or(self.text.len(), |(i, _)| i)
    }

    /// Deletes the characters from `from` to `to` (in characters); the cursor goes to `from`.
    fn delete(&mut self, from: usize, to: usize) -> bool {
        if from >= to {
            return false;
        }
        let (a, b) = (self.byte(from), self.byte(to));
        self.text.replace_range(a..b, "");
        self.cursor = from;
        true
    }

    /// Applies an editing key: whether the text changed (a move changes only the cursor).
    pub fn edit(&mut self, edit: Edit) -> bool {
        let len = self.text.chars().count();
        match edit {
            Edit::Insert(c) => {
                if c.is_control() || len >= LINE_MAX {
                    return false;
                }
                let at = self.byte(self.cursor);
                self.text.insert(at, c);
                self.cursor += 1;
                true
            }
            Edit::Left => {
                self.cursor = self.cursor.saturating_sub(1);
                false
            }
            Edit::Right => {
                self.cursor = (self.cursor + 1).min(len);
                false
            }
            Edit::Start => {
                self.cursor = 0;
                false
            }
            Edit::End => {
                self.cursor = len;
                false
            }
            Edit::Backspace => self.delete(self.cursor.saturating_sub(1), self.cursor),
            Edit::Delete => self.delete(self.cursor, (self.cursor + 1).min(len)),
            Edit::KillToStart => self.delete(0, self.cursor),
            Edit::KillToEnd => self.delete(self.cursor, len),
            Edit::KillWord => {
                let before: Vec<char> = self.text.chars().take(self.cursor).collect();
                let spaces = before.iter().rev().take_while(|c| c.is_whitespace()).count();
                let word = before.iter().rev().skip(spaces).take_while(|c| !c.is_whitespace()).count();
                self.delete(self.cursor - spaces - word, self.cursor)
            }
        }
    }
}

/// The command line being typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommandLine {
    input: Input,
    /// What Tab offered, shown above the line; the one chosen, when Tab went through them.
    pub offered: Vec<String>,
    pub chosen: Option<usize>,
    /// The history entry shown (Up and Down), counted from the newest.
    recalled: Option<usize>,
}

impl From<&str> for CommandLine {
    /// A line typed so far, the cursor at its end.
    fn from(text: &str) -> CommandLine {
        CommandLine { input: text.into(), ..Default::default() }
    }
}

/// The most lines the history keeps.
pub const HISTORY: usize = 100;

impl CommandLine {
    pub fn text(&self) -> &str {
        self.input.text()
    }

    /// The line and its cursor.
    pub fn input(&self) -> &Input {
        &self.input
    }

    /// Replaces the line; the cursor goes to its end.
    fn set(&mut self, text: String) {
        self.input = Input::from(text);
    }

    /// Tab: completes as far as the candidates agree, then goes through them (arguments of
    /// `:account` and `:region` from the places `scope` holds). The whole line is completed and
    /// the cursor goes to its end.
    pub fn complete(&mut self, scope: &Scope) {
        if let Some(i) = self.chosen {
            let next = (i + 1) % self.offered.len().max(1);
            self.chosen = Some(next);
            let text = self.with_space(&self.offered[next]);
            self.set(text);
            return;
        }
        let candidates = completions(self.text(), scope);
        match candidates.len() {
            0 => self.offered.clear(),
            1 => {
                let text = self.with_space(&candidates[0]);
                self.set(text);
                self.offered.clear();
            }
            _ => {
                let prefix = common_prefix(&candidates);
                if prefix.len() > self.text().trim_start().len() {
                    self.set(prefix);
                    self.offered = candidates;
                } else {
                    let text = self.with_space(&candidates[0]);
                    self.set(text);
                    self.offered = candidates;
                    self.chosen = Some(0);
                }
            }
        }
    }

    /// A completed command that takes arguments gets the space before them.
    fn with_space(&self, candidate: &str) -> String {
        let takes_args = !candidate.contains(' ') && COMMANDS.iter().any(|s| s.name == candidate && !s.args.is_empty());
        if takes_args { format!("{candidate} ") } else { candidate.to_string() }
    }

    /// An editing key: the offer ends; a change also leaves the history entry recalled.
    pub fn edit(&mut self, edit: Edit) {
        if self.input.edit(edit) {
            self.recalled = None;
        }
        self.offered.clear();
        self.chosen = None;
    }

    /// Up (`older`) and Down through the history, newest first.
    pub fn recall(&mut self, history: &[String], older: bool) {
        if history.is_empty() {
            return;
        }
        let next = match (self.recalled, older) {
            (None, true) => Some(0),
            (None, false) => None,
            (Some(i), true) => Some((i + 1).min(history.len() - 1)),
            (Some(0), false) => None,
            (Some(i), false) => Some(i - 1),
        };
        self.recalled = next;
        self.set(next.map_or_else(String::new, |i| history[history.len() - 1 - i].clone()));
        self.offered.clear();
        self.chosen = None;
    }
}

/// Adds a line to the history: the newest last, no repeat of the line before, at most
/// [`HISTORY`] lines.
pub fn remember(history: &mut Vec<String>, line: &str) {
    let line = line.trim();
    if line.is_empty() || history.last().is_some_and(|l| l == line) {
        return;
    }
    history.push(line.to_string());
    if history.len() > HISTORY {
        history.remove(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_arguments_parse_by_unique_prefix() {
        assert_eq!(parse("pane det"), Ok(Cmd::Pane(ControlKind::Detective)));
        assert_eq!(parse("sev high"), Ok(Cmd::Severity(Some(Severity::High))));
        assert_eq!(parse("severity all"), Ok(Cmd::Severity(None)));
        assert_eq!(parse("status warn"), Ok(Cmd::Status(Some(StatusLevel::Warn))));
        assert_eq!(parse("theme light"), Ok(Cmd::Theme("light".into())));
        assert_eq!(parse("theme ./mine.toml"), Ok(Cmd::Theme("./mine.toml".into())));
        assert_eq!(parse("export csv out.csv"), Ok(Cmd::Export { format: Format::Csv, path: Some("out.csv".into()) }));
        assert_eq!(parse("export md"), Err(":export takes markdown|csv|json, not `md`".into()));
        assert_eq!(parse("q"), Ok(Cmd::Quit));
        assert_eq!(parse("  refresh "), Ok(Cmd::Refresh));
        assert_eq!(parse("frob"), Err("unknown command :frob (Tab lists them, :help explains)".into()));
        assert_eq!(parse("s"), Err(":s is ambiguous: :severity, :status, :sort, :sources".into()));
        assert_eq!(parse("sort ag"), Ok(Cmd::Sort(crate::ui::Sort::Age)));
        assert_eq!(parse("sor count"), Ok(Cmd::Sort(crate::ui::Sort::Count)));
        assert_eq!(parse("sort id"), Ok(Cmd::Sort(crate::ui::Sort::Id)));
        assert_eq!(parse("sort size"), Err(":sort takes count|age|id, not `size`".into()));
        assert_eq!(parse("pane"), Err("usage: :pane preventive|detective|corrective".into()));
        assert_eq!(parse("freeze now"), Err(":freeze takes nothing".into()));
    }

    #[test]
    fn tab_completes_then_goes_through_the_candidates() {
        let none = Scope::default();
        let mut line = CommandLine::from("th");
        line.complete(&none);
        assert_eq!(line.text(), "theme ");
        line.complete(&none);
        assert_eq!(line.offered, ["theme dark", "theme light", "theme high-contrast"]);
        assert_eq!(line.text(), "theme dark");
        line.complete(&none);
        assert_eq!(line.text(), "theme light");
        assert_eq!(line.input().cursor(), "theme light".len(), "the cursor follows the completion");
        line.edit(Edit::Backspace);
        assert!(line.offered.is_empty());

        let mut line = CommandLine::from("s");
        line.complete(&none);
        assert_eq!(line.offered, ["severity", "status", "sort", "sources"]);
        assert_eq!(line.text(), "severity ");
        let mut line = CommandLine::from("se");
        line.complete(&none);
        assert_eq!(line.text(), "severity ");
        let mut line = CommandLine::from("export c");
        line.complete(&none);
        assert_eq!(line.text(), "export csv");
        assert_eq!(common_prefix(&["status".into(), "sources".into()]), "s");
    }

    #[test]
    fn account_and_region_complete_the_places_held() {
        let scope = Scope {
            organization: true,
            accounts: vec!["111122223333".into(), "444455556666".into(), "bad id\u{1b}[2J".into()],
            regions: vec!["eu-west-1".into(), "us-east-1".into()],
        };
        let mut line = CommandLine::from("acc");
        line.complete(&scope);
        assert_eq!(line.text(), "account ");
        line.complete(&scope);
        assert_eq!(line.offered, ["account 111122223333", "account 444455556666", "account all"]);
        assert_eq!(line.text(), "account 111122223333");
        line.complete(&scope);
        assert_eq!(line.text(), "account 444455556666");
        assert_eq!(parse(line.text()), Ok(Cmd::Account(Some("444455556666".into()))));

        let mut line = CommandLine::from("account 4");
        line.complete(&scope);
        assert_eq!(line.text(), "account 444455556666");
        let mut line = CommandLine::from("reg u");
        line.complete(&scope);
        assert_eq!(line.text(), "region us-east-1");
        let mut line = CommandLine::from("region ");
        line.complete(&scope);
        assert_eq!(line.offered, ["region eu-west-1", "region us-east-1", "region all"]);
        // With no places held, `all` is what there is.
        let mut line = CommandLine::from("region ");
        line.complete(&Scope::default());
        assert_eq!(line.text(), "region all");
    }

    /// Applies editing keys in turn.
    fn typed(line: &mut Input, keys: &[Edit]) {
        for &k in keys {
            line.edit(k);
        }
    }

    fn chars(s: &str) -> Vec<Edit> {
        s.chars().map(Edit::Insert).collect()
    }

    #[test]
    fn the_cursor_moves_and_characters_go_in_at_it() {
        let mut line = Input::default();
        typed(&mut line, &chars("pne"));
        assert_eq!(line.cursor(), 3);
        typed(&mut line, &[Edit::Left, Edit::Left, Edit::Insert('a')]);
        assert_eq!((line.text(), line.cursor()), ("pane", 2));
        typed(&mut line, &[Edit::Start]);
        assert_eq!(line.cursor(), 0);
        typed(&mut line, &[Edit::Left]);
        assert_eq!(line.cursor(), 0, "← stops at the start");
        typed(&mut line, &[Edit::End, Edit::Right]);
        assert_eq!(line.cursor(), 4, "→ stops at the end");
        typed(&mut line, &chars(" det"));
        assert_eq!(line.text(), "pane det");
        assert_eq!(line.split(), ("pane det", ""));
        typed(&mut line, &[Edit::Start, Edit::Right]);
        assert_eq!(line.split(), ("p", "ane det"));
        // Characters wider than a byte count as one.
        let mut line = Input::from("régión");
        assert_eq!(line.cursor(), 6);
        typed(&mut line, &[Edit::Left, Edit::Left, Edit::Backspace]);
        assert_eq!((line.text(), line.cursor()), ("régón", 3));
        typed(&mut line, &[Edit::Delete]);
        assert_eq!((line.text(), line.cursor()), ("régn", 3));
    }

    #[test]
    fn backspace_delete_and_the_kills() {
        let mut line = Input::default();
        assert!(!line.edit(Edit::Backspace), "Backspace on an empty line changes nothing");
        assert!(!line.edit(Edit::Delete));
        let mut line = Input::from("export csv out.csv");
        assert!(!line.edit(Edit::Delete), "Delete at the end changes nothing");
        line.edit(Edit::Backspace);
        assert_eq!(line.text(), "export csv out.cs");
        // Ctrl-W: back over spaces, then over what is not a space.
        let mut line = Input::from("export csv   ");
        line.edit(Edit::KillWord);
        assert_eq!(line.text(), "export ");
        line.edit(Edit::KillWord);
        assert_eq!(line.text(), "");
        assert!(!line.edit(Edit::KillWord));
        let mut line = Input::from("pane detective");
        typed(&mut line, &[Edit::Left, Edit::Left, Edit::Left, Edit::KillWord]);
        assert_eq!((line.text(), line.cursor()), ("pane ive", 5));
        // Ctrl-U to the start, Ctrl-K to the end.
        let mut line = Input::from("severity high");
        typed(&mut line, &[Edit::Left, Edit::Left, Edit::Left, Edit::Left, Edit::KillToStart]);
        assert_eq!((line.text(), line.cursor()), ("high", 0));
        typed(&mut line, &[Edit::Right, Edit::KillToEnd]);
        assert_eq!((line.text(), line.cursor()), ("h", 1));
        assert!(!line.edit(Edit::KillToEnd));
        // A control character is never typed in; a line holds at most LINE_MAX characters.
        assert!(!line.edit(Edit::Insert('\u{1b}')));
        let mut line = Input::from("x".repeat(LINE_MAX));
        assert!(!line.edit(Edit::Insert('y')));
    }

    #[test]
    fn editing_ends_the_offer_and_a_change_the_recall() {
        let history = vec!["pane detective".to_string(), "status fail".to_string()];
        let mut line = CommandLine::default();
        line.recall(&history, true);
        line.edit(Edit::Start);
        line.recall(&history, true);
        assert_eq!(line.text(), "pane detective", "a move keeps the place in the history");
        line.edit(Edit::Start);
        line.edit(Edit::KillWord);
        line.recall(&history, false);
        assert_eq!(line.text(), "status fail", "a kill of nothing changes nothing");
        line.recall(&history, true);
        line.edit(Edit::KillWord);
        assert_eq!(line.text(), "pane ");
        line.recall(&history, true);
        assert_eq!(line.text(), "status fail", "a changed line goes back from the newest");
    }

    #[test]
    fn history_goes_back_and_forth() {
        let mut history = Vec::new();
        for l in ["pane detective", "pane detective", "status fail", "  "] {
            remember(&mut history, l);
        }
        assert_eq!(history, ["pane detective", "status fail"]);
        let mut line = CommandLine::default();
        line.recall(&history, true);
        assert_eq!(line.text(), "status fail");
        line.recall(&history, true);
        line.recall(&history, true);
        assert_eq!(line.text(), "pane detective");
        line.recall(&history, false);
        assert_eq!(line.text(), "status fail");
        line.recall(&history, false);
        assert_eq!(line.text(), "");
    }
}
