//! `wrk` as the load generator of the read scenarios: it costs the machine far less CPU per
//! request than the harness's own reqwest loop, so that on few cores the service, not the
//! client, is what the figures measure. Debian's package is installed when missing; when it
//! cannot be, the scenario falls back to [`crate::load::closed_loop`] and says so.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// What one `wrk` run measured.
pub struct WrkResult {
    pub requests: u64,
    pub per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
    /// Answers other than 2xx/3xx, and socket errors (connect, read, write, timeout).
    pub failed: u64,
}

impl WrkResult {
    pub fn describe(&self) -> String {
        format!(
            "wrk: {} requests, {} failed, p50 {:.2} ms, p99 {:.2} ms",
            self.requests,
            self.failed,
            self.p50.as_secs_f64() * 1e3,
            self.p99.as_secs_f64() * 1e3
        )
    }
}

/// The `wrk` program: on the `PATH`, else installed with `apt-get install -y wrk`; an error
/// says why neither worked.
pub fn find_or_install() -> Result<PathBuf> {
    if let Some(found) = on_path("wrk") {
        return Ok(found);
    }
    eprintln!("   wrk missing: apt-get install -y wrk");
    let installed = Command::new("apt-get")
        .args(["install", "-y", "-q", "wrk"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .output()
        .context("running apt-get")?;
    if !installed.status.success() {
        bail!(
            "apt-get install wrk failed: {}",
            String::from_utf8_lossy(&installed.stderr).trim()
        );
    }
    on_path("wrk").context("wrk is still not on the PATH after apt-get")
}

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// A Lua script sending `GET path` with `Authorization: Bearer token` for each pair, in turn
/// (each of wrk's threads starts at its own offset), or `GET path` alone when `token` is None.
pub fn script(requests: &[(String, Option<String>)]) -> String {
    let mut tokens: Vec<&str> = Vec::new();
    let mut rows = String::new();
    for (path, token) in requests {
        let index = match token {
            Some(t) => match tokens.iter().position(|known| known == t) {
                Some(i) => i + 1,
                None => {
                    tokens.push(t);
                    tokens.len()
                }
            },
            None => 0,
        };
        rows.push_str(&format!("{{{},{index}}},\n", lua_string(path)));
    }
    let tokens: String = tokens
        .iter()
        .map(|t| format!("{},\n", lua_string(t)))
        .collect();
    format!(
        r#"local tokens = {{
{tokens}}}
local rows = {{
{rows}}}
local prepared = {{}}
local cursor = 1
local thread_count = 0

function setup(thread)
  thread:set("offset", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  for i, row in ipairs(rows) do
    local headers = {{}}
    if row[2] > 0 then
      headers["Authorization"] = "Bearer " .. tokens[row[2]]
    end
    prepared[i] = wrk.format("GET", row[1], headers)
  end
  cursor = ((offset or 0) * 7919) % #prepared + 1
end

function request()
  local r = prepared[cursor]
  cursor = cursor % #prepared + 1
  return r
end
"#
    )
}

fn lua_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Runs `wrk` on `base` with `script` for `duration` over `connections` connections and two
/// threads (the machine's other cores serve).
pub fn run(
    wrk: &Path,
    base: &str,
    script_path: &Path,
    script: &str,
    connections: usize,
    duration: Duration,
) -> Result<WrkResult> {
    std::fs::write(script_path, script)?;
    let output = Command::new(wrk)
        .arg("-t2")
        .arg(format!("-c{connections}"))
        .arg(format!("-d{}s", duration.as_secs().max(1)))
        .arg("--latency")
        .arg("-s")
        .arg(script_path)
        .arg(base)
        .output()
        .context("running wrk")?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "wrk failed: {}{}",
            text.trim(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    parse(&text)
}

/// Reads wrk's `--latency` report.
pub fn parse(text: &str) -> Result<WrkResult> {
    let mut requests = None;
    let mut per_second = None;
    let mut p50 = None;
    let mut p99 = None;
    let mut failed = 0;
    for line in text.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["50%", value] => p50 = Some(latency(value)?),
            ["99%", value] => p99 = Some(latency(value)?),
            [count, "requests", "in", ..] => requests = Some(count.parse::<u64>()?),
            ["Requests/sec:", value] => per_second = Some(value.parse::<f64>()?),
            ["Non-2xx", "or", "3xx", "responses:", count] => failed += count.parse::<u64>()?,
            ["Socket", "errors:", rest @ ..] => {
                // "connect 0, read 0, write 0, timeout 0"
                for number in rest.iter().skip(1).step_by(2) {
                    failed += number.trim_end_matches(',').parse::<u64>()?;
                }
            }
            _ => {}
        }
    }
    match (requests, per_second, p50, p99) {
        (Some(requests), Some(per_second), Some(p50), Some(p99)) => Ok(WrkResult {
            requests,
            per_second,
            p50,
            p99,
            failed,
        }),
        _ => bail!("unexpected wrk output: {text}"),
    }
}

/// A wrk duration: `812.00us`, `1.23ms`, `2.00s`, `1.5m`.
fn latency(value: &str) -> Result<Duration> {
    let split = value
        .find(|c: char| c.is_ascii_alphabetic())
        .with_context(|| format!("no unit in {value}"))?;
    let (number, unit) = value.split_at(split);
    let number: f64 = number.parse()?;
    let seconds = match unit {
        "us" => number / 1e6,
        "ms" => number / 1e3,
        "s" => number,
        "m" => number * 60.0,
        "h" => number * 3600.0,
        _ => bail!("unknown unit in {value}"),
    };
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_latency_report() {
        let text = "Running 10s test @ http://127.0.0.1:1\n  2 threads and 64 connections\n\
            Thread Stats   Avg      Stdev     Max   +/- Stdev\n\
            Latency     1.10ms  812.00us  20.00ms   90.00%\n\
            Latency Distribution\n     50%  812.00us\n     75%    1.20ms\n     90%    2.00ms\n\
                 99%    4.56ms\n  370000 requests in 10.00s, 400.00MB read\n\
            Socket errors: connect 0, read 2, write 0, timeout 1\n\
            Non-2xx or 3xx responses: 4\nRequests/sec:  36999.50\nTransfer/sec:     40.00MB\n";
        let r = parse(text).unwrap();
        assert_eq!(r.requests, 370_000);
        assert!((r.per_second - 36_999.5).abs() < 1e-6);
        assert_eq!(r.p50, Duration::from_micros(812));
        assert_eq!(r.p99, Duration::from_micros(4_560));
        assert_eq!(r.failed, 7);
    }

    #[test]
    fn the_script_names_each_token_once() {
        let s = script(&[
            ("/a".into(), Some("t1".into())),
            ("/b".into(), Some("t1".into())),
            ("/health".into(), None),
        ]);
        assert_eq!(s.matches("\"t1\"").count(), 1);
        assert!(s.contains("{\"/b\",1}"));
        assert!(s.contains("{\"/health\",0}"));
    }
}
