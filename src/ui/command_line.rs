//! The `:` command line: what it accepts, its completions and its history. Pure: `parse` turns a
//! line into a [`Cmd`] and `update` (src/app.rs) carries it out.

use std::path::PathBuf;

use crate::model::{ControlKind, Severity, StatusLevel};
use crate::report::Format;
use crate::theme::Theme;

/// A command the line names.
#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    Pane(ControlKind),
    /// Hide findings below this severity (`None`: show all).
    Severity(Option<Severity>),
    /// Show only controls at this status or worse (`None`: all).
    Status(Option<StatusLevel>),
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
pub const COMMANDS: [Spec; 12] = [
    Spec { name: "pane", args: "preventive|detective|corrective", about: "focus a pane" },
    Spec { name: "severity", args: "critical|high|medium|low|informational|all", about: "hide findings below" },
    Spec { name: "status", args: "fail|warn|stale|unknown|pass|all", about: "show controls at or past" },
    Spec { name: "theme", args: "NAME|FILE", about: "switch the colour theme" },
    Spec { name: "account", args: "ID|all", about: "narrow everything to one account" },
    Spec { name: "region", args: "NAME|all", about: "narrow everything to one region" },
    Spec { name: "export", args: "markdown|csv|json [FILE]", about: "write the whole posture" },
    Spec { name: "freeze", args: "", about: "freeze / resume updates" },
    Spec { name: "refresh", args: "", about: "poll every source now" },
    Spec { name: "sources", args: "", about: "every source's health in full" },
    Spec { name: "help", args: "", about: "keys, commands and terms" },
    Spec { name: "quit", args: "", about: "quit (also :q)" },
];

/// Statuses from the worst: `:status warn` keeps FAIL and WARN.
const STATUS_ORDER: [StatusLevel; 5] =
    [StatusLevel::Fail, StatusLevel::Warn, StatusLevel::Stale, StatusLevel::Unknown, StatusLevel::Pass];

/// The values an argument can take, for completion.
fn choices(command: &str) -> Vec<String> {
    let fixed: &[&str] = match command {
        "pane" => &["preventive", "detective", "corrective"],
        "severity" => &["critical", "high", "medium", "low", "informational", "all"],
        "status" => &["fail", "warn", "stale", "unknown", "pass", "all"],
        "export" => &["markdown", "csv", "json"],
        "theme" => return Theme::built_in_names().map(str::to_string).collect(),
        _ => &[],
    };
    fixed.iter().map(|s| s.to_string()).collect()
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
        "help" => none(&args, Cmd::Help),
        _ => none(&args, Cmd::Quit),
    }
}

/// Whether a control at `level` is shown under `:status at_least`.
pub fn at_or_past(level: StatusLevel, at_least: StatusLevel) -> bool {
    let rank = |l: StatusLevel| STATUS_ORDER.iter().position(|s| *s == l).unwrap_or(0);
    rank(level) <= rank(at_least)
}

/// The whole lines Tab can turn `line` into: command names, then the arguments of the command
/// named.
pub fn completions(line: &str) -> Vec<String> {
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
            choices(spec.name)
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

/// The command line being typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommandLine {
    pub text: String,
    /// What Tab offered, shown above the line; the one chosen, when Tab went through them.
    pub offered: Vec<String>,
    pub chosen: Option<usize>,
    /// The history entry shown (Up and Down), counted from the newest.
    recalled: Option<usize>,
}

/// The most lines the history keeps.
pub const HISTORY: usize = 100;

impl CommandLine {
    /// Tab: completes as far as the candidates agree, then goes through them.
    pub fn complete(&mut self) {
        if let Some(i) = self.chosen {
            let next = (i + 1) % self.offered.len().max(1);
            self.chosen = Some(next);
            self.text = self.with_space(&self.offered[next]);
            return;
        }
        let candidates = completions(&self.text);
        match candidates.len() {
            0 => self.offered.clear(),
            1 => {
                self.text = self.with_space(&candidates[0]);
                self.offered.clear();
            }
            _ => {
                let prefix = common_prefix(&candidates);
                if prefix.len() > self.text.trim_start().len() {
                    self.text = prefix;
                    self.offered = candidates;
                } else {
                    self.text = self.with_space(&candidates[0]);
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

    /// A key typed: the offer ends.
    pub fn typed(&mut self, c: Option<char>) {
        match c {
            Some(c) => self.text.push(c),
            None => {
                self.text.pop();
            }
        }
        self.offered.clear();
        self.chosen = None;
        self.recalled = None;
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
        self.text = next.map_or_else(String::new, |i| history[history.len() - 1 - i].clone());
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
        assert_eq!(parse("s"), Err(":s is ambiguous: :severity, :status, :sources".into()));
        assert_eq!(parse("pane"), Err("usage: :pane preventive|detective|corrective".into()));
        assert_eq!(parse("freeze now"), Err(":freeze takes nothing".into()));
    }

    #[test]
    fn status_keeps_what_is_at_or_past() {
        assert!(at_or_past(StatusLevel::Fail, StatusLevel::Warn));
        assert!(at_or_past(StatusLevel::Warn, StatusLevel::Warn));
        assert!(!at_or_past(StatusLevel::Pass, StatusLevel::Warn));
        assert!(at_or_past(StatusLevel::Pass, StatusLevel::Pass));
    }

    #[test]
    fn tab_completes_then_goes_through_the_candidates() {
        let mut line = CommandLine { text: "th".into(), ..Default::default() };
        line.complete();
        assert_eq!(line.text, "theme ");
        line.complete();
        assert_eq!(line.offered, ["theme dark", "theme light", "theme high-contrast"]);
        assert_eq!(line.text, "theme dark");
        line.complete();
        assert_eq!(line.text, "theme light");
        line.typed(None);
        assert!(line.offered.is_empty());

        let mut line = CommandLine { text: "s".into(), ..Default::default() };
        line.complete();
        assert_eq!(line.offered, ["severity", "status", "sources"]);
        assert_eq!(line.text, "severity ");
        let mut line = CommandLine { text: "se".into(), ..Default::default() };
        line.complete();
        assert_eq!(line.text, "severity ");
        let mut line = CommandLine { text: "export c".into(), ..Default::default() };
        line.complete();
        assert_eq!(line.text, "export csv");
        assert_eq!(common_prefix(&["status".into(), "sources".into()]), "s");
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
        assert_eq!(line.text, "status fail");
        line.recall(&history, true);
        line.recall(&history, true);
        assert_eq!(line.text, "pane detective");
        line.recall(&history, false);
        assert_eq!(line.text, "status fail");
        line.recall(&history, false);
        assert_eq!(line.text, "");
    }
}
