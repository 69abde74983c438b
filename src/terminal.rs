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
