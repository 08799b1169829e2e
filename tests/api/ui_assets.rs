//! The web interface's files as the binary serves them: public, with their content types,
//! revalidated on each load, under a Content-Security-Policy that lets no inline script run;
//! the demo prints links that sign its users in.

use crate::backend_tests;
use crate::helpers::TestApp;
use regards_order::config::Settings;
use reqwest::header;

backend_tests!(
    the_interface_is_served_with_its_headers,
    every_file_the_page_names_is_served
);

async fn the_interface_is_served_with_its_headers(app: TestApp) {
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let redirect = no_redirect.get(app.url("/ui")).send().await.unwrap();
    assert_eq!(redirect.status(), 308);
    assert_eq!(redirect.headers()[header::LOCATION], "/ui/");

    // No token needed: the files hold no data, the API they call checks every request.
    let page = app.client.get(app.url("/ui/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let headers = page.headers().clone();
    assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
    assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.starts_with("default-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let html = page.text().await.unwrap();
    assert!(html.contains("Bearer token"), "{html}");

    let script = app.client.get(app.url("/ui/app.js")).send().await.unwrap();
    assert_eq!(script.status(), 200);
    assert_eq!(
        script.headers()[header::CONTENT_TYPE],
        "text/javascript; charset=utf-8"
    );
    let style = app.client.get(app.url("/ui/app.css")).send().await.unwrap();
    assert_eq!(
        style.headers()[header::CONTENT_TYPE],
        "text/css; charset=utf-8"
    );

    for missing in [
        "/ui/nothing.js",
        "/ui/..%2Fsrc%2Fmain.rs",
        "/ui/index.html/x",
    ] {
        let response = app.client.get(app.url(missing)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{missing}");
    }

    // The demo's instructions open the interface signed in, the token in the fragment only.
    let settings = Settings::load(None).unwrap();
    let text = regards_order::demo::instructions(&settings, "127.0.0.1:9043").unwrap();
    assert!(
        text.contains("http://127.0.0.1:9043/ui/#token=ey"),
        "{text}"
    );
}

/// Every script and style sheet `index.html` names answers 200, and no script is inline
/// (the CSP would block it).
async fn every_file_the_page_names_is_served(app: TestApp) {
    let html = app
        .client
        .get(app.url("/ui/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut named = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        for part in html.split(attribute).skip(1) {
            let name = part.split('"').next().unwrap();
            if name.ends_with(".js") || name.ends_with(".css") {
                named.push(name.to_owned());
            }
        }
    }
    assert!(named.len() >= 7, "{named:?}");
    for name in named {
        let response = app
            .client
            .get(app.url(&format!("/ui/{name}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{name}");
    }
    assert!(!html.contains("<script>"), "an inline script");
    assert!(!html.contains(" style=\""), "an inline style");
    assert!(!html.contains(" onclick="), "an inline handler");
}
