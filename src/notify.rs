//! Telling changes beyond the screen, for someone who looked away: the terminal's bell, a
//! desktop notification (OSC 777 and OSC 9, which kitty, WezTerm, iTerm2, foot and Windows
//! Terminal turn into a system notification; through tmux's passthrough inside tmux), and a
//! command that receives each change as one JSON object on its standard input.
//!
//! Only changes at or above `--notify-on` are told; a source's first complete read is never a
//! change (the feed holds none), so nothing is told during a first load; the terminal is told
//! once per burst (every change that one batch of events brought), the command once per change.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::time::Duration;

use serde_json::{Value, json};

use crate::model::{ExecutionState, Severity, StatusLevel};
use crate::store::{Change, FindingEvent, Posture, What};

/// The notify-command's JSON schema version.
pub const SCHEMA_VERSION: u32 = 1;

/// Changes the command's queue holds; more are dropped and counted.
const QUEUE: usize = 256;

/// How long the command may take with one change before it is stopped.
const COMMAND_TIME: Duration = Duration::from_secs(30);

// The settings' enums live with the settings, below the notifier that acts on them.
pub use crate::config::{NotifyMethod as Method, NotifyOn as On};

impl On {
    pub fn admits(self, change: &Change) -> bool {
        let (status, severity) = match self {
            On::Any => return true,
            On::Fail => (&[StatusLevel::Fail][..], Severity::High),
            On::Warn => (&[StatusLevel::Fail, StatusLevel::Warn, StatusLevel::Stale][..], Severity::Medium),
        };
        match &change.what {
            What::Status { to, .. } => status.contains(to),
            What::Finding { severity: s, event: FindingEvent::New | FindingEvent::Raised(_), .. } => *s >= severity,
            What::Remediation { state: ExecutionState::Failed, .. } => self == On::Warn,
            What::Alarm { to: crate::model::AlarmState::Alarm, .. } => self == On::Warn,
            What::Health { to, .. } => self == On::Warn && *to != "ok",
            _ => false,
        }
    }
}

/// Where and what to tell.
pub struct Notifier {
    method: Method,
    on: On,
    /// Inside tmux: the terminal sequences go through its passthrough.
    tmux: bool,
    terminal: Box<dyn Write + Send>,
    command: Option<CommandQueue>,
}

impl Notifier {
    /// `command`: run with `sh -c` for each change told. Writes the terminal's sequences to
    /// standard output (the terminal), inside tmux through its passthrough.
    pub fn new(method: Method, on: On, command: Option<String>) -> Notifier {
        let tmux = std::env::var_os("TMUX").is_some_and(|v| !v.is_empty());
        Notifier::with_terminal(method, on, command, tmux, Box::new(std::io::stdout()))
    }

    /// As [`Notifier::new`], writing to `terminal` (tests).
    pub fn with_terminal(
        method: Method,
        on: On,
        command: Option<String>,
        tmux: bool,
        terminal: Box<dyn Write + Send>,
    ) -> Notifier {
        Notifier { method, on, tmux, terminal, command: command.map(CommandQueue::start) }
    }

    /// Whether anything would ever be told.
    pub fn is_quiet(&self) -> bool {
        self.method == Method::None && self.command.is_none()
    }

    /// Tells the changes of one burst that are at or above the threshold.
    pub fn tell(&mut self, posture: &Posture, changes: &[&Change]) {
        let told: Vec<&&Change> = changes.iter().filter(|c| self.on.admits(c)).collect();
        let Some(first) = told.first() else { return };
        let body = match told.len() {
            1 => summary(posture, first),
            n => format!("{} (and {} more)", summary(posture, first), n - 1),
        };
        let sequence = match self.method {
            Method::None => None,
            Method::Bell => Some("\x07".to_string()),
            Method::Desktop => Some(desktop(&body, self.tmux)),
        };
        if let Some(s) = sequence
            && let Err(e) = self.terminal.write_all(s.as_bytes()).and_then(|()| self.terminal.flush())
        {
            tracing::warn!(error = %e, "cannot notify the terminal");
        }
        if let Some(q) = &self.command {
            for c in told {
                q.push(change_json(posture, c).to_string());
            }
        }
    }

    /// Changes the command could not take (its queue was full).
    pub fn dropped(&self) -> u64 {
        self.command.as_ref().map_or(0, |q| q.dropped.load(Ordering::Relaxed))
    }
}

/// A change in a line, as a notification says it. Text from AWS is made inert first, and the
/// separators of the sequences (`;`, BEL, ESC) cannot reach the terminal.
pub fn summary(posture: &Posture, change: &Change) -> String {
    let text = crate::ui::changes::plain(posture, change);
    format!("{} {text}", change.at.strftime("%H:%M"))
}

/// The desktop notification: OSC 777 (`notify;title;body`) for kitty, foot, WezTerm, and OSC 9
/// for iTerm2 and Windows Terminal; each wrapped for tmux's passthrough inside tmux.
pub fn desktop(body: &str, tmux: bool) -> String {
    let body: String =
        crate::text::clean(body).chars().map(|c| if matches!(c, ';' | '\x07' | '\x1b') { ',' } else { c }).collect();
    let sequences = [format!("\x1b]777;notify;vigil;{body}\x1b\\"), format!("\x1b]9;vigil: {body}\x1b\\")];
    sequences
        .iter()
        .map(|s| if tmux { format!("\x1bPtmux;{}\x1b\\", s.replace('\x1b', "\x1b\x1b")) } else { s.clone() })
        .collect()
}

