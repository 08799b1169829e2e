//! The web interface in a real browser: headless Chromium driven through WebDriver
//! (chromedriver), against the running service. A user signs in by the demo's kind of link,
//! searches, fills the basket, orders, pauses and resumes from the page, watches the order
//! reach DONE without reloading and downloads its zip through the page; an operator sees the
//! order's actor and the persistence queue; a user is refused the operator pages.
//!
//! Without `chromium` and `chromedriver` these tests say so and pass, unless
//! `REGARDS_ORDER_REQUIRE_BROWSER` is set (CI sets it: a missing browser fails there).
//! Screenshots of every page go to `<target>/tmp/ui-screenshots/`.

use crate::archive::{add_products, online_root, tape_root, with_storages};
use crate::helpers::{Backend, TestApp, postgres_url, spawn_app_with};
use fantoccini::{Client, ClientBuilder, Locator};
use regards_order::auth::Role;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Products of the journey's order, each restored from the nearline storage in `RESTORE_MS`
/// by one drive: the order stays RUNNING a few seconds, time enough to pause it from the page.
const PRODUCTS: usize = 16;
const RESTORE_MS: u64 = 300;
/// A label of 50 characters, the longest allowed: the page must not break on it.
const LABEL: &str = "browser-journey-with-a-label-of-fifty-characters!";
const USER: &str = "jane.browser@example.org";

#[actix_web::test]
async fn sqlite_user_journey_in_the_browser() {
    journey(Backend::Sqlite).await;
}

#[actix_web::test]
async fn postgres_user_journey_in_the_browser() {
    if postgres_url().is_none() {
        eprintln!("TEST_DATABASE_URL is not set: Postgres variant skipped");
        return;
    }
    journey(Backend::Postgres).await;
}

#[actix_web::test]
async fn a_user_is_refused_the_operator_pages() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = spawn_app_with(Backend::Sqlite, |_, _| {}).await;
    let token = app.user(USER);
    browser.sign_in(&app, &token).await;
    for (view, title) in [
        ("engine", "engine-refused"),
        ("all-orders", "search-refused"),
        ("settings", "settings-refused"),
    ] {
        // By address: the navigation does not even offer these pages to a user.
        browser
            .js(&format!("location.hash = '#{view}'; return true;"))
            .await;
        browser
            .wait_js(
                &format!("const r = document.querySelector('#view-{view} [data-refused]'); return !!r && r.textContent.includes('Not allowed');"),
                &format!("the {view} page says not allowed"),
            )
            .await;
        browser.screenshot(title).await;
    }
    // The operator links are not even offered to a user.
    let shown: bool = browser
        .js("return getComputedStyle(document.querySelector('nav li.operator')).display !== 'none';")
        .await
        .as_bool()
        .unwrap();
    assert!(!shown, "operator links shown to a user");
    let api = app.get("/admin/actors", &token).send().await.unwrap();
    assert_eq!(api.status(), 403);
    browser.close().await;
}

