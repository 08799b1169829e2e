//! A throwaway Postgres cluster that a scenario owns and may stop and start again: an outage
//! that the shared server `--database-url` names must not suffer. Created with `initdb` in a
//! temporary folder (as `nobody` when run as root: initdb and postgres refuse root), started
//! with `pg_ctl` on a free port of the loopback interface.

use anyhow::{Context, Result, anyhow, bail};
use std::path::{Path, PathBuf};
use tokio::process::Command;

/// Where Debian-style packages install the server binaries, one folder per major version.
const POSTGRES_LIB: &str = "/usr/lib/postgresql";

/// A cluster in a temporary folder, on a port of its own; removed when dropped.
pub struct PgCluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
}

/// Whether this process runs as root (then the Postgres tools run as `nobody`).
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .find(|l| l.starts_with("Uid:"))
            .and_then(|l| l.split_whitespace().nth(1))
            == Some("0")
    })
}

/// Runs a Postgres tool (as `nobody` when root); fails with its output when it fails.
async fn run_tool(program: &Path, args: &[&str]) -> Result<()> {
    let mut command = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "nobody", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    };
    let output = command
        .args(args)
        .kill_on_drop(true)
        .output()
        .await
        .with_context(|| format!("running {}", program.display()))?;
    if !output.status.success() {
        bail!(
            "{} {}: {}{}",
            program.display(),
            args.join(" "),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

/// The newest installed version's `bin` folder.
fn server_binaries() -> Result<PathBuf> {
    let initdb = std::fs::read_dir(POSTGRES_LIB)
        .with_context(|| format!("no Postgres server binaries under {POSTGRES_LIB}"))?
        .filter_map(Result::ok)
        .map(|version| version.path().join("bin/initdb"))
        .filter(|path| path.exists())
        .max()
        .ok_or_else(|| anyhow!("no {POSTGRES_LIB}/*/bin/initdb"))?;
    initdb
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| anyhow!("{} has no folder", initdb.display()))
}

/// A free port on the loopback interface.
fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl PgCluster {
    /// Creates a cluster (trust authentication, user `postgres`) and starts it.
    pub async fn start() -> Result<Self> {
        let bin = server_binaries()?;
        let dir = std::env::temp_dir().join(format!(
            "regards-loadtest-pg-{}",
            crate::service::random_suffix()
        ));
        std::fs::create_dir_all(&dir)?;
        let cluster = Self {
            dir,
            bin,
            port: free_port()?,
        };
        if is_root() {
            let owned = Command::new("chown")
                .arg("nobody")
                .arg(&cluster.dir)
                .status()
                .await?;
            if !owned.success() {
                bail!("chown nobody {}", cluster.dir.display());
            }
        }
        let data = cluster.data();
        let initdb = cluster.bin.join("initdb");
        let args = ["-D", &data, "-U", "postgres", "--auth=trust", "-E", "UTF8"];
        run_tool(&initdb, &[&args[..], &["--no-locale"]].concat()).await?;
        cluster.resume().await?;
        Ok(cluster)
    }

    /// The URL of its `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn data(&self) -> String {
        self.dir.join("data").to_string_lossy().into_owned()
    }

    /// Stops the server, fast: open connections are cut, as when the database host fails.
    pub async fn stop(&self) -> Result<()> {
        let pg_ctl = self.bin.join("pg_ctl");
        run_tool(&pg_ctl, &["-D", &self.data(), "-m", "fast", "-w", "stop"]).await
    }

    /// When the server first answers a query (polled every 10 ms, one minute at most): the
    /// moment it is back, which `pg_ctl -w` reports only at its next poll.
    pub async fn answers_at(&self) -> Result<std::time::Instant> {
        use sqlx::Connection;
        for _ in 0..6_000 {
            if let Ok(mut conn) = sqlx::PgConnection::connect(&self.url()).await {
                let answered = sqlx::query("SELECT 1").execute(&mut conn).await.is_ok();
                let _ = conn.close().await;
                if answered {
                    return Ok(std::time::Instant::now());
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        bail!("the cluster did not answer within a minute")
    }

    /// Starts the server on its port and data; returns once it accepts connections.
    pub async fn resume(&self) -> Result<()> {
        let log = self.dir.join("log").to_string_lossy().into_owned();
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={}",
            self.port,
            self.dir.display()
        );
        let pg_ctl = self.bin.join("pg_ctl");
        let args = ["-D", &self.data(), "-l", &log, "-w", "-t", "60"];
        run_tool(&pg_ctl, &[&args[..], &["-o", &options, "start"]].concat()).await
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.data();
        let pg_ctl = self.bin.join("pg_ctl");
        let mut command = if is_root() {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "nobody", "--"]).arg(pg_ctl);
            c
        } else {
            std::process::Command::new(pg_ctl)
        };
        let _ = command
            .args(["-D", &data, "-m", "immediate", "-w", "stop"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
