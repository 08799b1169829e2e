//! The command line: `serve`, `token`, `catalog import`, `migrate`.

use crate::auth::{Role, TokenCodec};
use crate::catalog::import::{ImportReport, import_path};
use crate::config::Settings;
use crate::startup::Application;
use crate::storage::Storages;
use crate::{db, demo, telemetry};
use anyhow::Context;
use clap::{Parser, Subcommand};
use regards_order_actors::domain::Tenant;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// Order engine for Earth-observation and scientific data archives.
#[derive(Debug, Parser)]
#[command(name = "regards-order", version, about)]
pub struct Cli {
    /// TOML configuration file (defaults, then this file, then REGARDS_ORDER_* variables).
    #[arg(long, global = true, env = "REGARDS_ORDER_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service.
    Serve,
    /// Seed a `demo` tenant with generated data, run the service, print commands to try it.
    Demo,
    /// Print a bearer token signed with the configured key.
    Token {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
        /// PUBLIC, REGISTERED_USER, EXPLOIT, ADMIN, PROJECT_ADMIN or INSTANCE_ADMIN.
        #[arg(long)]
        role: String,
        #[arg(long, default_value_t = 24)]
        ttl_hours: i64,
    },
    /// Catalogue operations.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Apply database migrations and exit.
    Migrate,
}

/// `catalog` subcommands.
#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Import STAC JSON files (Collection, Item, ItemCollection) or static catalog folders.
    Import {
        #[arg(long)]
        tenant: String,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

/// Parses the command line and runs it; errors are printed with their whole cause chain.
pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    telemetry::init_logs(settings.log_format);
    match execute(cli.command, settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn execute(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve => {
            let app = Application::build(settings).await?;
            app.run_until_stopped().await?;
        }
        Command::Demo => {
            let mut settings = settings;
            let root = demo::with_demo_storages(&mut settings)?;
            demo::seed(&settings, &root).await?;
            let instructions = settings.clone();
            let app = Application::build(settings).await?;
            println!(
                "{}",
                demo::instructions(&instructions, &app.address().to_string())?
            );
            app.run_until_stopped().await?;
        }
        Command::Token {
            tenant,
            email,
            role,
            ttl_hours,
        } => {
            Tenant::parse(&tenant).context("invalid --tenant")?;
            let role: Role = role.parse().map_err(anyhow::Error::msg)?;
            let codec = TokenCodec::new(&settings.auth.jwt_secret);
            let token = codec.issue(&tenant, &email, role, chrono::Duration::hours(ttl_hours))?;
            println!("{token}");
        }
        Command::Catalog(CatalogCommand::Import { tenant, files }) => {
            let tenant = Tenant::parse(&tenant).context("invalid --tenant")?;
            let store = db::connect(&settings.effective_database_url()).await?;
            let storages = Arc::new(Storages::for_service(&settings)?);
            for file in files {
                let report = import_path(store.as_ref(), &tenant, &file, storages.owns_location())
                    .await
                    .with_context(|| format!("cannot import {}", file.display()))?;
                print_report(&file, &report);
            }
        }
        Command::Migrate => {
            let url = settings.effective_database_url();
            db::migrate(&url).await?;
            println!("migrations applied to {}", db::redact(&url));
        }
    }
    Ok(())
}

/// Prints what an import stored, and the files no storage owns.
fn print_report(file: &Path, report: &ImportReport) {
    println!(
        "{}: {} datasets, {} objects, {} files",
        file.display(),
        report.datasets,
        report.objects,
        report.files
    );
    if report.unowned_count > 0 {
        println!(
            "  no storage owns {} of these files (they will end in ERROR when ordered):",
            report.unowned_count
        );
        for unowned in &report.unowned {
            println!("    {} / {}: {}", unowned.item, unowned.asset, unowned.href);
        }
        let more = report
            .unowned_count
            .saturating_sub(report.unowned.len() as u64);
        if more > 0 {
            println!("    … and {more} more");
        }
    }
}