/// The page's event stream is cut after its first event: the page reconnects with
/// `Last-Event-ID` and the service replays what happened meanwhile, so the order still shows
/// DONE without a reload.
#[actix_web::test]
async fn live_updates_resume_after_a_dropped_stream() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = spawn_app_with(Backend::Sqlite, |settings, dir| {
        with_storages(settings, dir, 0, 2);
    })
    .await;
    add_products(&app, &online_root(app.dir.path()), "live", 3, 100).await;
    let token = app.user(USER);
    app.select_q(&token, "group:live").await;
    browser.sign_in(&app, &token).await;
    // Restart the page's stream through a fetch that ends the first event stream after its
    // first event (as a proxy or a network drop would), and records what each request sent.
    browser
        .js(r#"
            ordersView.stop();
            window.streamRequests = [];
            const realFetch = window.fetch;
            window.fetch = async (url, options) => {
                const response = await realFetch(url, options);
                if (!String(url).endsWith("/user/orders/events")) return response;
                window.streamRequests.push(options.headers["Last-Event-ID"] || null);
                if (window.streamRequests.length > 1) return response;
                const reader = response.body.getReader();
                const decoder = new TextDecoder();
                let seen = "";
                const cut = new ReadableStream({ async pull(controller) {
                    const at = seen.indexOf("id: ");
                    if (at >= 0 && seen.indexOf("\n\n", at) >= 0) {
                        reader.cancel(); controller.close(); return;
                    }
                    const { value, done } = await reader.read();
                    if (done) { controller.close(); return; }
                    seen += decoder.decode(value, { stream: true });
                    controller.enqueue(value);
                } });
                return new Response(cut, { status: response.status, headers: response.headers });
            };
            ordersView.show();
            return true;"#)
        .await;
    browser
        .wait_js(
            "return window.streamRequests.length === 1 && document.getElementById('orders-live').textContent.endsWith('live');",
            "the first stream",
        )
        .await;
    let created = app.create_order(&token, Some("dropped stream")).await;
    assert_eq!(created.status(), 201);
    browser
        .wait_js(
            "return window.streamRequests.length >= 2;",
            "a reconnection",
        )
        .await;
    browser
        .wait_js(
            "const s = document.querySelector('article.order [data-status]'); return !!s && s.dataset.status === 'DONE';",
            "the order DONE on the page",
        )
        .await;
    let sent = browser.js("return window.streamRequests;").await;
    // The page follows from now on (it reads the orders themselves), then resumes where the
    // cut stream stopped.
    assert_eq!(sent[0], Value::Null, "{sent}");
    let resumed_from: i64 = sent[1]
        .as_str()
        .unwrap_or_else(|| panic!("no Last-Event-ID on reconnection: {sent}"))
        .parse()
        .unwrap();
    assert!(resumed_from > 0, "{sent}");
    let facts = browser.text("article.order .facts").await;
    assert!(facts.contains("3 files available"), "{facts}");
    browser.screenshot("orders-reconnected").await;
    browser.close().await;
}

