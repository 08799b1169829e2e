//! The transfers the zip scenario times: the order's zip from the service, and the same files
//! from nginx over one keep-alive connection, each with reqwest and with curl, the two sides
//! with the same client and the same way of reading.

use anyhow::{Context, Result, anyhow, bail};
use reqwest::Client;
use reqwest::header::{CONTENT_RANGE, RANGE};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Bytes received in some time.
#[derive(Debug, Clone, Copy)]
pub struct Transfer {
    pub bytes: u64,
    pub secs: f64,
}

impl Transfer {
    /// Bytes per second.
    pub fn rate(&self) -> f64 {
        self.bytes as f64 / self.secs
    }

    /// The fastest of `transfers` (the one the shared machine disturbed least).
    pub fn best(transfers: &[Transfer]) -> Option<Transfer> {
        transfers
            .iter()
            .copied()
            .max_by(|a, b| a.rate().total_cmp(&b.rate()))
    }
}

/// The client both sides are fetched with: one connection per host, kept alive.
pub fn client() -> Result<Client> {
    Ok(Client::builder()
        .pool_max_idle_per_host(1)
        .timeout(Duration::from_secs(600))
        .build()?)
}

/// A zip download of the order: its URL and owner's token, and the `Range` asked for.
pub struct ZipRequest {
    pub url: String,
    pub token: String,
    /// Every measured download asks for the archive less its last byte: a download covering
    /// the whole archive marks its files DOWNLOADED and the next zip would be empty. The bytes
    /// are produced by the same code as a whole download's.
    pub range: String,
}

impl ZipRequest {
    /// Asks for the first byte of the archive to learn its length.
    pub async fn new(client: &Client, url: String, token: String) -> Result<Self> {
        let response = client
            .get(&url)
            .bearer_auth(&token)
            .header(RANGE, "bytes=0-0")
            .send()
            .await?;
        if response.status().as_u16() != 206 {
            bail!("zip download of its first byte: {}", response.status());
        }
        let total: u64 = response
            .headers()
            .get(CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit_once('/'))
            .and_then(|(_, total)| total.parse().ok())
            .ok_or_else(|| anyhow!("zip answer without a Content-Range length"))?;
        response.bytes().await?;
        Ok(Self {
            url,
            token,
            range: format!("bytes=0-{}", total.saturating_sub(2)),
        })
    }

    /// Bytes each download gives.
    pub fn length(&self) -> u64 {
        self.range
            .rsplit_once('-')
            .and_then(|(_, last)| last.parse::<u64>().ok())
            .map_or(0, |last| last + 1)
    }
}

/// Reads a response to its end, counting its bytes.
async fn drain(mut response: reqwest::Response) -> Result<u64> {
    let mut received = 0u64;
    while let Some(chunk) = response.chunk().await? {
        received += chunk.len() as u64;
    }
    Ok(received)
}

/// The zip with reqwest.
pub async fn zip_reqwest(client: &Client, zip: &ZipRequest) -> Result<Transfer> {
    let started = Instant::now();
    let response = client
        .get(&zip.url)
        .bearer_auth(&zip.token)
        .header(RANGE, &zip.range)
        .send()
        .await?;
    if response.status().as_u16() != 206 {
        bail!("zip download: {}", response.status());
    }
    let bytes = drain(response).await?;
    let secs = started.elapsed().as_secs_f64();
    expect_length("zip (reqwest)", bytes, zip.length())?;
    Ok(Transfer { bytes, secs })
}

/// Every file from nginx with reqwest, one after the other on one connection.
pub async fn files_reqwest(client: &Client, base: &str, names: &[String]) -> Result<Transfer> {
    let started = Instant::now();
    let mut bytes = 0;
    for name in names {
        let response = client.get(format!("{base}/{name}")).send().await?;
        if !response.status().is_success() {
            bail!("nginx GET {name}: {}", response.status());
        }
        bytes += drain(response).await?;
        // hyper hands the connection back to its pool from its own task once the body has
        // ended: letting that task run first keeps the next request on the same connection.
        tokio::task::yield_now().await;
    }
    Ok(Transfer {
        bytes,
        secs: started.elapsed().as_secs_f64(),
    })
}

/// Whether curl can be run.
pub async fn curl_present() -> bool {
    tokio::process::Command::new("curl")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .await
        .is_ok_and(|s| s.success())
}

/// Runs curl with `args`, timed from its start to its exit; its `-w` output is one
/// `size_download` per transfer, summed.
async fn curl(args: &[String]) -> Result<Transfer> {
    let started = Instant::now();
    let output = tokio::process::Command::new("curl")
        .args(["-s", "--max-time", "600", "-w", "%{size_download}\\n"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .await
        .context("running curl")?;
    let secs = started.elapsed().as_secs_f64();
    if !output.status.success() {
        bail!("curl failed: {}", output.status);
    }
    let mut bytes = 0u64;
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        bytes += line.trim().parse::<f64>().unwrap_or(0.0) as u64;
    }
    Ok(Transfer { bytes, secs })
}

/// The zip with curl (`-o /dev/null`).
pub async fn zip_curl(zip: &ZipRequest) -> Result<Transfer> {
    let transfer = curl(&[
        "-o".to_owned(),
        "/dev/null".to_owned(),
        "-H".to_owned(),
        format!("Authorization: Bearer {}", zip.token),
        "-H".to_owned(),
        format!("Range: {}", zip.range),
        zip.url.clone(),
    ])
    .await?;
    expect_length("zip (curl)", transfer.bytes, zip.length())?;
    Ok(transfer)
}

/// Every file from nginx with one curl, which keeps its connection from one URL to the next;
/// the URLs go through a config file written in `dir`.
pub async fn files_curl(dir: &Path, base: &str, names: &[String]) -> Result<Transfer> {
    let mut config = String::new();
    for name in names {
        config.push_str(&format!(
            "url = \"{base}/{name}\"\noutput = \"/dev/null\"\n"
        ));
    }
    let path = dir.join("curl-files.conf");
    tokio::fs::write(&path, config).await?;
    curl(&["-K".to_owned(), path.display().to_string()]).await
}

fn expect_length(what: &str, got: u64, expected: u64) -> Result<()> {
    if got != expected {
        bail!("{what}: {got} bytes received, {expected} expected");
    }
    Ok(())
}
