//! E-mails through a real SMTP server (Python's aiosmtpd, `tests/support/smtp_sink.py`,
//! installed by `scripts/install-test-tools.sh`): the creation e-mail and its metalink link,
//! none without `onSuccessUrl`, an SMTP server down at the time, the reminders grouped per
//! owner and on their schedule, and an operator's template.

use crate::archive::{online_root, with_storages};
use crate::backend_tests;
use crate::downloads::{add_files, anonymous_get, blocking, poll, send, settled};
use crate::helpers::{TestApp, json, spawn_app_with};
use chrono::{Duration as Hours, Utc};
use regards_order::config::{Settings, SmtpSettings};
use regards_order::mail::creation::CHANNEL;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

backend_tests!(
    creation_email_links_a_metalink_that_downloads,
    no_creation_email_without_on_success_url,
    no_creation_email_when_creation_ends_with_a_warning,
    creation_email_waits_for_the_smtp_server,
    creation_email_outlives_a_stalled_smtp_server,
    reminders_list_each_owners_waiting_orders_once,
    reminders_run_on_schedule_after_the_tenants_delay,
    reminders_not_taken_wait_for_the_next_run,
    operator_templates_replace_the_embedded_ones,
);

const ALICE: &str = "alice@regards.test";
const BOB: &str = "bob@regards.test";
const SENDER: &str = "orders@regards.test";

/// An SMTP server process writing each message it takes to a folder, killed when dropped.
struct SmtpSink {
    port: u16,
    /// The port, bound but not listening while the server is down: connections to it are
    /// refused, and no other test's process can be given it meanwhile.
    reserved: Option<tokio::net::TcpSocket>,
    folder: PathBuf,
    child: Option<Child>,
    /// Holds the folder (apart from the app's, which a test may replace).
    _dir: tempfile::TempDir,
}

impl SmtpSink {
    /// A sink that will listen on a free port, not started yet (the SMTP server is down).
    fn stopped() -> Self {
        let dir = tempfile::tempdir().expect("mailbox folder");
        let reserved = tokio::net::TcpSocket::new_v4().expect("socket");
        reserved
            .bind(([127, 0, 0, 1], 0).into())
            .expect("a free port");
        let port = reserved.local_addr().expect("bound").port();
        Self {
            port,
            reserved: Some(reserved),
            folder: dir.path().join("mailbox"),
            child: None,
            _dir: dir,
        }
    }

    /// A sink listening now.
    async fn running() -> Self {
        let mut sink = Self::stopped();
        sink.start().await;
        sink
    }

    /// Gives the port up, for a server of the test's own to listen on.
    fn release(&mut self) {
        self.reserved = None;
    }

