//! The real binary in a pseudo-terminal: it starts, draws the three panes, quits on `q` with 0,
//! and gives the terminal back (raw mode off, main screen, cursor shown), also on SIGTERM and
//! after a panic in the UI; a panicking source leaves the UI running.

use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nix::sys::termios::LocalFlags;
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

const ROWS: u16 = 40;
const COLS: u16 = 140;

struct Session {
    master: Box<dyn MasterPty + Send>,
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    output: mpsc::Receiver<Vec<u8>>,
    raw: Vec<u8>,
    screen: vt100::Parser,
    /// What the terminal answers when vigil asks its background colour (OSC 11): `None`, it
    /// does not answer at all.
    background: Option<&'static str>,
    answered: bool,
    _log: tempfile_dir::TempDir,
}

/// A scratch directory for the log, removed at the end.
mod tempfile_dir {
    pub struct TempDir(pub std::path::PathBuf);

    impl TempDir {
        pub fn new(tag: &str) -> Self {
            let dir = std::env::temp_dir().join(format!("vigil-pty-{tag}-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl Session {
    fn start(tag: &str, fault: Option<&str>) -> Session {
        Session::start_with(tag, fault, &[])
    }

    fn start_with(tag: &str, fault: Option<&str>, args: &[&str]) -> Session {
        let pair = native_pty_system()
            .openpty(PtySize { rows: ROWS, cols: COLS, pixel_width: 0, pixel_height: 0 })
            .expect("a pseudo-terminal");
        let log = tempfile_dir::TempDir::new(tag);
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_vigil"));
        cmd.args(["demo", "--log-file"]);
        cmd.arg(log.0.join("vigil.log"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOME", &log.0);
        // Exports without a path land here, not in the project.
        cmd.cwd(&log.0);
        cmd.env_remove("NO_COLOR");
        if let Some(f) = fault {
            cmd.env("VIGIL_FAULT", f);
        }
        let child = pair.slave.spawn_command(cmd).expect("vigil starts");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let (tx, output) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Session {
            master: pair.master,
            child,
            writer,
            output,
            raw: Vec::new(),
            screen: vt100::Parser::new(ROWS.try_into().unwrap(), COLS.try_into().unwrap(), 0),
            background: None,
            answered: false,
            _log: log,
        }
    }

    fn pump(&mut self, wait: Duration) {
        if let Ok(bytes) = self.output.recv_timeout(wait) {
            self.take(&bytes);
        }
    }

    /// Feeds output to the screen, answering cursor position queries as a terminal would.
    fn take(&mut self, bytes: &[u8]) {
        self.screen.process(bytes);
        self.raw.extend_from_slice(bytes);
        if !self.answered && self.raw.windows(6).any(|w| w == b"\x1b]11;?") {
            // As a terminal answers: the colour (if it knows OSC 11), then device attributes.
            self.answered = true;
            if let Some(rgb) = self.background {
                let _ = write!(self.writer, "\x1b]11;rgb:{rgb}\x1b\\\x1b[?62;22c");
                let _ = self.writer.flush();
            }
        }
        if bytes.windows(4).any(|w| w == b"\x1b[6n") {
            let (row, col) = self.screen.screen().cursor_position();
            let _ = write!(self.writer, "\x1b[{};{}R", row + 1, col + 1);
            let _ = self.writer.flush();
        }
    }

    /// Reads output until the screen shows all of `texts`.
    fn wait_for(&mut self, texts: &[&str]) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            self.pump(Duration::from_millis(100));
            let contents = self.screen.screen().contents();
            if texts.iter().all(|t| contents.contains(t)) {
                return;
            }
        }
        panic!("the screen never showed {texts:?}; it shows:\n{}", self.screen.screen().contents());
    }

    fn wait_exit(&mut self) -> u32 {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Drain what is left.
                while let Ok(bytes) = self.output.recv_timeout(Duration::from_millis(200)) {
                    self.take(&bytes);
                }
                return status.exit_code();
            }
            assert!(Instant::now() < deadline, "vigil did not exit");
            self.pump(Duration::from_millis(50));
        }
    }

    /// Kills vigil if it is still running (a test that failed half-way).
    fn kill(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    /// The terminal as vigil left it: canonical mode and echo back on, the main screen, a
    /// visible cursor.
    fn assert_given_back(&self) {
        let termios = self.master.get_termios().expect("terminal settings");
        assert!(termios.local_flags.contains(LocalFlags::ICANON), "raw mode left on (no ICANON)");
        assert!(termios.local_flags.contains(LocalFlags::ECHO), "raw mode left on (no ECHO)");
        assert!(!self.screen.screen().alternate_screen(), "still on the alternate screen");
        assert!(!self.screen.screen().hide_cursor(), "cursor left hidden");
        let text = String::from_utf8_lossy(&self.raw);
        let entered = text.find("\x1b[?1049h").expect("entered the alternate screen");
        let left = text.rfind("\x1b[?1049l").expect("left the alternate screen");
        assert!(left > entered);
    }
}

#[test]
fn demo_draws_the_three_panes_and_q_quits_cleanly() {
    let mut s = Session::start("quit", None);
    s.wait_for(&["Preventive", "Detective", "Corrective", "DEMO"]);
    assert!(s.screen.screen().alternate_screen());
    s.writer.write_all(b"q").unwrap();
    s.writer.flush().unwrap();
    assert_eq!(s.wait_exit(), 0);
    s.assert_given_back();
}

#[test]
fn sigterm_restores_the_terminal() {
    let mut s = Session::start("term", None);
    s.wait_for(&["Preventive"]);
    let pid = s.child.process_id().expect("a pid") as i32;
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGTERM).unwrap();
    assert_eq!(s.wait_exit(), 143);
    s.assert_given_back();
}

#[test]
fn a_panic_in_the_ui_restores_the_terminal_and_exits_non_zero() {
    let mut s = Session::start("ui-panic", Some("ui-panic"));
    s.wait_for(&["Preventive"]);
    let code = s.wait_exit();
    assert_ne!(code, 0);
    s.assert_given_back();
    let text = String::from_utf8_lossy(&s.raw);
    // The hook leaves the alternate screen before the message is printed (the guard's second
    // restore during unwinding is harmless).
    let left = text.find("\x1b[?1049l").unwrap();
    assert!(text[left..].contains("injected fault in the UI"), "the panic message is printed on the main screen");
}

#[test]
fn a_panicking_source_is_marked_failed_and_the_ui_goes_on() {
    let mut s = Session::start("source-panic", Some("source-panic"));
    s.wait_for(&["guardrails ✘ failed: source crashed: injected fault in a source"]);
    // The other sources and the UI are untouched: keys still work.
    s.wait_for(&["config ● ok", "securityhub ● ok"]);
    s.writer.write_all(b"3").unwrap();
    s.writer.flush().unwrap();
    s.wait_for(&["COR-01 Public buckets are closed automatically"]);
    s.writer.write_all(b"q").unwrap();
    s.writer.flush().unwrap();
    assert_eq!(s.wait_exit(), 0);
    s.assert_given_back();
}

impl Session {
    fn keys(&mut self, keys: &[u8]) {
        for k in keys {
            self.writer.write_all(&[*k]).unwrap();
            self.writer.flush().unwrap();
            // One key at a time, as a person types: each is drawn before the next.
            self.pump(Duration::from_millis(40));
        }
    }
}

#[test]
fn keys_alone_lead_from_the_overview_to_a_notebooks_finding_and_back() {
    let mut s = Session::start_with("drill", None, &["--write"]);
    // The first frame can come before the demo's first data: wait for it, as a person would.
    s.wait_for(&["Preventive", "WRITE", "config ● ok", "securityhub ● ok"]);
    // PRV-02, its failing notebook, the notebook's story.
    s.keys(b"1j");
    s.keys(b"\r");
    // The control's own screen (its hints say where Enter leads), not the overview's detail.
    s.wait_for(&["PRV-02 Notebooks run inside a VPC ✘ FAIL 1", "Enter resource"]);
    s.keys(b"\r");
    s.wait_for(&["Resource legacy-analysis-nb", "COR-05 corrective", "Custom-StopNotebookOutsideVpc", "Findings (2)"]);
    // Down to its first finding (after the fix, the evaluations and the timeline), and in.
    s.keys(&[b'j'; 20]);
    s.keys(b"\r");
    s.wait_for(&["Description", "SageMaker notebook instances should be launched in a custom VPC", "History"]);
    // Back out: the notebook, PRV-02, the overview (`h` is Esc's twin: two Esc bytes in a row
    // would read as one Alt-Esc).
    s.keys(b"\x1b");
    s.wait_for(&["Resource legacy-analysis-nb"]);
    s.keys(b"hh");
    s.wait_for(&["1 Preventive", "3 Corrective"]);
    assert!(!s.screen.screen().contents().contains("Resource legacy-analysis-nb"));
    s.keys(b"q");
    assert_eq!(s.wait_exit(), 0);
    s.assert_given_back();
}

#[test]
fn freeze_holds_the_story_and_resume_applies_it() {
    let mut s = Session::start_with("freeze", None, &[]);
    s.wait_for(&["Preventive", "DEMO"]);
    s.keys(b"f");
    s.wait_for(&["FROZEN", "frozen: updates wait until f"]);
    // The story's first step comes at 10 s: it waits while frozen.
    let until = Instant::now() + Duration::from_secs(12);
    while Instant::now() < until {
        s.pump(Duration::from_millis(100));
    }
    let screen = s.screen.screen().contents();
    assert!(screen.contains("waiting"), "updates wait: {screen}");
    assert!(!screen.contains("00:10"), "the narration waits too: {screen}");
    s.keys(b"f");
    s.wait_for(&["resumed:"]);
    assert!(!s.screen.screen().contents().contains("FROZEN"));
    s.keys(b"q");
    assert_eq!(s.wait_exit(), 0);
}

#[test]
fn a_filter_typed_then_cleared() {
    let mut s = Session::start_with("filter", None, &[]);
    s.wait_for(&["Preventive", "DEMO", "config ● ok"]);
    s.keys(b"3/bucket");
    s.wait_for(&["/bucket▏", "/bucket 2 of 6"]);
    s.keys(b"\r");
    s.wait_for(&["COR-02 Bucket public"]);
    assert!(!s.screen.screen().contents().contains("COR-05"), "filtered out");
    s.keys(b"\x1b");
    s.wait_for(&["COR-05", "filter cleared"]);
    s.keys(b"q");
    assert_eq!(s.wait_exit(), 0);
}

impl Session {
    /// Writes a key's bytes at once (an arrow's escape sequence must not arrive split).
    fn sequence(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
        self.pump(Duration::from_millis(40));
    }

