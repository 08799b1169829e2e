//! Debian's nginx serving a folder with `sendfile on`, as a baseline for the service's own
//! downloads: a process of the harness's own (no daemon, no master), its configuration, logs
//! and temporary folders in the scenario's folder, on a free port of 127.0.0.1, stopped when
//! dropped (also when the scenario fails).

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BINARY: &str = "/usr/sbin/nginx";

/// A running nginx.
pub struct Nginx {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    log: PathBuf,
    access: PathBuf,
}

impl Nginx {
    /// Starts nginx serving `root` from a configuration written to `dir` (created if needed);
    /// installs Debian's package first when the binary is missing.
    pub async fn start(dir: &Path, root: &Path) -> Result<Self> {
        install_if_missing()?;
        std::fs::create_dir_all(dir)?;
        let port = free_port()?;
        let log = dir.join("error.log");
        let config = dir.join("nginx.conf");
        std::fs::write(&config, configuration(dir, root, port, &log))?;
        let child = Command::new(BINARY)
            .arg("-p")
            .arg(dir)
            .arg("-e")
            .arg(&log)
            .arg("-c")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {BINARY}"))?;
        let mut nginx = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
            access: dir.join("access.log"),
        };
        nginx.wait_listening(port).await?;
        Ok(nginx)
    }

    /// Waits (5 s at most) until the port accepts connections, or fails with nginx's log.
    async fn wait_listening(&mut self, port: u16) -> Result<()> {
        for _ in 0..500 {
            if let Some(status) = self.child.try_wait()? {
                bail!("nginx exited ({status}): {}", self.log_text());
            }
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        bail!("nginx does not listen on {port}: {}", self.log_text())
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Requests logged so far, and over how many connections they came.
    pub fn requests(&self) -> (usize, usize) {
        let text = std::fs::read_to_string(&self.access).unwrap_or_default();
        let mut connections = std::collections::HashSet::new();
        let mut requests = 0;
        for line in text.lines() {
            requests += 1;
            connections.insert(
                line.split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            );
        }
        (requests, connections.len())
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // No master process: the one process is the server; nothing else to stop.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `apt-get install -y nginx` when `/usr/sbin/nginx` is missing (the package's own service is
/// not started in a container without an init; a running one would not be used anyway).
fn install_if_missing() -> Result<()> {
    if Path::new(BINARY).exists() {
        return Ok(());
    }
    eprintln!("   installing nginx (apt-get install -y nginx)");
    let status = Command::new("apt-get")
        .args(["install", "-y", "nginx"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdout(Stdio::null())
        .status()
        .context("running apt-get")?;
    if !status.success() || !Path::new(BINARY).exists() {
        bail!("nginx could not be installed ({status}); install Debian's package `nginx`");
    }
    Ok(())
}

/// A port of 127.0.0.1 free now (nginx binds it a moment later).
fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// One process, no daemon; every path inside `dir`; files of `root` served as they are, with
/// `sendfile` and `tcp_nopush`, and one keep-alive connection allowed to carry every request.
fn configuration(dir: &Path, root: &Path, port: u16, log: &Path) -> String {
    let dir = dir.display();
    let root = root.display();
    let log = log.display();
    format!(
        "daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {log} warn;
events {{
    worker_connections 64;
}}
http {{
    log_format connections '$connection $status $body_bytes_sent';
    access_log {dir}/access.log connections;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    types {{ }}
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location / {{ }}
    }}
}}
"
    )
}