    /// Starts the server; returns once it listens.
    async fn start(&mut self) {
        self.release();
        let venv = std::env::var("REGARDS_ORDER_SMTP_VENV").map_or_else(
            |_| {
                PathBuf::from(std::env::var("HOME").expect("HOME"))
                    .join(".cache/regards-order-smtp-venv")
            },
            PathBuf::from,
        );
        let python = venv.join("bin/python");
        assert!(
            python.exists(),
            "{} is missing: run scripts/install-test-tools.sh (aiosmtpd)",
            python.display()
        );
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_sink.py");
        let mut child = Command::new(python)
            .arg(script)
            .arg(self.port.to_string())
            .arg(&self.folder)
            .stdout(Stdio::piped())
            .spawn()
            .expect("SMTP sink starts");
        let stdout = child.stdout.take().expect("sink stdout");
        self.child = Some(child);
        let line = blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).map(|_| line)
        })
        .await
        .expect("sink output");
        assert_eq!(line.trim(), "ready", "the SMTP sink did not start");
    }

    /// The messages taken so far, decoded by Python's `email` package, in arrival order.
    fn messages(&self) -> Vec<Value> {
        let Ok(entries) = std::fs::read_dir(&self.folder) else {
            return Vec::new();
        };
        let mut names: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| serde_json::from_slice(&std::fs::read(p).expect("message")).expect("json"))
            .collect()
    }

    /// Waits (60 s at most: on a loaded machine a send may time out and be retried after
    /// its backoff) until `count` messages arrived; answers them.
    async fn wait_for(&self, count: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            assert!(
                Instant::now() < deadline,
                "{} e-mail(s) arrived, not {count}: {messages:#?}",
                messages.len()
            );
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `app` again with the archive storages and `[smtp]` on `sink`'s port, then `configure`.
async fn mail_app(
    app: TestApp,
    sink: &SmtpSink,
    configure: impl FnOnce(&mut Settings, &Path),
) -> TestApp {
    let backend = app.backend;
    drop(app);
    let url = format!("smtp://127.0.0.1:{}", sink.port);
    spawn_app_with(backend, move |settings, dir| {
        with_storages(settings, dir, 0, 1);
        settings.smtp = Some(SmtpSettings {
            url,
            from: SENDER.into(),
            timeout_secs: 5,
        });
        configure(settings, dir);
    })
    .await
}

/// Orders the catalogue's `group` as `owner` with `label` (and `onSuccessUrl` when given);
/// waits until it is DONE with its files available. Answers its id.
async fn order(
    app: &TestApp,
    owner: &str,
    group: &str,
    label: &str,
    on_success_url: Option<&str>,
) -> i64 {
    let token = app.user(owner);
    app.select_q(&token, &format!("group:{group}")).await;
    let mut body = json!({ "label": label });
    if let Some(url) = on_success_url {
        body["onSuccessUrl"] = json!(url);
    }
    let response = send(app.post("/user/orders", &token).json(&body)).await;
    assert_eq!(response.status(), 201, "order creation");
    let id = json(response).await["content"]["id"]
        .as_i64()
        .expect("order id");
    settled(app, &token, id, "DONE").await;
    id
}

/// Waits until the creation e-mails' channel is done with every event of the outbox.
async fn mail_channel_caught_up(app: &TestApp) {
    let store = app.state.store.clone();
    poll("the e-mail channel to reach the outbox's head", || {
        let store = store.clone();
        async move {
            let head = store.last_event_id().await.ok()?;
            let cursor = store.event_cursor(CHANNEL).await.ok()??;
            (cursor >= head).then_some(())
        }
    })
    .await;
}

/// The links of `html`, their `&amp;` read back.
fn links(html: &str) -> Vec<String> {
    let pattern = regex::Regex::new(r#"href="([^"]*)""#).expect("regex");
    pattern
        .captures_iter(html)
        .map(|c| c[1].replace("&amp;", "&"))
        .collect()
}

async fn creation_email_links_a_metalink_that_downloads(app: TestApp) {
    let sink = SmtpSink::running().await;
    let app = mail_app(app, &sink, |_, _| {}).await;
    let files = add_files(&app, &online_root(app.dir.path()), "mailed", 2, 120).await;
    let label = r#"<b>R&D "mail"</b>"#;
    let id = order(&app, ALICE, "mailed", label, Some("/user/orders")).await;

    let message = &sink.wait_for(1).await[0];
    assert_eq!(
        message["subject"],
        format!("Order number {id} is confirmed")
    );
    assert_eq!(message["rcpt_tos"], json!([ALICE]));
    assert_eq!(message["to"], ALICE);
    assert_eq!(message["from"], SENDER);
    assert_eq!(message["content_type"], "text/html");
    let html = message["html"].as_str().expect("an HTML body");
    // The label is the user's: escaped, never markup.
    assert!(
        html.contains("&lt;b&gt;R&amp;D &quot;mail&quot;&lt;/b&gt;"),
        "{html}"
    );
    assert!(!html.contains(label), "{html}");
    // The original's `order_label` is the order's id.
    assert!(html.contains(&format!("<b>{id}</b>")), "{html}");
    let links = links(html);
    assert!(links.contains(&app.url("/user/orders")), "{links:?}");
    let downloader = "https://github.com/RegardsOss/RegardsDownloader/releases".to_owned();
    assert!(links.contains(&downloader), "{links:?}");

    // The link works for anyone holding the e-mail: the metalink lists the order's files.
    let metalink = links
        .iter()
        .find(|l| l.contains("/user/orders/metalink/download?orderToken="))
        .expect("a metalink link")
        .clone();
    assert!(metalink.starts_with(&app.address), "{metalink}");
    assert!(metalink.ends_with("&scope=project1"), "{metalink}");
    let path = metalink.strip_prefix(&app.address).expect("own URL");
    let response = send(anonymous_get(&app, path)).await;
    assert_eq!(response.status(), 200, "metalink of the e-mail");
    let document = response.text().await.expect("metalink");
    for file in &files {
        assert!(document.contains(&file.name()), "{document}");
    }

    mail_channel_caught_up(&app).await;
    assert_eq!(sink.messages().len(), 1, "one e-mail per order");
}

async fn no_creation_email_without_on_success_url(app: TestApp) {
    let sink = SmtpSink::running().await;
    let app = mail_app(app, &sink, |_, _| {}).await;
    add_files(&app, &online_root(app.dir.path()), "quiet", 1, 100).await;
    let unmailed = order(&app, ALICE, "quiet", "no url", None).await;
    let mailed = order(&app, ALICE, "quiet", "with url", Some("/orders")).await;

    // The channel reads the outbox in order: the first order's end came before the second's.
    let messages = sink.wait_for(1).await;
    mail_channel_caught_up(&app).await;
    let messages_after = sink.messages();
    assert_eq!(messages_after.len(), 1, "{messages_after:#?}");
    assert_eq!(
        messages[0]["subject"],
        format!("Order number {mailed} is confirmed")
    );
    assert_ne!(unmailed, mailed);
}

async fn no_creation_email_when_creation_ends_with_a_warning(app: TestApp) {
    let sink = SmtpSink::running().await;
    let app = mail_app(app, &sink, |_, _| {}).await;
    add_files(&app, &online_root(app.dir.path()), "empty", 1, 100).await;
    // An emptied basket: its creation ends DONE_WITH_WARNING (nothing to order).
    let token = app.user(ALICE);
    let selection = json!({"engineType": "legacy", "searchParameters": {"q": ["group:empty"]}});
    let basket = json(app.select(&token, &selection).await).await;
    let selection_id = basket["content"]["datasetSelections"][0]["id"]
        .as_i64()
        .expect("selection id");
    send(app.delete(&format!("/order/basket/dataset/{selection_id}"), &token)).await;
    let body = json!({"label": "nothing", "onSuccessUrl": "/orders"});
    let response = send(app.post("/user/orders", &token).json(&body)).await;
    assert_eq!(response.status(), 201);
    let warned = json(response).await["content"]["id"].as_i64().expect("id");
    app.wait_status(&token, warned, "DONE_WITH_WARNING").await;
    let mailed = order(&app, ALICE, "empty", "something", Some("/orders")).await;

    sink.wait_for(1).await;
    mail_channel_caught_up(&app).await;
    let messages = sink.messages();
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert_eq!(
        messages[0]["subject"],
        format!("Order number {mailed} is confirmed")
    );
}

async fn creation_email_waits_for_the_smtp_server(app: TestApp) {
    let mut sink = SmtpSink::stopped();
    let app = mail_app(app, &sink, |_, _| {}).await;
    add_files(&app, &online_root(app.dir.path()), "later", 1, 100).await;
    let id = order(&app, BOB, "later", "while down", Some("/orders")).await;

    // Operators see the e-mail failing; the channel keeps its event; the order went on.
    let channel = mail_channel_failing(&app).await;
    assert!(channel["behind"].as_i64() > Some(0), "{channel}");
    assert!(channel["lastError"].is_string(), "{channel}");
    let store = &app.state.store;
    let head = store.last_event_id().await.expect("head");
    let cursor = store.event_cursor(CHANNEL).await.expect("cursor");
    assert!(
        cursor.unwrap_or(0) < head,
        "the channel passed an e-mail it did not send"
    );
    assert_eq!(app.order(&app.user(BOB), id).await["status"], "DONE");

    sink.start().await;
    let messages = sink.wait_for(1).await;
    assert_eq!(
        messages[0]["subject"],
        format!("Order number {id} is confirmed")
    );
    assert_eq!(messages[0]["rcpt_tos"], json!([BOB]));
    mail_channel_caught_up(&app).await;
    assert_eq!(sink.messages().len(), 1, "sent once");
    let channel = mail_channel(&app).await;
    assert_eq!(channel["failing"], 0, "{channel}");
    assert!(channel.get("lastError").is_none(), "{channel}");
}

/// Waits until `/admin/actors` shows the creation e-mails failing; answers the channel.
async fn mail_channel_failing(app: &TestApp) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let channel = mail_channel(app).await;
        if channel["failing"] == 1 {
            return channel;
        }
        assert!(Instant::now() < deadline, "never failing: {channel}");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The creation e-mails' channel as `/admin/actors` shows it.
async fn mail_channel(app: &TestApp) -> Value {
    let view = json(send(app.get("/admin/actors", &app.admin())).await).await;
    view["events"]["channels"]
        .as_array()
        .and_then(|channels| channels.iter().find(|c| c["name"] == CHANNEL))
        .unwrap_or_else(|| panic!("no {CHANNEL} channel in {view}"))
        .clone()
}

async fn creation_email_outlives_a_stalled_smtp_server(app: TestApp) {
    // A server that takes connections and never answers.
    let mut sink = SmtpSink::stopped();
    sink.release();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", sink.port))
        .await
        .expect("stalling server");
    let stalling = actix_web::rt::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let app = mail_app(app, &sink, |settings, _| {
        if let Some(smtp) = settings.smtp.as_mut() {
            smtp.timeout_secs = 1;
        }
    })
    .await;
    add_files(&app, &online_root(app.dir.path()), "stall", 1, 100).await;
    let id = order(&app, BOB, "stall", "stalled", Some("/orders")).await;

    // The stall is cut after the timeout and counts as a failure to retry.
    let channel = mail_channel_failing(&app).await;
    assert!(channel["lastError"].is_string(), "{channel}");
    stalling.abort();
    let _ = stalling.await;
    sink.start().await;
    let messages = sink.wait_for(1).await;
    assert_eq!(
        messages[0]["subject"],
        format!("Order number {id} is confirmed")
    );
    mail_channel_caught_up(&app).await;
    assert_eq!(sink.messages().len(), 1, "sent once");
}

async fn reminders_list_each_owners_waiting_orders_once(app: TestApp) {
    let sink = SmtpSink::running().await;
    let app = mail_app(app, &sink, |_, _| {}).await;
    add_files(&app, &online_root(app.dir.path()), "wait", 2, 100).await;
    let first = order(&app, ALICE, "wait", "alice <first>", None).await;
    let second = order(&app, ALICE, "wait", "alice second", None).await;
    let bobs = order(&app, BOB, "wait", "bob only", None).await;
    let reminders = app.state.reminders.clone().expect("reminders with [smtp]");

    // Files available for less than the default 72 hours: nobody is reminded.
    let run = reminders.run_once(Utc::now()).await;
    assert_eq!((run.sent, run.failed), (0, 0));

    let later = Utc::now() + Hours::hours(73);
    let run = reminders.run_once(later).await;
    assert_eq!((run.sent, run.failed), (2, 0));
    let messages = sink.wait_for(2).await;
    let to = |owner: &str| {
        messages
            .iter()
            .find(|m| m["rcpt_tos"] == json!([owner]))
            .unwrap_or_else(|| panic!("no reminder to {owner}: {messages:#?}"))
    };
    for owner in [ALICE, BOB] {
        assert_eq!(
            to(owner)["subject"],
            "Reminder: some orders are waiting for you"
        );
    }
    let alices = to(ALICE)["html"].as_str().expect("html");
    assert!(
        alices.contains(&format!("alice &lt;first&gt; ({first})")),
        "{alices}"
    );
    assert!(
        alices.contains(&format!("alice second ({second})")),
        "{alices}"
    );
    assert!(!alices.contains("bob only"), "{alices}");
    let bob_s = to(BOB)["html"].as_str().expect("html");
    assert!(bob_s.contains(&format!("bob only ({bobs})")), "{bob_s}");
    assert!(!bob_s.contains("alice"), "{bob_s}");
    // Each row tells how many files wait: 2.
    assert!(alices.matches("<td>2</td>").count() == 2, "{alices}");

    // Reminded: the next run waits for the delay again.
    let run = reminders.run_once(later).await;
    assert_eq!((run.sent, run.failed), (0, 0));
    assert_eq!(sink.messages().len(), 2);
}

async fn reminders_run_on_schedule_after_the_tenants_delay(app: TestApp) {
    let sink = SmtpSink::running().await;
    let app = mail_app(app, &sink, |settings, _| {
        settings.notifications.reminder_cron = "* * * * * *".into();
    })
    .await;
    add_files(&app, &online_root(app.dir.path()), "soon", 1, 100).await;
    order(&app, ALICE, "soon", "scheduled", None).await;

    // Under the default delay (72 h) the runs of every second send nothing.
    actix_web::rt::time::sleep(Duration::from_millis(1500)).await;
    assert!(sink.messages().is_empty(), "{:#?}", sink.messages());

    // The tenant's delay becomes 1.8 s: the next runs remind Alice.
    let response = send(
        app.put("/settings/user_order_parameters", &app.admin())
            .json(&json!({"value": {"subOrderDuration": 240, "delayBeforeEmailNotification": 0.0005}})),
    )
    .await;
    assert_eq!(response.status(), 200);
    let messages = sink.wait_for(1).await;
    assert_eq!(messages[0]["rcpt_tos"], json!([ALICE]));
    assert_eq!(
        messages[0]["subject"],
        "Reminder: some orders are waiting for you"
    );
    assert!(
        messages[0]["html"]
            .as_str()
            .expect("html")
            .contains("scheduled")
    );
}

async fn reminders_not_taken_wait_for_the_next_run(app: TestApp) {
    let mut sink = SmtpSink::stopped();
    let app = mail_app(app, &sink, |_, _| {}).await;
    add_files(&app, &online_root(app.dir.path()), "retry", 1, 100).await;
    let id = order(&app, BOB, "retry", "kept for later", None).await;
    let reminders = app.state.reminders.clone().expect("reminders with [smtp]");
    let later = Utc::now() + Hours::hours(73);

    // The SMTP server is down: the run fails for Bob and his order keeps its date.
    let run = reminders.run_once(later).await;
    assert_eq!((run.sent, run.failed), (0, 1));

    sink.start().await;
    let run = reminders.run_once(later).await;
    assert_eq!((run.sent, run.failed), (1, 0));
    let messages = sink.wait_for(1).await;
    assert_eq!(messages[0]["rcpt_tos"], json!([BOB]));
    let html = messages[0]["html"].as_str().expect("html");
    assert!(html.contains(&format!("kept for later ({id})")), "{html}");
}

async fn operator_templates_replace_the_embedded_ones(app: TestApp) {
    let sink = SmtpSink::running().await;
    let app = mail_app(app, &sink, |settings, dir| {
        let templates = dir.join("templates");
        std::fs::create_dir_all(&templates).expect("templates folder");
        std::fs::write(
            templates.join("order-created.html"),
            "<p>Custom: order {{order_id}} named {{label}} of {{project}}</p>",
        )
        .expect("template");
        settings.notifications.templates_dir = Some(templates);
    })
    .await;
    add_files(&app, &online_root(app.dir.path()), "custom", 1, 100).await;
    let id = order(&app, ALICE, "custom", "mine & yours", Some("/orders")).await;
    let messages = sink.wait_for(1).await;
    assert_eq!(
        messages[0]["html"].as_str().map(str::trim),
        Some(format!("<p>Custom: order {id} named mine &amp; yours of project1</p>").as_str())
    );
}