    /// Whether vigil is still running.
    fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

/// The command line edits as readline does (issue 20): ← moves, characters go in at the cursor,
/// Ctrl-W, Ctrl-A, Ctrl-E, Ctrl-K and Ctrl-U; Backspace on an empty line leaves it open, so the
/// `q` typed next is text and vigil does not quit; Esc closes it; an edited line runs.
#[test]
fn the_command_line_edits_and_no_key_leaks_into_an_action() {
    const LEFT: &[u8] = b"\x1b[D";
    let mut s = Session::start_with("command-keys", None, &[]);
    s.wait_for(&["Preventive", "config ● ok", " : command "]);
    s.keys(b":pane cor");
    s.wait_for(&[" :pane cor▏", "Tab complete"]);
    for _ in 0..3 {
        s.sequence(LEFT);
    }
    s.wait_for(&[" :pane ▏cor"]);
    s.keys(b"x");
    s.wait_for(&[" :pane x▏cor"]);
    s.keys(&[0x17]); // Ctrl-W
    s.wait_for(&[" :pane ▏cor"]);
    s.keys(&[0x01]); // Ctrl-A
    s.wait_for(&[" :▏pane cor"]);
    s.keys(&[0x05]); // Ctrl-E
    s.wait_for(&[" :pane cor▏"]);
    s.sequence(LEFT);
    s.keys(&[0x0b]); // Ctrl-K
    s.wait_for(&[" :pane co▏"]);
    s.keys(&[0x15]); // Ctrl-U
    s.wait_for(&[" :▏", "Tab complete"]);
    assert!(!s.screen.screen().contents().contains("pane co"), "Ctrl-U emptied the line");
    // Backspace on the empty line: it stays open, and `q` is typed into it.
    s.keys(&[0x7f]);
    s.keys(b"q");
    s.wait_for(&[" :q▏", "Tab complete"]);
    assert!(s.running(), "a key typed after Backspace on an empty line ran an action");
    s.keys(&[0x7f, 0x7f, 0x7f]);
    s.wait_for(&[" :▏"]);
    assert!(s.running());
    // Esc closes it: the overview's hints come back.
    s.keys(b"\x1b");
    s.wait_for(&[" : command "]);
    assert!(!s.screen.screen().contents().contains(" :▏"));
    // A line completed, mistyped and mended runs as it reads.
    s.keys(b":sev\thgh");
    s.wait_for(&[" :severity hgh▏"]);
    s.sequence(LEFT);
    s.sequence(LEFT);
    s.keys(b"i");
    s.wait_for(&[" :severity hi▏gh"]);
    s.keys(b"\r");
    s.wait_for(&["findings below HIGH hidden"]);
    s.keys(b"q");
    assert_eq!(s.wait_exit(), 0);
    s.assert_given_back();
}

impl Drop for Session {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The top-left cell's background: the header's, which differs between the themes.
fn header_background(s: &Session) -> vt100::Color {
    s.screen.screen().cell(0, 0).expect("a cell").bgcolor()
}

/// The light theme's header background, `#dde6ee`.
const LIGHT_HEADER: vt100::Color = vt100::Color::Rgb(0xdd, 0xe6, 0xee);

#[test]
fn the_terminal_background_picks_the_theme() {
    // Answered light: the light theme.
    let mut s = Session::start_with("osc11-light", None, &[]);
    s.background = Some("ffff/ffff/ffff");
    s.wait_for(&["Preventive", "config ● ok"]);
    assert!(s.answered, "vigil asked the background colour");
    assert_eq!(header_background(&s), LIGHT_HEADER);
    s.keys(b"q");
    assert_eq!(s.wait_exit(), 0);
    // Answered dark, and not answered at all (the 100 ms time-out): the dark theme.
    for (tag, answer) in [("osc11-dark", Some("1c1c/1c1c/1c1c")), ("osc11-silent", None)] {
        let mut s = Session::start_with(tag, None, &[]);
        s.background = answer;
        let started = Instant::now();
        s.wait_for(&["Preventive", "config ● ok"]);
        assert!(started.elapsed() < Duration::from_secs(10), "{tag}: the time-out does not hold vigil up");
        assert!(s.answered, "{tag}: vigil asked");
        assert_ne!(header_background(&s), LIGHT_HEADER, "{tag}");
        s.keys(b"q");
        assert_eq!(s.wait_exit(), 0);
        s.assert_given_back();
    }
    // A theme chosen wins over the terminal.
    let mut s = Session::start_with("osc11-chosen", None, &["--theme", "dark"]);
    s.background = Some("ffff/ffff/ffff");
    s.wait_for(&["Preventive", "config ● ok"]);
    assert!(!s.answered, "no question when the theme is chosen");
    assert_ne!(header_background(&s), LIGHT_HEADER);
    s.keys(b"q");
    assert_eq!(s.wait_exit(), 0);
}

#[test]
fn theme_light_switches_from_the_command_line() {
    let mut s = Session::start_with("theme", None, &[]);
    s.wait_for(&["Preventive", "config ● ok"]);
    assert_ne!(header_background(&s), LIGHT_HEADER);
    s.keys(b":th\tli\r");
    s.wait_for(&["theme light"]);
    assert_eq!(header_background(&s), LIGHT_HEADER);
    s.keys(b":nonsense\r");
    s.wait_for(&["unknown command :nonsense"]);
    s.keys(b"q");
    assert_eq!(s.wait_exit(), 0);
}

#[test]
fn export_csv_writes_what_report_prints() {
    let mut s = Session::start_with("export", None, &[]);
    // The demo's baseline, before its first step (at 10 s).
    s.wait_for(&["Preventive", "config ● ok", "securityhub ● ok", "cloudwatch ● ok", "guardrails ● ok"]);
    let file = s._log.0.join("posture.csv");
    s.keys(format!(":export csv {}\r", file.display()).as_bytes());
    s.wait_for(&["exported to"]);
    let exported = std::fs::read_to_string(&file).expect("the export was written");
    s.keys(b"q");
    assert_eq!(s.wait_exit(), 0);
    let report = std::process::Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(["report", "--demo", "--format", "csv", "--log-file"])
        .arg(s._log.0.join("report.log"))
        .env("HOME", &s._log.0)
        .output()
        .expect("vigil report runs");
    assert!(report.status.success(), "{}", String::from_utf8_lossy(&report.stderr));
    assert_eq!(exported, String::from_utf8(report.stdout).unwrap());
}

#[test]
fn e_exports_the_view_and_says_where() {
    let mut s = Session::start_with("export-view", None, &[]);
    s.wait_for(&["Preventive", "config ● ok"]);
    s.keys(b"e");
    s.wait_for(&["exported to", "vigil-view-"]);
    s.keys(b"q");
    assert_eq!(s.wait_exit(), 0);
    // The file, in the working directory.
    let path = std::fs::read_dir(&s._log.0)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("vigil-view-"))
        .expect("a vigil-view file");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("PRV-01 Notebooks have no direct internet access") && text.contains("COR-06"), "{text}");
}

/// The screen's header and panes (the posture), without the detail (which follows the cursor)
/// or the status line (which flashes messages).
fn posture_lines(s: &Session) -> Vec<String> {
    let contents = s.screen.screen().contents();
    let mut out = Vec::new();
    for line in contents.lines() {
        out.push(line.trim_end().to_string());
        if line.starts_with('└') {
            break;
        }
    }
    out
}

/// Reads output for a moment, so that a step's events have all arrived.
fn settle(s: &mut Session) {
    let until = Instant::now() + Duration::from_millis(400);
    while Instant::now() < until {
        s.pump(Duration::from_millis(50));
    }
}

#[test]
fn demo_step_walks_every_step_with_n_and_back_with_p() {
    let steps = vigil::sources::demo::Scenario::workshop().steps;
    let n = steps.len();
    let mut s = Session::start_with("step", None, &["--step"]);
    s.wait_for(&[&format!("step 0/{n} · the baseline"), "paused", "config ● ok"]);
    let mut seen = Vec::new();
    for (k, step) in steps.iter().enumerate() {
        s.keys(b"n");
        // The detail under the caption is the control the step narrates.
        let control = step.control.as_deref().expect("every workshop step names its control");
        s.wait_for(&[&format!("step {}/{n} · {}", k + 1, step.title), &format!("┌ {control} ")]);
        settle(&mut s);
        seen.push(posture_lines(&s));
    }
    s.wait_for(&["the story is over"]);
    // Back, step by step: each is the posture it was.
    for k in (2..n).rev() {
        s.keys(b"p");
        s.wait_for(&[&format!("step {k}/{n} · {}", steps[k - 1].title)]);
        settle(&mut s);
        assert_eq!(posture_lines(&s), seen[k - 1], "step {k} again");
    }
    // R starts again from the baseline.
    s.keys(b"R");
    s.wait_for(&[&format!("step 0/{n} · the baseline")]);
    s.keys(b"q");
    assert_eq!(s.wait_exit(), 0);
    s.assert_given_back();
}

#[test]
fn bad_day_step_by_step_shows_each_steps_control() {
    let steps = vigil::sources::demo::Scenario::built_in("bad-day").unwrap().steps;
    let n = steps.len();
    let mut s = Session::start_with("bad-day", None, &["--step", "--scenario", "bad-day"]);
    s.wait_for(&[&format!("step 0/{n} · the baseline"), "config ● ok"]);
    for (k, step) in steps.iter().enumerate() {
        s.keys(b"n");
        let control = step.control.as_deref().expect("every bad-day step names its control");
        s.wait_for(&[&format!("step {}/{n} · {}", k + 1, step.title), &format!("┌ {control} ")]);
    }
    s.keys(b"q");
    assert_eq!(s.wait_exit(), 0);
}

#[test]
fn a_terminal_that_goes_away_ends_vigil() {
    use std::os::fd::AsRawFd;
    // A terminal of our own whose master we can close for good (portable-pty keeps copies of
    // it). vigil does not own it as its controlling terminal, so no SIGHUP comes: it must notice.
    let pty = nix::pty::openpty(None, None).expect("a pseudo-terminal");
    // The master must not leak into vigil, or it would keep its own terminal open.
    // SAFETY: sets a flag on a descriptor we own.
    assert_eq!(unsafe { libc::fcntl(pty.master.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) }, 0);
    let log = tempfile_dir::TempDir::new("hangup");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_vigil"));
    cmd.args(["demo", "--theme", "dark", "--log-file"]).arg(log.0.join("vigil.log")).env("HOME", &log.0);
    cmd.env("TERM", "xterm-256color");
    cmd.stdin(std::fs::File::from(pty.slave.try_clone().unwrap()));
    cmd.stdout(std::fs::File::from(pty.slave.try_clone().unwrap()));
    cmd.stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().expect("vigil starts");
    drop(pty.slave);
    // Let it draw, reading what it writes so that it is not blocked.
    let mut master = std::fs::File::from(pty.master);
    let until = Instant::now() + Duration::from_secs(3);
    let mut buf = [0u8; 65536];
    // SAFETY: sets a flag on a descriptor we own.
    assert_eq!(unsafe { libc::fcntl(master.as_raw_fd(), libc::F_SETFL, libc::O_NONBLOCK) }, 0);
    while Instant::now() < until {
        let _ = master.read(&mut buf);
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(child.try_wait().unwrap().is_none(), "vigil runs while its terminal is there");
    drop(master);
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("vigil went on after its terminal went away");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(status.code(), Some(129), "ends as on SIGHUP (128 + 1)");
}

/// `x` then `y` on the workshop's scratch bucket: the status line says what was answered, as it
/// is answered, and the demo's write lands in no audit log unless `--audit-log` names one.
#[test]
fn a_demo_write_is_said_as_answered_and_logged_only_where_asked() {
    for named in [false, true] {
        let elsewhere = tempfile_dir::TempDir::new(&format!("audit-{named}"));
        let named_log = elsewhere.0.join("demo-audit.jsonl");
        let mut args = vec!["--write".to_string()];
        if named {
            args.extend(["--audit-log".to_string(), named_log.display().to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut s = Session::start_with(&format!("write-{named}"), None, &args);
        s.wait_for(&["Preventive", "WRITE", "config ● ok"]);
        // COR-02, its bucket whose remediation failed, `x`.
        s.keys(b"3j\r");
        s.wait_for(&["COR-02 Bucket public access block is enforced", "Enter resource"]);
        s.keys(b"\r");
        s.wait_for(&["Resource ml-scratch-exports"]);
        s.keys(b"x");
        let logged = if named { named_log.display().to_string() } else { "none: this call is not logged".into() };
        s.wait_for(&["Confirm a write to AWS", "last execution FAILED", &logged]);
        s.keys(b"y");
        s.wait_for(&["AWS accepted config:StartRemediationExecution"]);
        s.wait_for(&["the remediation is SUCCEEDED"]);
        s.keys(b"q");
        assert_eq!(s.wait_exit(), 0);
        let default_log = s._log.0.join("audit.jsonl");
        assert!(!default_log.exists(), "a demo's write never lands in the default audit log");
        if named {
            let text = std::fs::read_to_string(&named_log).unwrap();
            assert!(text.contains("\"outcome\":\"accepted\"") && text.contains("SUCCEEDED"), "{text}");
        } else {
            assert!(!named_log.exists());
        }
    }
}