/// The whole journey on `backend`.
async fn journey(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = spawn_app_with(backend, |settings, dir| {
        with_storages(settings, dir, RESTORE_MS, 1);
    })
    .await;
    add_products(&app, &tape_root(app.dir.path()), "ui", PRODUCTS, 3000).await;
    add_products(&app, &tape_root(app.dir.path()), "other", 3, 100).await;
    let token = app.user(USER);

    // Signed in by a link carrying the token in its fragment, which the page removes at once.
    browser.sign_in(&app, &token).await;
    let url = browser.client.current_url().await.unwrap();
    assert!(
        !url.as_str().contains("token"),
        "token left in the address bar: {url}"
    );
    browser
        .js("window.journeyMark = 'never reloaded'; return true;")
        .await;

    // Search with q, add the matches to the basket.
    browser.go_view("search").await;
    browser
        .wait_js(
            "return document.querySelectorAll('#search-dataset option').length === 2;",
            "the dataset list",
        )
        .await;
    browser.fill("#search-q", "group:ui").await;
    browser.click("#search-run").await;
    browser
        .wait_js(
            &format!("const c = document.querySelector('#search-result .match-count'); return !!c && c.textContent === '{PRODUCTS} products match.';"),
            "the search's matches",
        )
        .await;
    let rows = browser
        .js("return document.querySelectorAll('#search-result tbody tr').length;")
        .await;
    assert_eq!(rows, PRODUCTS);
    let listed = browser.text("#search-result tbody").await;
    assert!(
        listed.contains("ui-3") && !listed.contains("other-"),
        "{listed}"
    );
    browser.click("#add-query").await;
    browser
        .wait_js(
            &format!("const r = document.querySelector('#search-added .basket-totals'); return !!r && r.textContent.startsWith('{PRODUCTS} products');"),
            "the search result with the basket's counts",
        )
        .await;
    browser.screenshot("search").await;

    // The basket shows its selections with counts and sizes; one removed on the page.
    app.select_q(&token, "group:other").await;
    browser.go_view("basket").await;
    browser
        .wait_js(
            &format!("const t = document.querySelector('#basket-content .basket-totals'); return !!t && t.textContent.startsWith('{} products');", PRODUCTS + 3),
            "the basket with both selections",
        )
        .await;
    browser
        .click("tr[data-selection='q = group:other'] button")
        .await;
    browser
        .wait_js(
            &format!("const t = document.querySelector('#basket-content .basket-totals'); return !!t && t.textContent.startsWith('{PRODUCTS} products, {PRODUCTS} files');"),
            "the basket's totals",
        )
        .await;
    let basket_text = browser.text("#basket-content").await;
    assert!(basket_text.contains("Archive"), "{basket_text}");
    assert!(basket_text.contains("q = group:ui"), "{basket_text}");
    browser.screenshot("basket").await;

    // Create the order with a label: the page goes to "My orders".
    browser.fill("#order-label", LABEL).await;
    browser.click("#create-order").await;
    browser
        .wait_js(
            "return location.hash === '#orders' && !!document.querySelector('article.order');",
            "the order's card",
        )
        .await;
    let id = browser
        .js("return Number(document.querySelector('article.order').dataset.orderId);")
        .await
        .as_i64()
        .unwrap();
    let card = format!("#order-{id}");
    let label = browser.text(&format!("{card} h3")).await;
    assert_eq!(label, LABEL);

    // Pause and resume from the page while the restores run.
    browser
        .wait_js(
            &format!("return !!document.querySelector('{card} [data-action=pause]');"),
            "a pause button",
        )
        .await;
    browser.click(&format!("{card} [data-action=pause]")).await;
    browser.wait_status(&card, "PAUSED").await;
    assert_eq!(app.order(&token, id).await["status"], "PAUSED");
    browser
        .wait_js(
            &format!("return !!document.querySelector('{card} [data-action=resume]');"),
            "a resume button",
        )
        .await;
    // A file not restored yet answers 202: the page says it is being restored.
    browser.click(&format!("{card} [data-files=toggle]")).await;
    browser
        .wait_js(
            &format!(
                "return !!document.querySelector('{card} tr[data-file-state=PENDING] button');"
            ),
            "a pending file",
        )
        .await;
    browser
        .click(&format!("{card} tr[data-file-state=PENDING] button"))
        .await;
    browser
        .wait_js(
            &format!("const r = document.querySelector('{card} tr[data-file-state=PENDING] .restoring'); return !!r && r.textContent.startsWith('being restored');"),
            "the file shown as being restored",
        )
        .await;
    browser.screenshot("orders-paused").await;
    let percent_when_paused = browser.progress(&card).await;
    assert!(
        percent_when_paused < 100,
        "the order ended before it was paused"
    );
    // A bar per sub-order, read from the order's sub-order listing: not all complete while
    // the order is not (a paused order's restores in flight may still end it meanwhile).
    browser
        .wait_js(
            &format!("const b = [...document.querySelectorAll('{card} [data-suborder]')]; const s = document.querySelector('{card} [data-status]').dataset.status; return b.length > 0 && (s === 'DONE' || b.some((x) => x.dataset.percent !== '100'));"),
            "a sub-order still being retrieved",
        )
        .await;
    browser.click(&format!("{card} [data-action=resume]")).await;
    browser
        .wait_js(
            &format!("const s = document.querySelector('{card} [data-status]'); return !!s && s.dataset.status !== 'PAUSED';"),
            "the order resumed",
        )
        .await;

    // Progress reaches DONE on the page by itself (events), never reloaded.
    let mut seen = vec![browser.progress(&card).await];
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let status = browser
            .js(&format!(
                "return document.querySelector('{card} [data-status]').dataset.status;"
            ))
            .await;
        let percent = browser.progress(&card).await;
        if seen.last() != Some(&percent) {
            seen.push(percent);
        }
        if status == "DONE" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "order not DONE on the page; progress seen {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(seen.last(), Some(&100), "{seen:?}");
    assert!(seen.len() >= 2, "the progress bar never moved: {seen:?}");
    // Every sub-order's bar full, each telling its files available.
    browser
        .wait_js(
            &format!("const b = [...document.querySelectorAll('{card} [data-suborder]')]; return b.length > 0 && b.every((s) => s.dataset.percent === '100' && s.querySelector('progress').value === 100);"),
            "every sub-order complete",
        )
        .await;
    let bars = browser.text(&format!("{card} .suborders")).await;
    assert!(
        bars.contains(&format!("{PRODUCTS} available")),
        "the sub-orders' files: {bars}"
    );
    let mark = browser.js("return window.journeyMark || null;").await;
    assert_eq!(mark, "never reloaded", "the page was reloaded");
    let facts = browser.text(&format!("{card} .facts")).await;
    assert!(
        facts.contains(&format!("{PRODUCTS} files available")),
        "{facts}"
    );
    browser.screenshot("orders").await;

    // The zip through the page: streamed by the page's service worker (with the bearer token)
    // to the browser's downloads, never held in the page.
    browser.click(&format!("{card} [data-download=zip]")).await;
    browser
        .wait_js(
            &format!("const s = document.querySelector('{card} .saved-stream'); return !!s && s.dataset.downloadStatus === '200';"),
            "the zip streaming to the downloads",
        )
        .await;
    let (name, bytes) = browser.downloaded().await;
    assert!(name.ends_with(".zip"), "{name}");
    let mut entries = zip_entries(&bytes, app.dir.path());
    entries.sort();
    let mut expected: Vec<String> = (0..PRODUCTS).map(|i| format!("ui-{i}.dat")).collect();
    expected.sort();
    assert_eq!(entries, expected);

    // The operator sees the order's actor and the persistence queue, on the same stream.
    let admin = app.token("ops@example.org", Role::Admin);
    browser.sign_in(&app, &admin).await;
    browser.go_view("engine").await;
    browser
        .wait_js(
            &format!("const t = document.querySelector('[data-part=orders] table'); return !!t && [...t.querySelectorAll('tbody tr')].some((r) => r.cells[0].textContent === '{id}');"),
            "the order's actor on the engine page",
        )
        .await;
    let persistence = browser.text("[data-part=persistence]").await;
    assert!(persistence.contains("queue length"), "{persistence}");
    assert!(persistence.contains("last batch millis"), "{persistence}");
    browser.screenshot("engine").await;

    // The operator's order search finds the order by its owner; the settings list.
    browser.go_view("all-orders").await;
    browser.fill("#f-owner", "jane.browser").await;
    browser
        .click("#order-search-form button[type=submit]")
        .await;
    browser
        .wait_js(&format!("return document.querySelector('#order-search-result').textContent.includes('{LABEL}');"), "the order in the search")
        .await;
    browser.screenshot("order-search").await;
    // The CSV export of the same filters, offered as a file by the page.
    browser.click("#export-csv").await;
    browser
        .wait_js(
            "return !!document.querySelector('#order-search-result a.saved-file');",
            "the CSV",
        )
        .await;
    let csv = String::from_utf8(
        browser
            .blob_bytes("#order-search-result a.saved-file")
            .await,
    )
    .unwrap();
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(csv.starts_with("ORDER_ID;"), "{csv}");
    assert!(
        csv.contains(&format!("{id};")) && csv.contains(&format!("{USER};DONE;")),
        "{csv}"
    );
    browser.go_view("settings").await;
    browser
        .wait_js(
            "return document.querySelectorAll('#settings-content form').length > 0;",
            "the settings",
        )
        .await;
    browser.screenshot("settings").await;
    // A setting edited on the page is the tenant's; reset, its default again.
    browser
        .js("document.getElementById('setting-app_sub_order_duration').value = '5'; return true;")
        .await;
    browser
        .click("#setting-app_sub_order_duration ~ .row button[type=submit]")
        .await;
    let value = || async {
        let all = crate::helpers::json(app.get("/settings", &admin).send().await.unwrap()).await;
        let setting = all
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["content"]["name"] == "app_sub_order_duration")
            .cloned();
        setting.unwrap()["content"]["value"].clone()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while value().await != json!(5) {
        assert!(Instant::now() < deadline, "the setting was not saved");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    browser
        .wait_js("return document.getElementById('setting-app_sub_order_duration').value.trim() === '5';", "the saved value shown")
        .await;

    // At phone width the orders page keeps to the screen, long label included.
    browser.sign_in(&app, &token).await;
    browser.client.set_window_size(390, 844).await.unwrap();
    browser
        .wait_js(
            &format!("return !!document.querySelector('{card}');"),
            "the card at phone width",
        )
        .await;
    let overflow = browser
        .js("return document.documentElement.scrollWidth - document.documentElement.clientWidth;")
        .await
        .as_i64()
        .unwrap();
    assert!(
        overflow <= 0,
        "the page is {overflow} px wider than a phone"
    );
    browser.screenshot("orders-phone").await;
    browser.close().await;
}

/// The names of the entries of the zip `bytes` (written under `dir`, listed by `unzip`).
fn zip_entries(bytes: &[u8], dir: &Path) -> Vec<String> {
    let path = dir.join("from-the-page.zip");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("unzip")
        .arg("-Z1")
        .arg(&path)
        .output()
        .expect("unzip");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// A chromedriver of this test and its headless Chromium session.
struct Browser {
    driver: Child,
    client: Client,
    /// Where the browser saves what the pages stream to its downloads.
    downloads: tempfile::TempDir,
}

impl Browser {
    /// A session at 1280 × 900, or None (after saying why) when no browser is installed.
    async fn start() -> Option<Self> {
        let missing: Vec<&str> = ["chromium", "chromedriver"]
            .into_iter()
            .filter(|tool| Command::new(tool).arg("--version").output().is_err())
            .collect();
        if !missing.is_empty() {
            assert!(
                std::env::var_os("REGARDS_ORDER_REQUIRE_BROWSER").is_none(),
                "REGARDS_ORDER_REQUIRE_BROWSER is set and {missing:?} missing (scripts/install-test-tools.sh installs them)"
            );
            eprintln!(
                "{missing:?} not installed: browser test skipped (scripts/install-test-tools.sh installs them)"
            );
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let downloads = tempfile::tempdir().unwrap();
        let capabilities: serde_json::Map<String, Value> = serde_json::from_value(json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1280,900"],
                "prefs": {
                    "download.default_directory": downloads.path().to_string_lossy(),
                    "download.prompt_for_download": false,
                    "download.directory_upgrade": true
                }
            }
        }))
        .unwrap();
        let mut builder =
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
        builder.capabilities(capabilities);
        let webdriver = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            match builder.connect(&webdriver).await {
                Ok(client) => break client,
                Err(e) => {
                    assert!(Instant::now() < deadline, "no WebDriver session: {e}");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        };
        client.set_window_size(1280, 900).await.unwrap();
        Some(Self {
            driver,
            client,
            downloads,
        })
    }

    /// Signs in with `token` the way the demo's link does: `/ui/#token=…`.
    async fn sign_in(&self, app: &TestApp, token: &str) {
        // A blank page first, so that the link always loads the page afresh.
        self.client.goto("about:blank").await.unwrap();
        self.client
            .goto(&format!("{}#token={token}", app.url("/ui/")))
            .await
            .unwrap();
        self.wait_js(
            "return location.hash === '#orders' && !document.getElementById('who').hidden;",
            "signed in",
        )
        .await;
    }

    /// Shows the page `view` through its link in the navigation (as a keyboard user would).
    async fn go_view(&self, view: &str) {
        self.click(&format!("nav a[data-view='{view}']")).await;
        self.wait_js(
            &format!("return !document.getElementById('view-{view}').hidden;"),
            &format!("the {view} page"),
        )
        .await;
    }

    /// Clicks `css`, found again if the page replaced it meanwhile (live updates re-render).
    async fn click(&self, css: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let clicked = match self.client.find(Locator::Css(css)).await {
                Ok(element) => element.click().await,
                Err(e) => Err(e),
            };
            match clicked {
                Ok(()) => return,
                Err(e) if Instant::now() > deadline => panic!("cannot click {css}: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    async fn fill(&self, css: &str, text: &str) {
        let element = self.client.find(Locator::Css(css)).await.unwrap();
        element.clear().await.unwrap();
        element.send_keys(text).await.unwrap();
    }

    /// The rendered text of `css`, read in one go (no element handle to go stale).
    async fn text(&self, css: &str) -> String {
        let script = format!("return document.querySelector({css:?}).innerText;");
        let value = self.js(&script).await;
        value
            .as_str()
            .unwrap_or_else(|| panic!("no {css}: {value}"))
            .to_owned()
    }

    async fn js(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap()
    }

    /// The value of the order progress bar in `card`.
    async fn progress(&self, card: &str) -> i64 {
        self.js(&format!(
            "return Number(document.querySelector('{card} progress').value);"
        ))
        .await
        .as_i64()
        .unwrap()
    }

    async fn wait_status(&self, card: &str, status: &str) {
        self.wait_js(
            &format!("const s = document.querySelector('{card} [data-status]'); return !!s && s.dataset.status === '{status}';"),
            &format!("status {status} on the page"),
        )
        .await;
    }

    /// Polls `script` (a function body answering a boolean) until true, for 30 s at most.
    async fn wait_js(&self, script: &str, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if self.client.execute(script, vec![]).await.unwrap() == Value::Bool(true) {
                return;
            }
            if Instant::now() > deadline {
                let shot = self.screenshot("timeout").await;
                let notice = self
                    .js("return document.getElementById('notice').textContent;")
                    .await;
                panic!(
                    "waited 30 s for {what} (notice: {notice}; screenshot {})",
                    shot.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The bytes of the Blob the link `css` offers, read inside the page.
    async fn blob_bytes(&self, css: &str) -> Vec<u8> {
        let script = format!(
            "const done = arguments[arguments.length - 1];
             document.querySelector('{css}').savedBlob.arrayBuffer()
               .then((b) => done(Array.from(new Uint8Array(b))), (e) => done(String(e)));"
        );
        let value = self.client.execute_async(&script, vec![]).await.unwrap();
        let bytes = value
            .as_array()
            .unwrap_or_else(|| panic!("no blob: {value}"));
        bytes.iter().map(|b| b.as_u64().unwrap() as u8).collect()
    }

    /// Saves a screenshot of the window as `<target>/tmp/ui-screenshots/<name>.png`.
    async fn screenshot(&self, name: &str) -> PathBuf {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ui-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(&path, png).unwrap();
        eprintln!("screenshot: {}", path.display());
        path
    }

    /// The one file the browser saved in its downloads folder, once complete (30 s at most).
    async fn downloaded(&self) -> (String, Vec<u8>) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let names: Vec<String> = std::fs::read_dir(self.downloads.path())
                .unwrap()
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            // Chromium writes `*.crdownload` and renames it when the download completes.
            if let [name] = &names[..]
                && !name.ends_with(".crdownload")
            {
                let bytes = std::fs::read(self.downloads.path().join(name)).unwrap();
                return (name.clone(), bytes);
            }
            assert!(
                Instant::now() < deadline,
                "no complete download in 30 s: {names:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // A failed test still ends its chromedriver (and with it the browser).
        let _ = self.driver.kill();
    }
}
