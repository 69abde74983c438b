//! Keys to actions, as data: each binding is a line such as `quit = ["q", "ctrl-c"]`, and the
//! `[keys]` table of the config file replaces the defaults of the actions it names.

use std::collections::HashMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// The actions, one row each: the name in the config file, what the help says, the default keys.
macro_rules! actions {
    ($($variant:ident => $name:literal, $about:literal, [$($key:literal),*];)+) => {
        crate::enums::named_enum! {
            /// What a key asks for. `update` turns actions into view changes and commands.
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            pub enum Action {
                $($variant => $name),+
            }
        }

        impl Action {
            /// What the help overlay says it does.
            pub fn description(self) -> &'static str {
                match self {
                    $(Action::$variant => $about),+
                }
            }

            pub fn default_keys(self) -> &'static [&'static str] {
                match self {
                    $(Action::$variant => &[$($key),*]),+
                }
            }
        }
    };
}

actions! {
    Quit => "quit", "quit", ["q", "ctrl-c"];
    NextPane => "next_pane", "next pane", ["tab"];
    PrevPane => "prev_pane", "previous pane", ["shift-tab"];
    Preventive => "preventive", "preventive pane", ["1"];
    Detective => "detective", "detective pane", ["2"];
    Corrective => "corrective", "corrective pane", ["3"];
    Accounts => "accounts", "accounts view", ["4"];
    Changes => "changes", "what changed, newest first", ["c"];
    Up => "up", "move up", ["k", "up"];
    Down => "down", "move down", ["j", "down"];
    PageUp => "page_up", "page up", ["pageup", "ctrl-u"];
    PageDown => "page_down", "page down", ["pagedown", "ctrl-d"];
    Top => "top", "first row", ["g", "home"];
    Bottom => "bottom", "last row", ["G", "end"];
    Enter => "enter", "drill in", ["enter", "l", "right"];
    Back => "back", "go back, close help", ["esc", "h", "left"];
    Help => "help", "this help", ["?"];
    Refresh => "refresh", "refresh / read this view again", ["r"];
    Remediate => "remediate", "start remediation (--write)", ["x"];
    Workflow => "workflow", "set finding workflow (--write)", ["w"];
    ViewRow => "view_row", "the whole row, where it is cut", ["v"];
    CopyId => "copy_id", "copy the identifier (ARN)", ["y"];
    CopyLink => "copy_link", "copy the console link", ["Y"];
    OpenLink => "open_link", "open the console link", ["o"];
    Freeze => "freeze", "freeze / resume updates", ["f"];
    Filter => "filter", "filter the pane (~regex, !not)", ["/"];
    Command => "command", "command line (Tab completes)", [":"];
    Export => "export", "export this view to a file", ["e"];
    ScrollLeft => "scroll_left", "columns to the left (accounts)", ["<"];
    ScrollRight => "scroll_right", "columns to the right (accounts)", [">"];
    NextAccount => "next_account", "narrow to next account", ["a"];
    Pause => "pause", "story: pause / resume", ["space"];
    NextStep => "next_step", "story: next step", ["n"];
    PrevStep => "prev_step", "story: previous step", ["p"];
    Restart => "restart", "story: start again", ["R"];
    Faster => "faster", "story: faster (to 8x)", ["+"];
    Slower => "slower", "story: slower (to 0.25x)", ["-"];
    Narration => "narration", "story: the narration so far", ["N"];
}

/// A key with its modifiers, as written in the config: `q`, `G`, `ctrl-c`, `shift-tab`, `f5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    code: KeyCode,
    ctrl: bool,
    alt: bool,
}

impl Key {
    pub fn parse(spec: &str) -> Result<Key, String> {
        let mut ctrl = false;
        let mut alt = false;
        let mut shift = false;
        let mut rest = spec;
        loop {
            let lower = rest.to_ascii_lowercase();
            if let Some(r) = lower.strip_prefix("ctrl-").map(|_| &rest[5..]) {
                ctrl = true;
                rest = r;
            } else if let Some(r) = lower.strip_prefix("alt-").map(|_| &rest[4..]) {
                alt = true;
                rest = r;
            } else if let Some(r) = lower.strip_prefix("shift-").map(|_| &rest[6..]) {
                shift = true;
                rest = r;
            } else {
                break;
            }
        }
        let named = match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" => Some(KeyCode::Enter),
            "esc" | "escape" => Some(KeyCode::Esc),
            "tab" if shift => Some(KeyCode::BackTab),
            "tab" => Some(KeyCode::Tab),
            "backtab" => Some(KeyCode::BackTab),
            "space" => Some(KeyCode::Char(' ')),
            "up" => Some(KeyCode::Up),
            "down" => Some(KeyCode::Down),
            "left" => Some(KeyCode::Left),
            "right" => Some(KeyCode::Right),
            "pageup" => Some(KeyCode::PageUp),
            "pagedown" => Some(KeyCode::PageDown),
            "home" => Some(KeyCode::Home),
            "end" => Some(KeyCode::End),
            "backspace" => Some(KeyCode::Backspace),
            "delete" => Some(KeyCode::Delete),
            f if f.len() > 1 && f.starts_with('f') && f[1..].parse::<u8>().is_ok_and(|n| (1..=24).contains(&n)) => {
                Some(KeyCode::F(f[1..].parse().expect("checked")))
            }
            _ => None,
        };
        let code = match named {
            Some(code) => code,
            None => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) if !c.is_control() => KeyCode::Char(if shift { c.to_ascii_uppercase() } else { c }),
                    _ => {
                        return Err(format!("`{spec}` is not a key (e.g. q, G, ctrl-c, shift-tab, enter, f5)"));
                    }
                }
            }
        };
        // Control characters arrive lower-case with the CONTROL modifier.
        let code = match code {
            KeyCode::Char(c) if ctrl => KeyCode::Char(c.to_ascii_lowercase()),
            other => other,
        };
        Ok(Key { code, ctrl, alt })
    }

    pub fn from_event(e: &KeyEvent) -> Key {
        let ctrl = e.modifiers.contains(KeyModifiers::CONTROL);
        let code = match e.code {
            KeyCode::Char(c) if ctrl => KeyCode::Char(c.to_ascii_lowercase()),
            other => other,
        };
        Key { code, ctrl, alt: e.modifiers.contains(KeyModifiers::ALT) }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("Ctrl-")?;
        }
        if self.alt {
            f.write_str("Alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// The key bindings in force.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: HashMap<Key, Action>,
    /// Keys per action in the order given, for the help overlay and the status line.
    keys: Vec<(Action, Vec<Key>)>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap::with_overrides(&HashMap::new()).expect("the default keys parse")
    }
}

