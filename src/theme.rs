//! Themes are files of semantic tokens (`themes/*.toml`); the three shipped ones are embedded.
//! `--theme NAME|PATH` picks one; `NO_COLOR` keeps the modifiers and drops the colours.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use toml::Spanned;

use crate::located::FileError;
use crate::model::{Severity, StatusLevel};

const BUILT_IN: [(&str, &str); 3] = [
    ("dark", include_str!("../themes/dark.toml")),
    ("light", include_str!("../themes/light.toml")),
    ("high-contrast", include_str!("../themes/high-contrast.toml")),
];

macro_rules! tokens {
    ($($variant:ident = $name:literal),+ $(,)?) => {
        /// The meanings a theme gives a style to.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Token { $($variant),+ }

        impl Token {
            pub const ALL: &'static [Token] = &[$(Token::$variant),+];

            pub fn name(self) -> &'static str {
                match self { $(Token::$variant => $name),+ }
            }
        }
    };
}

tokens! {
    Text = "text",
    Muted = "muted",
    Title = "title",
    Border = "border",
    Header = "header",
    Key = "key",
    Selection = "selection",
    Pass = "pass",
    Fail = "fail",
    Warn = "warn",
    Unknown = "unknown",
    Stale = "stale",
    Critical = "critical",
    High = "high",
    Medium = "medium",
    Low = "low",
    Informational = "informational",
}

impl Token {
    pub fn for_status(level: StatusLevel) -> Token {
        match level {
            StatusLevel::Pass => Token::Pass,
            StatusLevel::Fail => Token::Fail,
            StatusLevel::Warn => Token::Warn,
            StatusLevel::Unknown => Token::Unknown,
            StatusLevel::Stale => Token::Stale,
        }
    }

    pub fn for_severity(severity: Severity) -> Token {
        match severity {
            Severity::Critical => Token::Critical,
            Severity::High => Token::High,
            Severity::Medium => Token::Medium,
            Severity::Low => Token::Low,
            Severity::Informational => Token::Informational,
        }
    }
}

/// A resolved theme: one style per token.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    styles: Vec<Style>,
}

impl Theme {
    pub fn style(&self, token: Token) -> Style {
        self.styles[token as usize]
    }

