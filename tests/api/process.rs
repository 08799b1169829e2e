//! The service as a separate process, for what only a real process shows: `kill -9`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

/// A running `regards-order serve`.
pub struct ServiceProcess {
    child: Child,
    pub address: String,
    /// Every line the service logged so far.
    logs: Arc<Mutex<Vec<String>>>,
}

impl ServiceProcess {
    /// Starts the service on port 0 with `config` (a TOML file) and `database_url`; waits for
    /// its `listening on` line. Its logs are drained by a thread so it never blocks on them.
    pub fn start(config: &Path, database_url: &str, data_dir: &Path) -> Self {
        Self::start_with(config, database_url, data_dir, &[])
    }

    /// Same, with extra environment variables (`RUST_LOG` is `info` unless one sets it).
    pub fn start_with(
        config: &Path,
        database_url: &str,
        data_dir: &Path,
        env: &[(&str, &str)],
    ) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_regards-order"))
            .arg("serve")
            .env("REGARDS_ORDER_CONFIG", config)
            .env("REGARDS_ORDER_DATABASE_URL", database_url)
            .env("REGARDS_ORDER_DATA_DIR", data_dir)
            .env("REGARDS_ORDER_BIND", "127.0.0.1:0")
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn regards-order serve");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = mpsc::channel();
        let logs = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&logs);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                kept.lock().expect("logs").push(line.clone());
                if let Some(rest) = line.split("listening on ").nth(1) {
                    let _ = tx.send(rest.trim().to_owned());
                }
                if std::env::var("TEST_LOG").is_ok() {
                    eprintln!("[service] {line}");
                }
            }
        });
        let address = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the service logs its address");
        Self {
            child,
            address: format!("http://{address}"),
            logs,
        }
    }

    /// The service's log lines so far.
    pub fn logs(&self) -> Vec<String> {
        self.logs.lock().expect("logs").clone()
    }

    /// SIGKILL: no shutdown, no flush.
    pub fn kill9(mut self) {
        self.child.kill().expect("kill -9");
        let _ = self.child.wait();
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
