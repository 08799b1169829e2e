//! Load harness of regards-order: starts the release `regards-order` binary (built beforehand
//! with `cargo build --release --bins`) on a fresh database per scenario, drives it over HTTP
//! and compares each figure with a baseline measured in the same run. See BENCHMARKS.md.

mod api;
mod baseline;
mod env;
mod load;
mod nginx;
mod pg_cluster;
mod procfs;
mod report;
mod scenarios;
mod service;
mod stalled;
mod wrk;

use anyhow::{Result, bail};
use clap::{Parser, ValueEnum};
use env::Ctx;
use report::Row;
use service::Backend;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum BackendArg {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Scale {
    Small,
    Full,
}

#[derive(Debug, Parser)]
#[command(
    name = "loadtest",
    about = "Load scenarios against a real regards-order process"
)]
struct Args {
    /// Database of the service under test.
    #[arg(long, value_enum, default_value = "sqlite")]
    backend: BackendArg,
    /// Postgres server: a `loadtest_<random>` database is created there per scenario and dropped.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    database_url: String,
    /// Scenarios to run (default: all but the on-demand `big-order`, in order).
    #[arg(long = "scenario", value_parser = clap::builder::PossibleValuesParser::new(scenarios::all()))]
    scenarios: Vec<String>,
    #[arg(long, value_enum, default_value = "small")]
    scale: Scale,
    /// Where to write the results as JSON.
    #[arg(long, default_value = "loadtest-results.json")]
    json: std::path::PathBuf,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let ctx = Ctx {
        backend: match args.backend {
            BackendArg::Sqlite => Backend::Sqlite,
            BackendArg::Postgres => Backend::Postgres,
        },
        server_url: args.database_url.clone(),
        full: args.scale == Scale::Full,
    };
    let names: Vec<String> = if args.scenarios.is_empty() {
        scenarios::NAMES.iter().map(|s| (*s).to_owned()).collect()
    } else {
        args.scenarios.clone()
    };
    let mut rows: Vec<Row> = Vec::new();
    let mut failures = Vec::new();
    for name in &names {
        eprintln!("== {name} ({}, {:?} scale)", ctx.backend.name(), args.scale);
        let started = std::time::Instant::now();
        match scenarios::run(name, &ctx).await {
            Ok(mut r) => {
                for row in &mut r {
                    row.backend = ctx.backend.name().to_owned();
                }
                eprint!("{}", report::table(&r));
                eprintln!("   ({:.1} s)", started.elapsed().as_secs_f64());
                rows.extend(r);
            }
            Err(e) => {
                eprintln!("   {name} failed: {e:#}");
                failures.push(format!("{name}: {e:#}"));
            }
        }
    }
    println!("\n{}", report::table(&rows));
    let machine = report::machine();
    println!("machine: {machine}");
    let document = serde_json::json!({
        "backend": ctx.backend.name(),
        "scale": if ctx.full { "full" } else { "small" },
        "machine": machine,
        "results": rows,
        "failures": failures,
    });
    std::fs::write(&args.json, serde_json::to_vec_pretty(&document)?)?;
    println!("results written to {}", args.json.display());
    if !failures.is_empty() {
        bail!(
            "{} scenario(s) failed: {}",
            failures.len(),
            failures.join("; ")
        );
    }
    Ok(())
}
