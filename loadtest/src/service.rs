//! The service under test: a fresh database (SQLite file or Postgres database), a TOML
//! configuration, and the release `regards-order serve` binary run as a child process.

use crate::procfs::{DatabaseEndpoint, Descriptors, Memory};
use anyhow::{Context, Result, anyhow, bail};
use sqlx::Connection;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Which database the service runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A database created for one scenario, dropped by [`Database::drop_now`].
pub struct Database {
    pub backend: Backend,
    pub url: String,
    /// Postgres: the server URL (maintenance database) and the created database's name.
    pg: Option<(String, String)>,
}

/// A random lowercase hex suffix.
pub fn random_suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}

/// `postgres://user@host:port/db?x` with its database replaced by `name`.
fn with_database(server_url: &str, name: &str) -> Result<String> {
    let scheme_end = server_url
        .find("://")
        .ok_or_else(|| anyhow!("not a URL: {server_url}"))?
        + 3;
    let (head, rest) = server_url.split_at(scheme_end);
    let (authority, tail) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => match rest.find('?') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        },
    };
    let query = tail.find('?').map(|i| &tail[i..]).unwrap_or("");
    Ok(format!("{head}{authority}/{name}{query}"))
}

impl Database {
    /// A fresh database: an SQLite file in `dir`, or `loadtest_<random>` on the Postgres server.
    pub async fn create(backend: Backend, server_url: &str, dir: &Path) -> Result<Self> {
        match backend {
            Backend::Sqlite => Ok(Self {
                backend,
                url: format!("sqlite://{}", dir.join("loadtest.db").display()),
                pg: None,
            }),
            Backend::Postgres => {
                let name = format!("loadtest_{}", random_suffix());
                let mut conn = sqlx::PgConnection::connect(server_url)
                    .await
                    .with_context(|| format!("connecting to {server_url}"))?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .context("CREATE DATABASE")?;
                conn.close().await.ok();
                Ok(Self {
                    backend,
                    url: with_database(server_url, &name)?,
                    pg: Some((server_url.to_owned(), name)),
                })
            }
        }
    }

    /// Where the service's connections to it lead (for counting its descriptors).
    pub fn endpoint(&self) -> DatabaseEndpoint {
        match &self.pg {
            Some((server, _)) => {
                let authority = server.split("://").nth(1).unwrap_or_default();
                let host = authority.split(['/', '?']).next().unwrap_or_default();
                let port = host.rsplit_once(':').and_then(|(_, p)| p.parse().ok());
                DatabaseEndpoint::Port(port.unwrap_or(5432))
            }
            None => DatabaseEndpoint::File(PathBuf::from(self.url.trim_start_matches("sqlite://"))),
        }
    }

    /// Drops the Postgres database (the SQLite file goes with its temporary folder).
    pub async fn drop_now(self) -> Result<()> {
        if let Some((server, name)) = self.pg {
            let mut conn = sqlx::PgConnection::connect(&server).await?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await
            .with_context(|| format!("DROP DATABASE {name}"))?;
            conn.close().await.ok();
        }
        Ok(())
    }
}

/// The service's configuration file: storages and order/engine keys.
pub struct Config {
    pub storages: Vec<StorageConfig>,
    pub bucket_size_mb: u64,
    pub max_files_per_suborder: u64,
    pub max_active_suborders_per_user: u64,
    /// `engine.commit_timeout_secs` (the service's default when None).
    pub commit_timeout_secs: Option<u64>,
    /// `http.stall_timeout_secs` (the service's default when None).
    pub stall_timeout_secs: Option<u64>,
    /// `downloads.max_streams_per_user` (the service's default when None).
    pub max_streams_per_user: Option<u64>,
    /// More TOML, written as is after the other sections.
    pub extra_toml: String,
}

pub struct StorageConfig {
    pub name: &'static str,
    pub root: PathBuf,
    pub nearline: bool,
    pub restore_delay_ms: u64,
    pub drives: u64,
}

impl StorageConfig {
    pub fn online(name: &'static str, root: PathBuf) -> Self {
        Self {
            name,
            root,
            nearline: false,
            restore_delay_ms: 0,
            drives: 4,
        }
    }

    pub fn nearline(name: &'static str, root: PathBuf, delay_ms: u64, drives: u64) -> Self {
        Self {
            name,
            root,
            nearline: true,
            restore_delay_ms: delay_ms,
            drives,
        }
    }
}

impl Config {
    pub fn new(storages: Vec<StorageConfig>) -> Self {
        Self {
            storages,
            bucket_size_mb: 100,
            max_files_per_suborder: 5000,
            max_active_suborders_per_user: 1_000_000,
            commit_timeout_secs: None,
            stall_timeout_secs: None,
            max_streams_per_user: None,
            extra_toml: String::new(),
        }
    }

    /// The `[engine]`, `[http]` and `[downloads]` keys that are set.
    fn optional_sections(&self) -> String {
        let mut text = String::new();
        for (section, key, value) in [
            ("engine", "commit_timeout_secs", self.commit_timeout_secs),
            ("http", "stall_timeout_secs", self.stall_timeout_secs),
            (
                "downloads",
                "max_streams_per_user",
                self.max_streams_per_user,
            ),
        ] {
            if let Some(value) = value {
                text.push_str(&format!("[{section}]\n{key} = {value}\n\n"));
            }
        }
        text
    }