impl Keymap {
    /// The defaults, with the actions named in `overrides` bound to the keys given instead.
    pub fn with_overrides(overrides: &HashMap<String, Vec<String>>) -> Result<Keymap, String> {
        for name in overrides.keys() {
            if Action::from_name(name).is_none() {
                let names: Vec<_> = Action::ALL.iter().map(|a| a.name()).collect();
                return Err(format!("keys.{name}: unknown action, expected one of: {}", names.join(", ")));
            }
        }
        let mut bindings = HashMap::new();
        let mut keys = Vec::new();
        for action in Action::ALL {
            let specs: Vec<&str> = match overrides.get(action.name()) {
                Some(v) => v.iter().map(String::as_str).collect(),
                None => action.default_keys().to_vec(),
            };
            let mut parsed = Vec::new();
            for spec in specs {
                let key = Key::parse(spec).map_err(|e| format!("keys.{}: {e}", action.name()))?;
                if let Some(other) = bindings.insert(key, action)
                    && other != action
                {
                    return Err(format!("keys.{}: `{spec}` is already bound to {}", action.name(), other.name()));
                }
                parsed.push(key);
            }
            keys.push((action, parsed));
        }
        Ok(Keymap { bindings, keys })
    }

    pub fn action(&self, e: &KeyEvent) -> Option<Action> {
        if e.kind == KeyEventKind::Release {
            return None;
        }
        self.bindings.get(&Key::from_event(e)).copied()
    }

    /// The keys bound to an action, for help texts.
    pub fn keys_for(&self, action: Action) -> &[Key] {
        self.keys.iter().find(|(a, _)| *a == action).map_or(&[], |(_, k)| k.as_slice())
    }

    /// The first key of an action as text, for hints.
    pub fn hint(&self, action: Action) -> String {
        self.keys_for(action).first().map_or_else(|| "-".into(), Key::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn defaults_cover_the_documented_keys() {
        let k = Keymap::default();
        assert_eq!(k.action(&press(KeyCode::Char('q'), KeyModifiers::NONE)), Some(Action::Quit));
        assert_eq!(k.action(&press(KeyCode::Char('c'), KeyModifiers::CONTROL)), Some(Action::Quit));
        assert_eq!(k.action(&press(KeyCode::BackTab, KeyModifiers::SHIFT)), Some(Action::PrevPane));
        assert_eq!(k.action(&press(KeyCode::Char('2'), KeyModifiers::NONE)), Some(Action::Detective));
        assert_eq!(k.action(&press(KeyCode::Down, KeyModifiers::NONE)), Some(Action::Down));
        assert_eq!(k.action(&press(KeyCode::Char('G'), KeyModifiers::SHIFT)), Some(Action::Bottom));
        assert_eq!(k.action(&press(KeyCode::Char('?'), KeyModifiers::SHIFT)), Some(Action::Help));
        assert_eq!(k.action(&press(KeyCode::Char('x'), KeyModifiers::NONE)), Some(Action::Remediate));
        assert_eq!(k.action(&press(KeyCode::Char('z'), KeyModifiers::NONE)), None);
    }

    #[test]
    fn overrides_replace_an_actions_keys_and_conflicts_are_refused() {
        let mut o = HashMap::new();
        o.insert("quit".to_string(), vec!["z".to_string()]);
        let k = Keymap::with_overrides(&o).unwrap();
        assert_eq!(k.action(&press(KeyCode::Char('z'), KeyModifiers::NONE)), Some(Action::Quit));
        assert_eq!(k.action(&press(KeyCode::Char('q'), KeyModifiers::NONE)), None);

        o.insert("help".to_string(), vec!["z".to_string()]);
        let e = Keymap::with_overrides(&o).unwrap_err();
        assert!(e.contains("already bound"), "{e}");

        let mut o = HashMap::new();
        o.insert("jump".to_string(), vec!["x".to_string()]);
        assert!(Keymap::with_overrides(&o).unwrap_err().starts_with("keys.jump: unknown action"));
        let mut o = HashMap::new();
        o.insert("quit".to_string(), vec!["ctrl-".to_string()]);
        assert!(Keymap::with_overrides(&o).unwrap_err().contains("is not a key"));
    }
}
