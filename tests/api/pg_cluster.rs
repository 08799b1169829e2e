//! A throwaway Postgres cluster a test owns and can stop and start again: a database outage
//! that the shared test server cannot give.

use std::path::PathBuf;
use std::process::Command;
use tempfile::TempDir;

/// A cluster in a temporary folder, on a port of its own.
pub struct PgCluster {
    dir: TempDir,
    bin: PathBuf,
    port: u16,
}

/// Runs a Postgres tool, as `nobody` when root (initdb and postgres refuse to run as root).
fn run(program: PathBuf, args: &[&str]) -> bool {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"));
    let mut command = if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "nobody", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    };
    command
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A free port on the loopback interface.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl PgCluster {
    /// Creates and starts a cluster; None when the Postgres server binaries are not installed.
    pub fn start() -> Option<Self> {
        let initdb = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(Result::ok)
            .map(|version| version.path().join("bin/initdb"))
            .filter(|path| path.exists())
            .max()?;
        let bin = initdb.parent()?.to_path_buf();
        let dir = tempfile::tempdir().expect("temp dir");
        let _ = Command::new("chown").arg("nobody").arg(dir.path()).status();
        let data = dir.path().join("data");
        let data = data.to_str().expect("utf-8 path");
        assert!(
            run(
                initdb,
                &[
                    "-D",
                    data,
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-locale"
                ]
            ),
            "initdb"
        );
        let cluster = Self {
            dir,
            bin,
            port: free_port(),
        };
        cluster.resume();
        Some(cluster)
    }

    /// The URL of its `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").to_string_lossy().into_owned()
    }

    /// Stops the server (fast: open connections are cut, as in a crash of the database host).
    pub fn stop(&self) {
        let data = self.data();
        assert!(
            run(
                self.bin.join("pg_ctl"),
                &["-D", &data, "-m", "fast", "-w", "stop"]
            ),
            "pg_ctl stop"
        );
    }

    /// Starts the server again on the same port and data.
    pub fn resume(&self) {
        let data = self.data();
        let log = self.dir.path().join("log");
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={}",
            self.port,
            self.dir.path().display()
        );
        assert!(
            run(
                self.bin.join("pg_ctl"),
                &[
                    "-D",
                    &data,
                    "-l",
                    &log.to_string_lossy(),
                    "-w",
                    "-o",
                    &options,
                    "start"
                ]
            ),
            "pg_ctl start"
        );
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.data();
        run(
            self.bin.join("pg_ctl"),
            &["-D", &data, "-m", "immediate", "-w", "stop"],
        );
    }
}
