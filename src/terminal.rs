//! The terminal at the edge: raw mode and the alternate screen on the way in, and given back on
//! every way out (quit, error, panic in the UI, SIGTERM/SIGHUP).

use std::io::{self, Stdout};
use std::thread::ThreadId;

use crossterm::cursor::Show;
use crossterm::execute;
use crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Tui = Terminal<CrosstermBackend<Stdout>>;

/// Gives the terminal back when dropped.
pub struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Raw mode, alternate screen, hidden cursor.
pub fn enter() -> io::Result<(Tui, TerminalGuard)> {
    enable_raw_mode()?;
    let guard = TerminalGuard;
    // Clearing through crossterm, not `Terminal::clear`, which asks the terminal where its
    // cursor is and fails on terminals that never answer.
    execute!(io::stdout(), EnterAlternateScreen, Clear(ClearType::All))?;
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    terminal.hide_cursor()?;
    Ok((terminal, guard))
}

/// Raw mode off, main screen, cursor shown. Safe to call more than once.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(io::stdout(), LeaveAlternateScreen, Show);
}

/// A panic on the UI thread gives the terminal back before its message is printed (the
/// process then exits non-zero). A panic elsewhere (a source task) is only logged: the
/// terminal belongs to the UI, and the source's supervisor reports it as a failed source.
pub fn install_panic_hook(ui_thread: ThreadId) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == ui_thread {
            restore();
            previous(info);
        } else {
            tracing::error!("panic in a background task: {info}");
        }
    }));
}

/// Base64 (RFC 4648, with padding), for OSC 52.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Puts `text` on the clipboard through the terminal (OSC 52), which also works over SSH.
pub fn copy_to_clipboard(text: &str) -> io::Result<()> {
    use std::io::Write;
    let mut out = io::stdout();
    write!(out, "\x1b]52;c;{}\x07", base64(text.as_bytes()))?;
    out.flush()
}

/// Opens `url` with the system's opener (`xdg-open`, or `open` on macOS), detached.
pub fn open_with_system(url: &str) -> Result<(), String> {
    let opener = ["xdg-open", "open"]
        .into_iter()
        .find(|name| {
            std::env::var_os("PATH")
                .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(name).is_file()))
        })
        .ok_or_else(|| "no opener found (xdg-open or open)".to_string())?;
    std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(|_| ())
        .map_err(|e| format!("{opener} failed: {e}"))
}

#[cfg(test)]
mod clipboard_tests {
    #[test]
    fn base64_matches_rfc_4648() {
        assert_eq!(super::base64(b""), "");
        assert_eq!(super::base64(b"f"), "Zg==");
        assert_eq!(super::base64(b"fo"), "Zm8=");
        assert_eq!(super::base64(b"foo"), "Zm9v");
        assert_eq!(super::base64(b"foobar"), "Zm9vYmFy");
    }
}