    /// The names of the embedded themes.
    pub fn built_in_names() -> impl Iterator<Item = &'static str> {
        BUILT_IN.iter().map(|(n, _)| *n)
    }

    /// An embedded theme by name.
    pub fn built_in(name: &str) -> Option<Theme> {
        BUILT_IN
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, text)| Theme::parse(text, &format!("<built-in theme {n}>")).expect("built-in themes are valid"))
    }

    /// `spec` is a built-in name or a path to a theme file.
    pub fn load(spec: &str, no_color: bool) -> Result<Theme, FileError> {
        let theme = match Theme::built_in(spec) {
            Some(t) => t,
            None => {
                let path = Path::new(spec);
                let text = std::fs::read_to_string(path).map_err(|e| {
                    let names = Theme::built_in_names().collect::<Vec<_>>().join(", ");
                    FileError::whole(spec, format!("not a built-in theme ({names}) and cannot be read as a file: {e}"))
                })?;
                Theme::parse(&text, spec)?
            }
        };
        Ok(if no_color { theme.without_color() } else { theme })
    }

    pub fn parse(text: &str, origin: &str) -> Result<Theme, FileError> {
        let err = |offset: usize, message: String| FileError::at(origin, text, offset, "", message);
        let raw: RawTheme = toml::from_str(text).map_err(|e| FileError::from_toml(origin, text, &e))?;
        if let Some((key, _)) = raw.styles.iter().find(|(k, _)| !Token::ALL.iter().any(|t| t.name() == k.get_ref())) {
            let names: Vec<_> = Token::ALL.iter().map(|t| t.name()).collect();
            let field = format!("styles.{}", key.get_ref());
            return Err(FileError::at(
                origin,
                text,
                key.span().start,
                field,
                format!("unknown token, expected one of: {}", names.join(", ")),
            ));
        }
        let mut styles = Vec::with_capacity(Token::ALL.len());
        for token in Token::ALL {
            let Some((_, spec)) = raw.styles.iter().find(|(k, _)| k.get_ref() == token.name()) else {
                let mut e = FileError::whole(origin, "missing: every token needs a style");
                e.field = format!("styles.{}", token.name());
                return Err(e);
            };
            styles.push(spec.resolve(token.name(), &err)?);
        }
        Ok(Theme { name: raw.name, styles })
    }

    /// The same theme without colours, for `NO_COLOR`: modifiers stay, and the selection and
    /// failures gain reverse video and bold so they still stand out.
    pub fn without_color(mut self) -> Theme {
        for (i, style) in self.styles.iter_mut().enumerate() {
            let mut s = Style::default().add_modifier(style.add_modifier);
            if i == Token::Selection as usize {
                s = s.add_modifier(Modifier::REVERSED);
            }
            if i == Token::Fail as usize || i == Token::Critical as usize {
                s = s.add_modifier(Modifier::BOLD);
            }
            *style = s;
        }
        self
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTheme {
    name: String,
    styles: BTreeMap<Spanned<String>, RawStyle>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStyle {
    fg: Option<Spanned<String>>,
    bg: Option<Spanned<String>>,
    #[serde(default)]
    modifiers: Vec<Spanned<String>>,
}

impl RawStyle {
    fn resolve(&self, token: &str, err: &impl Fn(usize, String) -> FileError) -> Result<Style, FileError> {
        let color = |c: &Spanned<String>, field: &str| {
            Color::from_str(c.get_ref())
                .map_err(|_| err(c.span().start, format!("styles.{token}.{field}: `{}` is not a colour", c.get_ref())))
        };
        let mut style = Style::default();
        if let Some(fg) = &self.fg {
            style = style.fg(color(fg, "fg")?);
        }
        if let Some(bg) = &self.bg {
            style = style.bg(color(bg, "bg")?);
        }
        for m in &self.modifiers {
            let modifier = match m.get_ref().as_str() {
                "bold" => Modifier::BOLD,
                "dim" => Modifier::DIM,
                "italic" => Modifier::ITALIC,
                "underlined" => Modifier::UNDERLINED,
                "reversed" => Modifier::REVERSED,
                "crossed_out" => Modifier::CROSSED_OUT,
                other => {
                    return Err(err(
                        m.span().start,
                        format!(
                            "styles.{token}.modifiers: unknown modifier `{other}`, expected bold, dim, italic, underlined, reversed or crossed_out"
                        ),
                    ));
                }
            };
            style = style.add_modifier(modifier);
        }
        Ok(style)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_theme_loads() {
        for name in Theme::built_in_names() {
            let t = Theme::load(name, false).unwrap();
            assert_eq!(t.name, name);
        }
    }

    #[test]
    fn no_color_drops_colours_but_keeps_emphasis() {
        let t = Theme::load("dark", true).unwrap();
        for token in Token::ALL {
            assert_eq!(t.style(*token).fg, None);
            assert_eq!(t.style(*token).bg, None);
        }
        assert!(t.style(Token::Selection).add_modifier.contains(Modifier::REVERSED));
        assert!(t.style(Token::Fail).add_modifier.contains(Modifier::BOLD));
    }

    #[test]
    fn bad_colours_and_tokens_are_named_with_their_line() {
        let mut text = BUILT_IN[0].1.replace("fg = \"lightgreen\"", "fg = \"greenish\"");
        let e = Theme::parse(&text, "t.toml").unwrap_err();
        assert!(e.message.contains("styles.pass.fg: `greenish` is not a colour"), "{e}");
        assert!(e.line > 1, "{e}");
        text = BUILT_IN[0].1.lines().filter(|l| !l.starts_with("stale = ")).collect::<Vec<_>>().join("\n");
        let e = Theme::parse(&text, "t.toml").unwrap_err();
        assert_eq!(e.to_string(), "t.toml: styles.stale: missing: every token needs a style");
        let e = Theme::parse(&format!("{}\nsparkle = {{ fg = \"red\" }}\n", BUILT_IN[0].1), "t.toml").unwrap_err();
        assert!(e.to_string().contains(": styles.sparkle: unknown token"), "{e}");
        assert!(e.line > 20, "{e}");
    }

    #[test]
    fn an_unreadable_path_says_what_was_tried() {
        let e = Theme::load("/nonexistent/theme.toml", false).unwrap_err();
        assert!(e.message.contains("not a built-in theme (dark, light, high-contrast)"), "{e}");
    }
}
