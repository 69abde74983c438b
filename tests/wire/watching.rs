//! `vigil watch` in a pseudo-terminal against the wire-level fake: started in a run's own
//! folder, its screen read through a terminal emulator, waited on by condition.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

use super::fake_aws::{FakeAws, REGION};

pub struct Watching {
    child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    bytes: mpsc::Receiver<Vec<u8>>,
    screen: vt100::Parser,
    /// Everything the terminal received, escape sequences and all.
    pub raw: Vec<u8>,
}

impl Watching {
    /// `vigil watch` with `args` after `watch`, the config file `config` and the cache in `dir`.
    pub fn start(fake: &FakeAws, dir: &Path, config: &str, (rows, cols): (u16, u16), args: &[&str]) -> Watching {
        std::fs::write(dir.join("vigil.toml"), config).unwrap();
        let pair = native_pty_system()
            .openpty(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 })
            .expect("a pseudo-terminal");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_vigil"));
        cmd.args(["--endpoint-url", &fake.url, "--region", REGION, "--theme", "dark"]);
        cmd.arg("--config");
        cmd.arg(dir.join("vigil.toml"));
        cmd.arg("--log-file");
        cmd.arg(dir.join("vigil.log"));
        cmd.arg("watch");
        cmd.args(args);
        cmd.env("HOME", dir);
        cmd.env("XDG_CACHE_HOME", dir.join("cache"));
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("TMUX");
        cmd.env("AWS_ACCESS_KEY_ID", "test");
        cmd.env("AWS_SECRET_ACCESS_KEY", "test");
        cmd.env_remove("AWS_PROFILE");
        cmd.env_remove("AWS_SESSION_TOKEN");
        cmd.env("AWS_CONFIG_FILE", dir.join("no-config"));
        cmd.env("AWS_SHARED_CREDENTIALS_FILE", dir.join("no-credentials"));
        cmd.env("AWS_EC2_METADATA_DISABLED", "true");
        cmd.cwd(dir);
        let child = pair.slave.spawn_command(cmd).expect("vigil starts");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let (tx, bytes) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Watching {
            child,
            _master: pair.master,
            writer,
            bytes,
            screen: vt100::Parser::new(rows.try_into().unwrap(), cols.try_into().unwrap(), 0),
            raw: Vec::new(),
        }
    }

    /// Waits (40 s at most) until `what` holds of the screen's text and everything received;
    /// the screen then.
    pub fn wait_for(&mut self, what: &dyn Fn(&str, &[u8]) -> bool, why: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(40);
        loop {
            while let Ok(bytes) = self.bytes.recv_timeout(Duration::from_millis(50)) {
                // The terminal's questions (its background colour) go unanswered: vigil gives up.
                self.screen.process(&bytes);
                self.raw.extend(bytes);
            }
            let contents = self.screen.screen().contents();
            if what(&contents, &self.raw) {
                return contents;
            }
            assert!(Instant::now() < deadline, "{why}: never came; the screen:\n{contents}");
        }
    }

    /// Types `keys`.
    pub fn keys(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Quits with `q` and waits (20 s at most) for vigil to exit.
    pub fn quit(mut self) {
        self.keys("q");
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "vigil did not quit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
