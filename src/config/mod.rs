//! Typed, layered configuration: compiled defaults, then a TOML file, then
//! `REGARDS_ORDER_*` environment variables (`__` separates nesting levels).

mod events;
mod keys;
mod secret;
mod storage;

pub use events::{
    AmqpSettings, EventSettings, NotificationSettings, SmtpSettings, WebhookSettings,
};
pub use keys::{DEV_JWT_SECRET, DEV_ORDER_SECRET};
pub use secret::Secret;
pub use storage::{StorageKind, StorageSettings};

use anyhow::Context;
use config::{Config, Environment, File, FileFormat};
use serde::Deserialize;
use std::path::{Path, PathBuf};

const DEFAULTS: &str = include_str!("defaults.toml");

/// Format of the log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// Signing keys.
#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    /// HS256 key of bearer tokens.
    pub jwt_secret: Secret,
    /// HS256 key of public order tokens.
    pub order_secret: Secret,
}

/// Order creation and retrieval limits.
#[derive(Debug, Clone, Deserialize)]
pub struct OrderSettings {
    pub bucket_size_mb: u64,
    pub max_files_per_suborder: u64,
    pub max_active_suborders_per_user: u32,
    pub user_suborder_duration_hours: u32,
    pub app_suborder_duration_hours: u32,
    pub expiration_max_hours: u32,
}

/// How the order engine runs.
#[derive(Debug, Clone, Deserialize)]
pub struct EngineSettings {
    /// Longest wait of background progress before its transaction (group commit).
    pub flush_delay_ms: u64,
    /// A finished order with nothing left to expire leaves memory after this idle time.
    pub passivate_after_secs: u64,
    /// Retrievals one sub-order runs at once (storages bound them further).
    pub retrievals_per_suborder: usize,
    /// Longest wait for an acknowledged change to commit (and for any database call an HTTP
    /// request makes): past it the request answers 503 with `Retry-After`.
    pub commit_timeout_secs: u64,
}

/// How the HTTP server treats clients.
#[derive(Debug, Clone, Deserialize)]
pub struct HttpSettings {
    /// A client that accepts no bytes of a streamed response for this long is disconnected.
    pub stall_timeout_secs: u64,
    /// Largest request body of every endpoint but the catalogue import (`max_body_mb`) and
    /// the upload (1 MiB), in KiB.
    pub max_json_body_kb: u64,
    /// Longest time a request body may take to arrive; a slower client gets 408 and is
    /// disconnected.
    pub body_timeout_secs: u64,
    /// Connections each worker (one per core) serves at once; further ones wait in the
    /// listen backlog.
    pub max_connections_per_worker: usize,
}

/// Limits of downloads.
#[derive(Debug, Clone, Deserialize)]
pub struct DownloadSettings {
    /// Streamed downloads (file, zip, metalink, CSV) one user may have at once; the next
    /// answers 429 with `Retry-After`.
    pub max_streams_per_user: usize,
}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// Listen address; port 0 picks a free port.
    pub bind: String,
    /// Base of every URL the service writes; `http://<bound address>` when absent.
    pub public_url: Option<String>,
    /// `sqlite://…` or `postgres://…`; `sqlite://<data_dir>/regards-order.db` when absent.
    pub database_url: Option<String>,
    /// Working directory: restored-file cache, SQLite file.
    pub data_dir: PathBuf,
    pub log_format: LogFormat,
    /// Largest body of a catalogue import (`POST /catalog/import`), in MiB.
    pub max_body_mb: u64,
    pub auth: AuthSettings,
    pub orders: OrderSettings,
    pub engine: EngineSettings,
    pub http: HttpSettings,
    pub downloads: DownloadSettings,
    pub events: EventSettings,
    pub webhooks: WebhookSettings,
    pub notifications: NotificationSettings,
    /// E-mails are sent only with an SMTP server.
    pub smtp: Option<SmtpSettings>,
    /// AMQP requests and responses only with a broker.
    pub amqp: Option<AmqpSettings>,
    /// The configured storages; none means the default (see [`Settings::effective_storages`]).
    #[serde(default)]
    pub storages: Vec<StorageSettings>,
    /// The configuration file read, if any: no storage serves it.
    #[serde(skip)]
    pub config_file: Option<PathBuf>,
}

