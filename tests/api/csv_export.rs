//! The CSV export read back by a real CSV parser (Python's `csv` module): owners holding the
//! separator, quotes or a line break stay in their column, and an owner that a spreadsheet
//! would run as a formula is neutralised.

use crate::backend_tests;
use crate::downloads::blocking;
use crate::fixtures::standard_catalogue;
use crate::helpers::{TestApp, json};
use regards_order::auth::Role;

backend_tests!(hostile_owners_stay_in_their_cell);

/// Parses `text` with Python's csv module (`;` delimiter); answers the rows.
async fn python_rows(text: String) -> Vec<Vec<String>> {
    let script = "import csv,io,json,sys\n\
                  rows=list(csv.reader(io.TextIOWrapper(sys.stdin.buffer,encoding='utf-8',newline=''),delimiter=';'))\n\
                  print(json.dumps(rows))";
    let out = blocking(move || {
        use std::io::Write;
        let mut child = std::process::Command::new("python3")
            .args(["-c", script])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("write stdin");
        child.wait_with_output().expect("python3 output")
    })
    .await;
    assert!(out.status.success(), "csv module failed");
    serde_json::from_slice(&out.stdout).expect("rows as JSON")
}

async fn hostile_owners_stay_in_their_cell(app: TestApp) {
    standard_catalogue(&app).await;
    let owners = [
        ("semi;colon@x.fr", "semi;colon@x.fr"),
        ("quo\"te@x.fr", "quo\"te@x.fr"),
        ("line\nbreak@x.fr", "line\nbreak@x.fr"),
        (
            "=HYPERLINK(\"http://evil.example\";\"x\")",
            "'=HYPERLINK(\"http://evil.example\";\"x\")",
        ),
        ("+1-1@x.fr", "'+1-1@x.fr"),
        ("@sum@x.fr", "'@sum@x.fr"),
    ];
    let mut expected = Vec::new();
    for (owner, cell) in owners {
        let id = app.order_of(&app.user(owner), "platform:SPOT-5").await;
        expected.push((id.to_string(), cell.to_owned()));
    }
    let exploit = app.token("ops@regards.fr", Role::Exploit);
    let response = app
        .post("/orders/csv", &exploit)
        .header("Accept", "text/csv")
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("body");
    let rows = python_rows(text.clone()).await;
    assert_eq!(rows[0][3], "OWNER", "{text}");
    assert_eq!(rows.len(), owners.len() + 1, "one row per order: {rows:?}");
    for (row, (id, cell)) in rows[1..].iter().zip(&expected) {
        assert_eq!(row.len(), 10, "{row:?}");
        assert_eq!(&row[0], id);
        assert_eq!(&row[3], cell, "{row:?}");
        assert!(
            row[8].parse::<i64>().is_ok(),
            "FILES_SIZE stays a number: {row:?}"
        );
    }
    // The search still shows the owners as they are.
    let page = json(
        app.post("/orders/search?size=100&sort=id,asc", &exploit)
            .json(&serde_json::json!({}))
            .send()
            .await
            .expect("request"),
    )
    .await;
    let shown: Vec<&str> = page["content"]
        .as_array()
        .expect("content")
        .iter()
        .map(|o| o["content"]["owner"].as_str().unwrap_or_default())
        .collect();
    let raw: Vec<&str> = owners.iter().map(|(o, _)| *o).collect();
    assert_eq!(shown, raw);
}
