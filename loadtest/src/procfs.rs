//! What /proc says of the service: its resident memory and its open file descriptors.

use anyhow::{Result, anyhow, bail};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Resident memory of a process.
#[derive(Debug, Clone, Copy)]
pub struct Memory {
    pub rss: u64,
    pub hwm: u64,
    /// The anonymous part of `rss` (heap, stacks): what the process allocated itself.
    pub anon: u64,
    /// The file-backed part of `rss` (the binary, mapped files: page cache shared with
    /// every reader of those files).
    pub file: u64,
}

impl Memory {
    pub fn of(pid: u32) -> Result<Self> {
        let text = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let field = |name: &str| -> Result<u64> {
            let line = text
                .lines()
                .find(|l| l.starts_with(name))
                .ok_or_else(|| anyhow!("{name} missing from /proc/{pid}/status"))?;
            let kb: u64 = line
                .split_whitespace()
                .nth(1)
                .ok_or_else(|| anyhow!("malformed {name}"))?
                .parse()?;
            Ok(kb * 1024)
        };
        Ok(Self {
            rss: field("VmRSS:")?,
            hwm: field("VmHWM:")?,
            anon: field("RssAnon:")?,
            file: field("RssFile:")?,
        })
    }
}

/// Samples a process's VmRSS (and RssAnon) every 10 ms until stopped; gives the highest
/// values seen.
pub struct RssSampler {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<Peaks>,
}

/// The highest values a [`RssSampler`] saw (each at its own moment).
#[derive(Debug, Clone, Copy, Default)]
pub struct Peaks {
    pub rss: u64,
    pub anon: u64,
}

impl RssSampler {
    pub fn start(pid: u32) -> Self {
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(async move {
            let mut peak = Peaks::default();
            // Bounded: at most one hour of samples.
            for _ in 0..360_000 {
                if let Ok(m) = Memory::of(pid) {
                    peak.rss = peak.rss.max(m.rss);
                    peak.anon = peak.anon.max(m.anon);
                }
                tokio::select! {
                    _ = stopped.changed() => break,
                    _ = tokio::time::sleep(Duration::from_millis(10)) => {}
                }
            }
            peak
        });
        Self { stop, task }
    }

    /// The highest VmRSS seen.
    pub async fn finish(self) -> u64 {
        self.finish_peaks().await.rss
    }

    /// The highest VmRSS and RssAnon seen.
    pub async fn finish_peaks(self) -> Peaks {
        let _ = self.stop.send(true);
        self.task.await.unwrap_or_default()
    }
}

/// Where the service's database connections lead: a server's port, or an SQLite file (its
/// `-wal` and `-shm` included).
#[derive(Debug, Clone)]
pub enum DatabaseEndpoint {
    Port(u16),
    File(PathBuf),
}

/// The open file descriptors of a process, and what some of them are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Descriptors {
    /// Every entry of /proc/<pid>/fd.
    pub total: usize,
    /// Descriptors of TCP connections accepted on the service's port (the listening socket
    /// excluded; a connection the service keeps a duplicate of counts twice).
    pub http: usize,
    /// Descriptors of the database's connections (sockets, or the SQLite files).
    pub database: usize,
}

impl Descriptors {
    /// Reads /proc/<pid>/fd and the TCP tables of the process's network namespace.
    pub fn of(pid: u32, port: u16, database: &DatabaseEndpoint) -> Result<Self> {
        let db_port = match database {
            DatabaseEndpoint::Port(p) => Some(*p),
            DatabaseEndpoint::File(_) => None,
        };
        let (accepted, to_database) = tcp_sockets(pid, port, db_port)?;
        let mut counts = Self {
            total: 0,
            http: 0,
            database: 0,
        };
        for entry in std::fs::read_dir(format!("/proc/{pid}/fd"))? {
            // A descriptor closed between the listing and the read is simply not counted.
            let Ok(target) = std::fs::read_link(entry?.path()) else {
                continue;
            };
            counts.total += 1;
            let inode = socket_inode(&target);
            if inode.is_some_and(|i| accepted.contains(&i)) {
                counts.http += 1;
            }
            let file = matches!(database, DatabaseEndpoint::File(f)
                if target.to_string_lossy().starts_with(&*f.to_string_lossy()));
            if file || inode.is_some_and(|i| to_database.contains(&i)) {
                counts.database += 1;
            }
        }
        Ok(counts)
    }
}

/// The inode of a `socket:[123]` link target.
fn socket_inode(target: &Path) -> Option<u64> {
    target
        .to_str()?
        .strip_prefix("socket:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// Socket inodes of the TCP connections (not the listener) whose local port is `port`, and of
/// those whose remote port is `db_port`.
fn tcp_sockets(pid: u32, port: u16, db_port: Option<u16>) -> Result<(HashSet<u64>, HashSet<u64>)> {
    const LISTEN: &str = "0A";
    let port_of = |address: &str| {
        let hex = address.rsplit(':').next().unwrap_or_default();
        u16::from_str_radix(hex, 16).ok()
    };
    let (mut accepted, mut to_database) = (HashSet::new(), HashSet::new());
    for table in ["tcp", "tcp6"] {
        let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/net/{table}")) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(remote), Some(state), Some(inode)) =
                (fields.get(1), fields.get(2), fields.get(3), fields.get(9))
            else {
                bail!("unexpected line in /proc/{pid}/net/{table}: {line}");
            };
            if port_of(local) == Some(port) && *state != LISTEN {
                accepted.insert(inode.parse()?);
            }
            if db_port.is_some() && port_of(remote) == db_port {
                to_database.insert(inode.parse()?);
            }
        }
    }
    Ok((accepted, to_database))
}

/// CPU time (user + system) a process has used since it started.
pub fn cpu_time(pid: u32) -> Result<Duration> {
    // Ticks of USER_HZ, which Linux fixes at 100 for /proc whatever the kernel's own HZ.
    const TICKS_PER_SECOND: u64 = 100;
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    let fields: Vec<&str> = text
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| -> Result<u64> {
        Ok(fields
            .get(i)
            .ok_or_else(|| anyhow!("malformed /proc/{pid}/stat"))?
            .parse()?)
    };
    // utime and stime are fields 14 and 15 of stat(5); `fields` starts at field 3.
    let ticks = ticks(11)? + ticks(12)?;
    Ok(Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND))
}