impl Settings {
    /// Loads defaults, then `file` (or the file named by `REGARDS_ORDER_CONFIG`), then the
    /// environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut builder = Config::builder().add_source(File::from_str(DEFAULTS, FileFormat::Toml));
        if let Some(path) = file {
            builder = builder.add_source(File::from(path).format(FileFormat::Toml));
        }
        let env = Environment::with_prefix("REGARDS_ORDER")
            .prefix_separator("_")
            .separator("__")
            .try_parsing(true);
        let mut settings: Settings = builder
            .add_source(env)
            .build()
            .context("cannot read the configuration")?
            .try_deserialize()
            .context("invalid configuration")?;
        settings.config_file = file.map(Path::to_path_buf);
        settings.validate()?;
        Ok(settings)
    }

    /// The database URL in effect.
    pub fn effective_database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}/regards-order.db", self.data_dir.display()),
        }
    }

    /// The storages in effect: the configured ones, or else one local online storage named
    /// `local` rooted at `<data_dir>/files`, so that nothing outside the service's own
    /// folder is served unless an operator says so.
    pub fn effective_storages(&self) -> Vec<StorageSettings> {
        if !self.storages.is_empty() {
            return self.storages.clone();
        }
        let data_dir = std::path::absolute(&self.data_dir).unwrap_or(self.data_dir.clone());
        vec![StorageSettings::online("local", &data_dir.join("files"))]
    }

    fn validate(&self) -> anyhow::Result<()> {
        keys::validate(&self.auth)?;
        if self.orders.bucket_size_mb == 0 || self.orders.max_files_per_suborder == 0 {
            anyhow::bail!("orders.bucket_size_mb and orders.max_files_per_suborder must be > 0");
        }
        if self.engine.commit_timeout_secs == 0 || self.http.stall_timeout_secs == 0 {
            anyhow::bail!("engine.commit_timeout_secs and http.stall_timeout_secs must be > 0");
        }
        let http = &self.http;
        if http.max_json_body_kb == 0
            || http.body_timeout_secs == 0
            || http.max_connections_per_worker == 0
            || self.max_body_mb == 0
        {
            anyhow::bail!(
                "max_body_mb, http.max_json_body_kb, http.body_timeout_secs and \
                 http.max_connections_per_worker must be > 0"
            );
        }
        if self.downloads.max_streams_per_user == 0 {
            anyhow::bail!("downloads.max_streams_per_user must be > 0");
        }
        if self.events.retention_hours == 0
            || self.events.heartbeat_secs == 0
            || self.events.max_streams_per_user == 0
            || self.webhooks.max_attempts == 0
            || self.webhooks.timeout_secs == 0
        {
            anyhow::bail!(
                "events.retention_hours, events.heartbeat_secs, events.max_streams_per_user, \
                 webhooks.max_attempts and webhooks.timeout_secs must be > 0"
            );
        }
        if self.orders.max_active_suborders_per_user == 0 {
            anyhow::bail!("orders.max_active_suborders_per_user must be > 0");
        }
        if let Some(amqp) = &self.amqp {
            amqp.validate()?;
        }
        storage::validate_all(&self.storages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn load_toml(text: &str) -> anyhow::Result<Settings> {
        let mut file = tempfile::NamedTempFile::new()?;
        file.write_all(text.as_bytes())?;
        Settings::load(Some(file.path()))
    }

    #[test]
    fn defaults_run_with_no_configuration() {
        let s = Settings::load(None).expect("defaults load");
        assert_eq!(s.bind, "127.0.0.1:9043");
        assert_eq!(s.effective_database_url(), "sqlite://data/regards-order.db");
        assert_eq!(s.orders.bucket_size_mb, 100);
        assert_eq!(s.orders.max_files_per_suborder, 5000);
        assert_eq!(s.orders.max_active_suborders_per_user, 2);
        assert_eq!(s.orders.user_suborder_duration_hours, 240);
        assert_eq!(s.orders.app_suborder_duration_hours, 2);
        assert_eq!(s.orders.expiration_max_hours, 168);
        assert_eq!(s.engine.commit_timeout_secs, 5);
        assert_eq!(s.http.stall_timeout_secs, 60);
        assert_eq!(s.downloads.max_streams_per_user, 4);
        assert_eq!(s.http.max_json_body_kb, 1024);
        let storages = s.effective_storages();
        assert_eq!(storages.len(), 1);
        let cwd = std::env::current_dir().expect("cwd");
        assert_eq!(storages[0].root, cwd.join("data/files").to_string_lossy());
        assert!(!storages[0].nearline);
        assert_eq!(s.uses_development_secrets().len(), 2);
    }

    #[test]
    fn a_file_overrides_the_defaults() {
        let s = load_toml(
            r#"
            bind = "0.0.0.0:0"
            public_url = "https://archive.example.org/api/v1/rs-order"
            [orders]
            bucket_size_mb = 7
            [auth]
            jwt_secret = "a-production-key-of-at-least-32-bytes"
            [[storages]]
            name = "tape"
            kind = "local"
            root = "/archive"
            nearline = true
            restore_delay_ms = 1500
            drives = 2
            [[storages]]
            name = "web"
            kind = "http"
            root = "https://example.org/files/"
            "#,
        )
        .expect("file loads");
        assert_eq!(s.bind, "0.0.0.0:0");
        assert_eq!(s.orders.bucket_size_mb, 7);
        assert_eq!(
            s.orders.max_files_per_suborder, 5000,
            "other keys keep defaults"
        );
        assert_eq!(s.uses_development_secrets(), vec!["auth.order_secret"]);
        assert_eq!(
            s.storages.len(),
            2,
            "a storage list replaces the default one"
        );
        assert!(s.storages[0].nearline);
        assert_eq!(s.storages[0].restore_delay_ms, 1500);
        assert_eq!(s.storages[1].kind, StorageKind::Http);
        assert_eq!(s.storages[1].drives, 4);
        assert!(
            !format!("{s:?}").contains("a-production-key"),
            "secrets never print"
        );
    }

    #[test]
    fn an_amqp_section_needs_only_its_url() {
        let s = load_toml("[amqp]\nurl = \"amqp://guest:guest@127.0.0.1:5672/%2f\"")
            .expect("file loads");
        let amqp = s.amqp.expect("amqp");
        assert_eq!(amqp.request_queue, "regards.order.request");
        assert_eq!(amqp.cancel_queue, "regards.order.cancel");
        assert_eq!(amqp.response_exchange, "regards.order.response");
        assert_eq!((amqp.cancel_polls, amqp.cancel_poll_millis), (20, 5000));
        assert!(Settings::load(None).expect("defaults").amqp.is_none());
        for (toml, why) in [
            ("[amqp]\nurl = \"amqps://h/%2f\"", "amqp://"),
            ("[amqp]\nurl = \"amqp://h\"\nrequest_queue = \"\"", "names"),
            (
                "[amqp]\nurl = \"amqp://h\"\ncancel_polls = 0",
                "cancel_polls",
            ),
        ] {
            let error = format!("{:#}", load_toml(toml).expect_err(toml));
            assert!(error.contains(why), "{toml}: {error}");
        }
    }

    #[test]
    fn incoherent_files_are_refused_with_a_reason() {
        let cases = [
            ("[auth]\njwt_secret = \"short\"", "at least 32 bytes"),
            ("[orders]\nbucket_size_mb = 0", "bucket_size_mb"),
            ("log_format = \"xml\"", "invalid configuration"),
            (
                "[[storages]]\nname = \"a\"\nkind = \"local\"\nroot = \"/\"\n\
                 [[storages]]\nname = \"a\"\nkind = \"local\"\nroot = \"/x\"",
                "used twice",
            ),
            (
                "[[storages]]\nname = \"w\"\nkind = \"http\"\nroot = \"https://x/\"\nnearline = true",
                "nearline",
            ),
            (
                "[[storages]]\nname = \"w\"\nkind = \"http\"\nroot = \"/not/a/url\"",
                "http(s) URL",
            ),
        ];
        for (text, expected) in cases {
            let error = load_toml(text).expect_err(text);
            assert!(format!("{error:#}").contains(expected), "{text}: {error:#}");
        }
    }
}