    fn toml(&self) -> String {
        let mut text = format!(
            "[orders]\nbucket_size_mb = {}\nmax_files_per_suborder = {}\n\
             max_active_suborders_per_user = {}\n\n",
            self.bucket_size_mb, self.max_files_per_suborder, self.max_active_suborders_per_user
        );
        text.push_str(&self.optional_sections());
        text.push_str(&self.extra_toml);
        text.push('\n');
        for s in &self.storages {
            text.push_str(&format!(
                "[[storages]]\nname = \"{}\"\nkind = \"local\"\nroot = \"{}\"\nnearline = {}\n\
                 restore_delay_ms = {}\ndrives = {}\n\n",
                s.name,
                s.root.display(),
                s.nearline,
                s.restore_delay_ms,
                s.drives
            ));
        }
        text
    }

    /// Writes the file in `dir` and creates the storage roots.
    pub fn write(&self, dir: &Path) -> Result<PathBuf> {
        for s in &self.storages {
            std::fs::create_dir_all(&s.root)?;
        }
        let path = dir.join("regards-order.toml");
        std::fs::write(&path, self.toml())?;
        Ok(path)
    }
}

/// A running `regards-order serve`.
pub struct Service {
    child: Child,
    database: DatabaseEndpoint,
    pub base: String,
    pub pid: u32,
    /// From spawn to the `listening on` line.
    pub started_in: Duration,
}

/// The release binary next to this one.
fn service_binary() -> Result<PathBuf> {
    let path = std::env::current_exe()?.with_file_name("regards-order");
    if !path.exists() {
        bail!(
            "{} not found: run `cargo build --release --bins` first",
            path.display()
        );
    }
    Ok(path)
}

impl Service {
    /// Starts the service on port 0 and waits for its `listening on` line (recovery of
    /// unfinished orders happens before it).
    pub fn start(config: &Path, database: &Database, data_dir: &Path) -> Result<Self> {
        let spawned = Instant::now();
        let log = std::env::var("LOADTEST_SERVICE_LOG")
            .unwrap_or_else(|_| "warn,regards_order::startup=info".to_owned());
        // A profiler may wrap the service (`LOADTEST_SERVICE_WRAPPER=heaptrack`); the
        // figures read from /proc are then the wrapper's.
        let mut command = match std::env::var("LOADTEST_SERVICE_WRAPPER") {
            Ok(wrapper) if !wrapper.is_empty() => {
                let mut command = Command::new(wrapper);
                command.arg(service_binary()?);
                command
            }
            _ => Command::new(service_binary()?),
        };
        // Its own process group: stopping it also stops what a wrapper started.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command
            .arg("serve")
            .env("REGARDS_ORDER_CONFIG", config)
            .env("REGARDS_ORDER_DATABASE_URL", &database.url)
            .env("REGARDS_ORDER_DATA_DIR", data_dir)
            .env("REGARDS_ORDER_BIND", "127.0.0.1:0")
            .env("RUST_LOG", log)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .context("spawning regards-order serve")?;
        let pid = child.id();
        let stderr = child
            .stderr
            .take()
            .ok_or_else(|| anyhow!("no stderr pipe"))?;
        let (tx, rx) = mpsc::channel();
        let echo = std::env::var("LOADTEST_ECHO").is_ok();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on ").nth(1) {
                    let _ = tx.send(Ok(rest.trim().to_owned()));
                } else if line.contains("ERROR") || line.contains("WARN") {
                    let _ = tx.send(Err(line.clone()));
                }
                if echo {
                    eprintln!("[service] {line}");
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut last_errors = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                signal_group(pid, "-KILL");
                let _ = child.kill();
                let _ = child.wait();
                bail!(
                    "the service did not log its address within 120 s: {}",
                    last_errors.join(" | ")
                );
            }
            match rx.recv_timeout(left) {
                Ok(Ok(address)) => {
                    return Ok(Self {
                        child,
                        database: database.endpoint(),
                        base: format!("http://{address}"),
                        pid,
                        started_in: spawned.elapsed(),
                    });
                }
                Ok(Err(line)) => {
                    if last_errors.len() < 5 {
                        last_errors.push(line);
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => continue,
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = child.wait()?;
                    bail!(
                        "the service exited ({status}) before listening: {}",
                        last_errors.join(" | ")
                    );
                }
            }
        }
    }

    /// VmRSS and VmHWM of the process, in bytes.
    pub fn memory(&self) -> Result<Memory> {
        Memory::of(self.pid)
    }

    /// Open file descriptors, and how many are HTTP and database connections.
    pub fn descriptors(&self) -> Result<Descriptors> {
        Descriptors::of(self.pid, self.port()?, &self.database)
    }

    /// The port it listens on.
    pub fn port(&self) -> Result<u16> {
        self.base
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| anyhow!("no port in {}", self.base))
    }

    /// SIGKILL, as in a crash: nothing is flushed.
    pub fn kill(mut self) -> Result<()> {
        signal_group(self.pid, "-KILL");
        let _ = self.child.kill();
        self.child.wait()?;
        Ok(())
    }

    /// SIGTERM (graceful: queued changes flushed), SIGKILL after 20 s.
    pub fn stop(mut self) -> Result<()> {
        signal_group(self.pid, "-TERM");
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        signal_group(self.pid, "-KILL");
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            signal_group(self.pid, "-KILL");
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Sends `signal` to the service's process group (the service, or a wrapper and its child).
fn signal_group(pid: u32, signal: &str) {
    let _ = Command::new("kill")
        .arg(signal)
        .arg("--")
        .arg(format!("-{pid}"))
        .status();
}
