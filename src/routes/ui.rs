//! `/ui/`: the web interface for users and operators. Static files embedded in the binary at
//! compile time (no front-end build step, nothing fetched at run time) that call the JSON API
//! from the browser with the bearer token the user pasted. They are public: they hold no data,
//! every call they make is authorised by the API itself.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};

/// Registers the resource.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(ui_root).service(ui_file);
}

/// An embedded file: its name under `/ui/`, its content type, its bytes.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

/// Every file of the interface; `index.html` is also served at `/ui/`.
const ASSETS: &[Asset] = &[
    Asset {
        name: "index.html",
        content_type: "text/html; charset=utf-8",
        body: include_str!("../../assets/ui/index.html"),
    },
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../../assets/ui/app.css"),
    },
    Asset {
        name: "api.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../assets/ui/api.js"),
    },
    Asset {
        name: "downloads.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../assets/ui/downloads.js"),
    },
    Asset {
        name: "download-worker.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../assets/ui/download-worker.js"),
    },
    Asset {
        name: "events.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../assets/ui/events.js"),
    },
    Asset {
        name: "render.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../assets/ui/render.js"),
    },
    Asset {
        name: "user.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../assets/ui/user.js"),
    },
    Asset {
        name: "operator.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../assets/ui/operator.js"),
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../assets/ui/app.js"),
    },
];

/// Scripts come from files of this origin only (no inline script, no `eval`), so text the API
/// answers can never run as code; no other site may frame the pages (clickjacking).
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// `/ui` and `/ui/`: the interface's page (`/ui` redirects, so relative asset URLs resolve).
#[get("/ui{slash:/?}")]
pub(super) async fn ui_root(slash: web::Path<String>) -> HttpResponse {
    if slash.is_empty() {
        return HttpResponse::PermanentRedirect()
            .insert_header((header::LOCATION, "/ui/"))
            .finish();
    }
    serve("index.html")
}

/// `/ui/{file}`: one embedded file, 404 for any other name.
#[get("/ui/{file}")]
pub(super) async fn ui_file(file: web::Path<String>) -> HttpResponse {
    serve(&file)
}

/// The embedded file `name` with its headers. The files change with the binary, so browsers
/// revalidate them on each load (`no-cache`) instead of keeping an old script next to a new API.
fn serve(name: &str) -> HttpResponse {
    let Some(asset) = ASSETS.iter().find(|a| a.name == name) else {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("not found");
    };
    HttpResponse::Ok()
        .content_type(asset.content_type)
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(asset.body)
}
