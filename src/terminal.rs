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

/// The dashboard's commands (`watch`, `demo`, `replay`) read keys from stdin and draw on
/// stdout: without a terminal on both there is nothing to draw on, and they say so (before
/// anything starts) rather than fail half-way with the system's `No such device or address`.
pub fn require(command: &str) -> Result<(), String> {
    use std::io::IsTerminal;
    if io::stdin().is_terminal() && io::stdout().is_terminal() { Ok(()) } else { Err(needs_terminal(command)) }
}

/// What a dashboard command says without a terminal.
pub fn needs_terminal(command: &str) -> String {
    format!("{command} needs a terminal; for a posture without one, use vigil report")
}

/// The columns of the terminal on stderr, when it is one and says.
pub fn stderr_width() -> Option<u16> {
    let mut size = libc::winsize { ws_row: 0, ws_col: 0, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: TIOCGWINSZ fills the one winsize given, for the duration of the call.
    let ok = unsafe { libc::ioctl(libc::STDERR_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    (ok && size.ws_col > 0).then_some(size.ws_col)
}

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
mod require_tests {
    #[test]
    fn without_a_terminal_the_dashboard_points_at_the_report() {
        assert_eq!(
            super::needs_terminal("replay"),
            "replay needs a terminal; for a posture without one, use vigil report"
        );
    }
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

/// Whether the terminal is gone (its other end closed: a closed window, a dropped SSH session),
/// which not every platform signals with SIGHUP. The input reader would otherwise read nothing
/// for ever.
pub fn hung_up() -> bool {
    let mut poll = libc::pollfd { fd: libc::STDIN_FILENO, events: libc::POLLIN, revents: 0 };
    // SAFETY: one valid pollfd, no waiting.
    let ready = unsafe { libc::poll(&mut poll, 1, 0) };
    ready > 0 && poll.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
}

/// How long the terminal has to say its background colour.
pub const BACKGROUND_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(100);

/// Asks the terminal for its background colour (OSC 11) and says whether it is light: `None`
/// when it does not answer in `timeout`. A device-attributes query (DA1) follows, which every
/// terminal answers: its answer arriving first means OSC 11 is not supported, and no late
/// answer is left to be read as keys. Call in raw mode, before input is read.
pub fn background_is_light(timeout: std::time::Duration) -> Option<bool> {
    use std::io::Write;
    let mut out = io::stdout();
    out.write_all(b"\x1b]11;?\x1b\\\x1b[c").ok()?;
    out.flush().ok()?;
    let answer = read_answers(libc::STDIN_FILENO, timeout);
    osc11_color(&answer).map(|rgb| luminance(rgb) > 0.5)
}

/// Reads what the terminal answers until the DA1 answer ends it, or `timeout`.
fn read_answers(fd: i32, timeout: std::time::Duration) -> Vec<u8> {
    let deadline = std::time::Instant::now() + timeout;
    let mut got = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() || da1_answered(&got) {
            return got;
        }
        let mut poll = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
        // SAFETY: one valid pollfd, for the duration of the call.
        let ready = unsafe { libc::poll(&mut poll, 1, left.as_millis().max(1) as i32) };
        if ready <= 0 {
            return got;
        }
        let mut buf = [0u8; 256];
        // SAFETY: reads at most buf.len() bytes into buf.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n <= 0 {
            return got;
        }
        got.extend_from_slice(&buf[..n as usize]);
    }
}

/// Whether a DA1 answer (`ESC [ ? digits;digits c`) is among the bytes.
fn da1_answered(bytes: &[u8]) -> bool {
    bytes.windows(3).enumerate().any(|(i, w)| {
        w == b"\x1b[?" && bytes[i + 3..].iter().find(|b| !(b.is_ascii_digit() || **b == b';')) == Some(&b'c')
    })
}

/// The colour in an OSC 11 answer, `ESC ] 11 ; rgb:RRRR/GGGG/BBBB` ended by BEL or ST, each
/// component of one to four hex digits, as fractions of full.
pub fn osc11_color(bytes: &[u8]) -> Option<(f64, f64, f64)> {
    let start = bytes.windows(8).position(|w| w == b"\x1b]11;rgb")? + 9;
    let rest = &bytes[start..];
    let end = rest.iter().position(|b| *b == 0x07 || *b == 0x1b)?;
    let text = std::str::from_utf8(&rest[..end]).ok()?;
    let parts: Vec<f64> = text
        .split('/')
        .map(|h| {
            let digits = h.len();
            let value = u32::from_str_radix(h, 16).ok()?;
            ((1..=4).contains(&digits)).then(|| f64::from(value) / f64::from((1u32 << (4 * digits)) - 1))
        })
        .collect::<Option<_>>()?;
    match parts.as_slice() {
        [r, g, b] => Some((*r, *g, *b)),
        _ => None,
    }
}

/// Relative luminance (WCAG, sRGB).
fn luminance((r, g, b): (f64, f64, f64)) -> f64 {
    let linear = |c: f64| if c <= 0.03928 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) };
    0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
}

#[cfg(test)]
mod background_tests {
    use super::*;

    #[test]
    fn osc11_answers_are_read_in_every_form() {
        let white = osc11_color(b"\x1b]11;rgb:ffff/ffff/ffff\x1b\\").unwrap();
        assert!(luminance(white) > 0.99);
        let black = osc11_color(b"\x1b]11;rgb:0000/0000/0000\x07").unwrap();
        assert!(luminance(black) < 0.01);
        // Two-digit components, and the DA1 answer after it.
        let solarized_light = osc11_color(b"\x1b]11;rgb:fd/f6/e3\x1b\\\x1b[?62;22c").unwrap();
        assert!(luminance(solarized_light) > 0.5);
        let dark_grey = osc11_color(b"\x1b]11;rgb:2e2e/3434/3636\x1b\\").unwrap();
        assert!(luminance(dark_grey) < 0.5);
        assert_eq!(osc11_color(b"\x1b[?62;22c"), None, "only DA1: no colour");
        assert_eq!(osc11_color(b"\x1b]11;rgb:zz/00/00\x07"), None);
        assert_eq!(osc11_color(b"\x1b]11;rgb:ff/ff\x07"), None);
    }

    #[test]
    fn the_da1_answer_ends_the_wait() {
        assert!(da1_answered(b"\x1b]11;rgb:0/0/0\x07\x1b[?62;22c"));
        assert!(da1_answered(b"\x1b[?1;2c"));
        assert!(!da1_answered(b"\x1b[?62;22"));
        assert!(!da1_answered(b"\x1b]11;rgb:0/0/0\x07"));
    }
}