/// One change as the notify-command reads it (README documents the schema).
pub fn change_json(posture: &Posture, change: &Change) -> Value {
    let resource = |r: &crate::model::ResourceId| json!({"id": &*r.id, "type": &*r.kind, "account": &*r.account, "region": &*r.region});
    let control = |i: usize| {
        let c = posture.control(i);
        json!({"id": &*c.id, "title": c.title, "kind": c.kind.name()})
    };
    let mut v = json!({
        "schema_version": SCHEMA_VERSION,
        "seq": change.seq,
        "at": change.at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "account": (!change.account.is_empty()).then(|| change.account.to_string()),
        "region": (!change.region.is_empty()).then(|| change.region.to_string()),
        "summary": crate::ui::changes::plain(posture, change),
    });
    let extra = match &change.what {
        What::Status { control: i, from, to, cause } => json!({
            "kind": "status",
            "control": control(*i),
            "from": from.label(),
            "to": to.label(),
            "resource": cause.as_ref().map(|c| resource(&c.resource)),
            "via": cause.as_ref().map(|c| c.via.to_string()),
        }),
        What::Resource { control: i, resource: r, failing, via } => json!({
            "kind": if *failing { "resource_failing" } else { "resource_fixed" },
            "control": control(*i),
            "resource": resource(r),
            "via": via.to_string(),
        }),
        What::Finding { id, title, severity, event } => json!({
            "kind": "finding",
            "finding": {
                "id": &**id,
                "title": &**title,
                "severity": severity.as_str(),
                "event": event.word(),
                "raised_from": match event { FindingEvent::Raised(s) => Some(s.as_str()), _ => None },
            },
        }),
        What::Remediation { rule, resource: r, state } => json!({
            "kind": "remediation",
            "remediation": {"rule": &**rule, "state": state.as_str()},
            "resource": resource(r),
        }),
        What::Alarm { name, from, to } => json!({
            "kind": "alarm",
            "alarm": {"name": &**name, "from": from.as_str(), "to": to.as_str()},
        }),
        What::Health { source, from, to, error } => json!({
            "kind": "health",
            "source": {"name": source.name(), "from": from, "to": to, "error": error},
        }),
    };
    if let (Some(v), Some(extra)) = (v.as_object_mut(), extra.as_object()) {
        v.extend(extra.clone());
    }
    v
}

/// The notify-command's queue: one change at a time, in order, on a thread of its own; what does
/// not fit is dropped and counted; a failure is logged, never fatal; its output goes to the log,
/// never to the screen.
struct CommandQueue {
    tx: SyncSender<String>,
    dropped: Arc<AtomicU64>,
}

impl CommandQueue {
    fn start(command: String) -> CommandQueue {
        let (tx, rx) = std::sync::mpsc::sync_channel(QUEUE);
        let dropped = Arc::new(AtomicU64::new(0));
        let spawned = std::thread::Builder::new().name("notify-command".into()).spawn(move || run(&command, &rx));
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the notify command's thread");
        }
        CommandQueue { tx, dropped }
    }

    fn push(&self, json: String) {
        match self.tx.try_send(json) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                let n = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                tracing::warn!(dropped = n, "the notify command is behind: a change was dropped");
            }
            Err(TrySendError::Disconnected(_)) => tracing::warn!("the notify command's thread is gone"),
        }
    }
}

fn run(command: &str, rx: &Receiver<String>) {
    use std::process::{Command, Stdio};
    while let Ok(json) = rx.recv() {
        let child = Command::new("sh")
            .arg("-c")
            .arg(command)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = match child {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, command, "cannot run the notify command");
                continue;
            }
        };
        if let Some(mut stdin) = child.stdin.take()
            && let Err(e) = stdin.write_all(format!("{json}\n").as_bytes())
        {
            tracing::warn!(error = %e, "cannot give the notify command its change");
        }
        // Its output is read as it comes (a full pipe would block it), for the log.
        let readers: Vec<_> = [child.stdout.take().map(box_read), child.stderr.take().map(box_read)]
            .into_iter()
            .flatten()
            .map(|mut r| {
                std::thread::spawn(move || {
                    let mut out = Vec::new();
                    let _ = std::io::Read::read_to_end(&mut r, &mut out);
                    out
                })
            })
            .collect();
        let deadline = std::time::Instant::now() + COMMAND_TIME;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if std::time::Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
                Ok(None) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    tracing::warn!(command, "the notify command took longer than 30 s: stopped");
                    break None;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the notify command");
                    break None;
                }
            }
        };
        let output: Vec<u8> = readers.into_iter().filter_map(|h| h.join().ok()).flatten().collect();
        let output = String::from_utf8_lossy(&output);
        match status {
            Some(s) if s.success() => tracing::info!(output = %output.trim(), "notify command"),
            Some(s) => tracing::warn!(status = %s, output = %output.trim(), "the notify command failed"),
            None => {}
        }
    }
}

fn box_read(r: impl std::io::Read + Send + 'static) -> Box<dyn std::io::Read + Send> {
    Box::new(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_desktop_notification_is_osc_777_and_osc_9_and_passes_through_tmux() {
        // Untrusted text is made inert (ESC shown as ␛) and cannot end the sequence early.
        let s = desktop("12:03 PRV-02 PASS → FAIL: nb;7\x1b[31m", false);
        assert_eq!(
            s,
            "\x1b]777;notify;vigil;12:03 PRV-02 PASS → FAIL: nb,7␛[31m\x1b\\\x1b]9;vigil: 12:03 PRV-02 PASS → FAIL: nb,7␛[31m\x1b\\"
        );
        let t = desktop("x", true);
        assert!(t.starts_with("\x1bPtmux;\x1b\x1b]777;notify;vigil;x\x1b\x1b\\\x1b\\"), "{t:?}");
    }
}
