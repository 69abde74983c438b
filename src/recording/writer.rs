//! Writes a recording while the dashboard runs: entries go to a thread of their own, so that a
//! hundred thousand findings are written without holding up the screen.

use std::io::Write;
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use super::{Entry, Header, Recorded, Redactor};
use crate::model::Message;
use crate::model::Timestamp;

/// A recording being written.
pub struct Recorder {
    tx: Option<mpsc::Sender<Entry>>,
    thread: Option<JoinHandle<()>>,
    /// The first write that failed: the recording stopped there.
    failed: Arc<Mutex<Option<String>>>,
    written: Arc<Mutex<u64>>,
    path: String,
}

impl Recorder {
    /// Creates `path` (owner only: it holds the account's findings), writes the header and
    /// starts the writer. With `redact`, account ids are replaced consistently throughout.
    pub fn create(path: &Path, mut header: Header, redact: bool) -> Result<Recorder, String> {
        use std::os::unix::fs::OpenOptionsExt;
        let name = path.display().to_string();
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| format!("cannot create the recording {name}: {e}"))?;
        let mut out = std::io::BufWriter::new(file);
        let mut redactor = redact.then(Redactor::new);
        header.redacted = redact;
        let mut value = serde_json::to_value(&header).expect("a header always serializes");
        if let Some(r) = &mut redactor {
            r.value(&mut value);
        }
        serde_json::to_writer(&mut out, &value)
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n"))
            .and_then(|()| out.flush())
            .map_err(|e| format!("cannot write the recording {name}: {e}"))?;
        let (tx, rx) = mpsc::channel::<Entry>();
        let failed = Arc::new(Mutex::new(None));
        let written = Arc::new(Mutex::new(0));
        let thread = {
            let (failed, written, name) = (failed.clone(), written.clone(), name.clone());
            std::thread::Builder::new()
                .name("recorder".into())
                .spawn(move || {
                    for entry in rx {
                        let result = match &mut redactor {
                            Some(r) => {
                                let mut value = entry.to_value();
                                r.value(&mut value);
                                serde_json::to_writer(&mut out, &value)
                                    .map_err(std::io::Error::from)
                                    .and_then(|()| out.write_all(b"\n"))
                            }
                            None => entry.write_line(&mut out),
                        }
                        // Each entry whole on disk: a crash loses at most the one being written.
                        .and_then(|()| out.flush());
                        if let Err(e) = result {
                            tracing::error!(file = %name, error = %e, "the recording stopped");
                            *failed.lock().unwrap_or_else(|e| e.into_inner()) =
                                Some(format!("recording to {name} stopped: {e}"));
                            return;
                        }
                        *written.lock().unwrap_or_else(|e| e.into_inner()) += 1;
                    }
                })
                .map_err(|e| format!("cannot start the recorder: {e}"))?
        };
        Ok(Recorder { tx: Some(tx), thread: Some(thread), failed, written, path: name })
    }

    /// Records what a source said (events and the account; nothing else is a source's).
    pub fn record(&self, at: Timestamp, message: &Message) {
        let what = match message {
            Message::Event(e) => Recorded::Event(e.clone()),
            Message::Account(id) => Recorded::Account(id.clone()),
            Message::Step(_) | Message::Reset | Message::Answer(_) => return,
        };
        if let Some(tx) = &self.tx {
            let _ = tx.send(Entry { at, what });
        }
    }

    /// Why the recording stopped, if it did.
    pub fn error(&self) -> Option<String> {
        self.failed.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    /// Writes what is queued and closes the file; the number of lines written after the header.
    pub fn finish(mut self) -> Result<u64, String> {
        self.close();
        match self.error() {
            Some(e) => Err(e),
            None => Ok(*self.written.lock().unwrap_or_else(|e| e.into_inner())),
        }
    }

    fn close(&mut self) {
        self.tx = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.close();
    }
}
