//! One scenario's world: a temporary folder, a fresh database, the running service and a
//! client; plus the catalogue and order builders the scenarios share.

use crate::api::{Api, OrderRef};
use crate::service::{Backend, Config, Database, Service, random_suffix};
use anyhow::{Result, bail};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What every scenario gets from the command line.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub backend: Backend,
    pub server_url: String,
    pub full: bool,
}

impl Ctx {
    /// `small` at the small scale, `full` at the full one.
    pub fn pick<T>(&self, small: T, full: T) -> T {
        if self.full { full } else { small }
    }
}

pub struct Env {
    pub dir: PathBuf,
    pub db: Database,
    config: PathBuf,
    pub service: Option<Service>,
    pub api: Api,
}

impl Env {
    /// A temporary folder, a fresh database, and the service started on them with the
    /// configuration `make_config` builds (given the folder, for storage roots).
    pub async fn start(ctx: &Ctx, make_config: impl FnOnce(&Path) -> Config) -> Result<Self> {
        let dir = std::env::temp_dir().join(format!("regards-loadtest-{}", random_suffix()));
        std::fs::create_dir_all(&dir)?;
        let config = make_config(&dir).write(&dir)?;
        let db = match Database::create(ctx.backend, &ctx.server_url, &dir).await {
            Ok(db) => db,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(e);
            }
        };
        let service = match Service::start(&config, &db, &dir.join("data")) {
            Ok(s) => s,
            Err(e) => {
                let _ = db.drop_now().await;
                let _ = std::fs::remove_dir_all(&dir);
                return Err(e);
            }
        };
        let api = Api::new(&service.base)?;
        Ok(Self {
            dir,
            db,
            config,
            service: Some(service),
            api,
        })
    }

    pub fn service(&self) -> Result<&Service> {
        match &self.service {
            Some(s) => Ok(s),
            None => bail!("the service is not running"),
        }
    }

    /// Stops the service gracefully.
    pub fn stop(&mut self) -> Result<()> {
        if let Some(s) = self.service.take() {
            s.stop()?;
        }
        Ok(())
    }

    /// Stops the service and starts it again on the same database and folder; gives the
    /// time from the new process's spawn to its first 200 on `/ready`.
    pub async fn restart(&mut self) -> Result<Duration> {
        self.stop()?;
        self.start_again().await
    }

    /// Kills the service (SIGKILL: nothing flushed) and starts it again like [`Env::restart`].
    pub async fn crash_restart(&mut self) -> Result<Duration> {
        if let Some(s) = self.service.take() {
            s.kill()?;
        }
        self.start_again().await
    }

    /// Starts the service on the same database and folder; waits for `/ready`.
    async fn start_again(&mut self) -> Result<Duration> {
        let spawned = std::time::Instant::now();
        let service = Service::start(&self.config, &self.db, &self.dir.join("data"))?;
        self.api = Api::new(&service.base)?;
        self.service = Some(service);
        for _ in 0..60_000 {
            if self.api.ready().await {
                return Ok(spawned.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        bail!("/ready never answered 200 after the restart")
    }

    /// Stops the service, drops the database, removes the folder.
    pub async fn finish(mut self) -> Result<()> {
        let stopped = self.stop();
        let dropped = self.db.drop_now().await;
        let _ = std::fs::remove_dir_all(&self.dir);
        stopped?;
        dropped
    }
}

/// Runs `body` in a fresh environment and always cleans it up.
pub async fn with_env<T>(
    ctx: &Ctx,
    make_config: impl FnOnce(&Path) -> Config,
    body: impl AsyncFnOnce(&mut Env) -> Result<T>,
) -> Result<T> {
    let mut env = Env::start(ctx, make_config).await?;
    let result = body(&mut env).await;
    let finished = env.finish().await;
    let value = result?;
    finished?;
    Ok(value)
}

/// One catalogue item with one data file.
pub fn item(urn: &str, owner: &str, path: &Path, size: u64) -> Value {
    json!({
        "type": "Feature", "id": urn, "collection": "LOAD",
        "properties": {"owner": owner}, "geometry": null, "links": [],
        "assets": {"data": {"href": format!("file://{}", path.display()), "roles": ["data"],
                            "type": "application/octet-stream", "file:size": size}}
    })
}

pub fn collection(items: Vec<Value>) -> Value {
    json!({"type": "FeatureCollection", "features": items})
}

/// Writes `count` small distinct files `<prefix>-<i>.dat` under `root` (blocking task).
pub async fn write_small_files(root: &Path, prefix: &str, count: usize) -> Result<Vec<PathBuf>> {
    let root = root.to_owned();
    let prefix = prefix.to_owned();
    tokio::task::spawn_blocking(move || -> Result<Vec<PathBuf>> {
        let mut paths = Vec::with_capacity(count);
        for i in 0..count {
            let path = root.join(format!("{prefix}-{i}.dat"));
            std::fs::write(&path, format!("{prefix} file {i}\n").repeat(4))?;
            paths.push(path);
        }
        Ok(paths)
    })
    .await?
}

/// `orders` orders of `files` files each, spread over `users` users and created in parallel
/// per user from baskets filled by URN. The files live under `root` (written here), named
/// (files and items) after `prefix` so that several calls can share a service. Gives the orders.
pub async fn create_orders(
    api: &Api,
    root: &Path,
    prefix: &str,
    orders: usize,
    files: usize,
    users: usize,
) -> Result<Vec<OrderRef>> {
    // A nearline storage checks each file when a drive takes it: the files must exist.
    let dir = root.to_owned();
    let name = prefix.to_owned();
    tokio::task::spawn_blocking(move || -> Result<()> {
        for k in 0..orders {
            for i in 0..files {
                std::fs::write(dir.join(format!("{name}{k}-{i}.dat")), [b'x'; 1024])?;
            }
        }
        Ok(())
    })
    .await??;
    let mut items = Vec::with_capacity(orders * files);
    for k in 0..orders {
        let user = format!("user{}", k % users);
        for i in 0..files {
            let urn = format!("URN:LOAD:{prefix}{k}:F{i}");
            items.push(item(
                &urn,
                &user,
                &root.join(format!("{prefix}{k}-{i}.dat")),
                1024,
            ));
        }
    }
    api.import(&collection(items)).await?;
    let mut tasks = tokio::task::JoinSet::new();
    for u in 0..users {
        let api = api.clone();
        let prefix = prefix.to_owned();
        tasks.spawn(async move {
            let token = api.user_token(&format!("user{u}"))?;
            let mut mine = Vec::new();
            for k in (u..orders).step_by(users) {
                let urns: Vec<String> = (0..files)
                    .map(|i| format!("URN:LOAD:{prefix}{k}:F{i}"))
                    .collect();
                api.select_ids(&token, &urns).await?;
                let id = api
                    .create_order(&token, &format!("order {prefix}{k}"))
                    .await?;
                mine.push(OrderRef {
                    id,
                    token: token.clone(),
                });
            }
            anyhow::Ok(mine)
        });
    }
    let mut all = Vec::with_capacity(orders);
    while let Some(joined) = tasks.join_next().await {
        all.extend(joined??);
    }
    all.sort_by_key(|o| o.id);
    Ok(all)
}

/// Waits until no order is PENDING any more, then checks every one is RUNNING.
pub async fn wait_running(api: &Api, orders: &[OrderRef], timeout: Duration) -> Result<()> {
    api.wait_all(orders, timeout, |o| !crate::api::status_is(o, &["PENDING"]))
        .await?;
    for o in orders {
        let order = api.order(o).await?;
        if !crate::api::status_is(&order, &["RUNNING"]) {
            bail!("expected RUNNING: {}", crate::api::summary(&order));
        }
    }
    Ok(())
}
