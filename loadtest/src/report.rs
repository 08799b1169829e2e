//! Results: one row per figure, printed as a table and written as JSON.

use serde::Serialize;
use serde_json::{Value, json};

/// What a figure must reach.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    /// figure ÷ baseline ≥ this.
    RatioAtLeast { value: f64 },
    /// figure ÷ baseline ≤ this (times, latencies: lower is better).
    RatioAtMost { value: f64 },
    /// the figure itself < this.
    Below { value: f64 },
    /// Reported, no target.
    Report,
}

impl Target {
    fn describe(&self, unit: &str) -> String {
        match self {
            Target::RatioAtLeast { value } => format!("ratio >= {value}"),
            Target::RatioAtMost { value } => format!("ratio <= {value}"),
            Target::Below { value } => format!("< {} {unit}", fmt(*value)),
            Target::Report => "reported".to_owned(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub backend: String,
    pub scenario: String,
    pub figure: String,
    pub value: f64,
    pub unit: String,
    pub baseline_name: Option<String>,
    pub baseline: Option<f64>,
    pub ratio: Option<f64>,
    pub target: Target,
    pub met: bool,
    pub notes: String,
}

impl Row {
    /// A figure compared with a baseline measured in the same run.
    pub fn ratio(
        scenario: &str,
        figure: &str,
        value: f64,
        unit: &str,
        baseline_name: &str,
        baseline: f64,
        target: f64,
    ) -> Self {
        let ratio = if baseline > 0.0 {
            value / baseline
        } else {
            0.0
        };
        Self {
            backend: String::new(),
            scenario: scenario.to_owned(),
            figure: figure.to_owned(),
            value,
            unit: unit.to_owned(),
            baseline_name: Some(baseline_name.to_owned()),
            baseline: Some(baseline),
            ratio: Some(ratio),
            target: Target::RatioAtLeast { value: target },
            met: ratio >= target,
            notes: String::new(),
        }
    }

    /// A figure that should stay within `target` times a baseline measured in the same run.
    pub fn ratio_at_most(
        scenario: &str,
        figure: &str,
        value: f64,
        unit: &str,
        baseline_name: &str,
        baseline: f64,
        target: f64,
    ) -> Self {
        let row = Self::ratio(scenario, figure, value, unit, baseline_name, baseline, 0.0);
        let met = baseline > 0.0 && row.ratio.is_some_and(|r| r <= target);
        Self {
            target: Target::RatioAtMost { value: target },
            met,
            ..row
        }
    }

    /// A figure with an absolute limit.
    pub fn below(scenario: &str, figure: &str, value: f64, unit: &str, limit: f64) -> Self {
        Self {
            backend: String::new(),
            scenario: scenario.to_owned(),
            figure: figure.to_owned(),
            value,
            unit: unit.to_owned(),
            baseline_name: None,
            baseline: None,
            ratio: None,
            target: Target::Below { value: limit },
            met: value < limit,
            notes: String::new(),
        }
    }

    /// A figure reported without a target.
    pub fn report(scenario: &str, figure: &str, value: f64, unit: &str) -> Self {
        Self {
            target: Target::Report,
            met: true,
            ..Self::below(scenario, figure, value, unit, 0.0)
        }
    }

    pub fn note(mut self, notes: impl Into<String>) -> Self {
        self.notes = notes.into();
        self
    }
}

/// A number with a sensible amount of digits.
pub fn fmt(v: f64) -> String {
    if v == 0.0 {
        "0".to_owned()
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else if v.abs() >= 0.1 {
        format!("{v:.2}")
    } else {
        format!("{v:.4}")
    }
}

pub const MIB: f64 = 1024.0 * 1024.0;

/// The rows as a Markdown table (also readable on a terminal), notes after it.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| backend | scenario | figure | value | baseline | ratio | target | met |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let baseline = match (&r.baseline_name, r.baseline) {
            (Some(name), Some(b)) => format!("{} ({name})", fmt(b)),
            _ => "-".to_owned(),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} {} | {} | {} | {} | {} |\n",
            r.backend,
            r.scenario,
            r.figure,
            fmt(r.value),
            r.unit,
            baseline,
            r.ratio.map(fmt).unwrap_or_else(|| "-".to_owned()),
            r.target.describe(&r.unit),
            match (&r.target, r.met) {
                (Target::Report, _) => "-",
                (_, true) => "yes",
                (_, false) => "NO",
            }
        ));
    }
    let notes: Vec<&Row> = rows.iter().filter(|r| !r.notes.is_empty()).collect();
    if !notes.is_empty() {
        out.push('\n');
        for r in notes {
            out.push_str(&format!(
                "* {} {} — {}: {}\n",
                r.backend, r.scenario, r.figure, r.notes
            ));
        }
    }
    out
}

/// The machine the run happened on.
pub fn machine() -> Value {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let memory_kb: u64 = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_owned())
        })
        .unwrap_or_default();
    json!({
        "nproc": cores,
        "cpu": cpu,
        "memory_gib": (memory_kb as f64 / 1024.0 / 1024.0 * 10.0).round() / 10.0,
        "date": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    })
}
