//! The expected answer of every route to every kind of caller, written once. A route the
//! service registers without a row here fails `authorization::every_route_answers_every_caller`.
//!
//! The order of a row's path is the fixture's DONE order (`Done`, with AVAILABLE files) or
//! its RUNNING one (`Running`, a restore that never ends); actions are aimed so that an
//! authorised caller meets a refusal by the order's state (`state`), never a change.
//!
//! Cells: an HTTP status, `deny` (401 `USER_NOT_ALLOWED_TO_MANAGE_ORDER`: the order's
//! management is refused to the caller), or `state` (401 with another reason code: the caller
//! may manage the order, its status refuses the action).

use serde_json::{Value, json};

/// The callers, in the order of a row's cells.
pub const CALLERS: [&str; 13] = [
    "anonymous (no token, no scope)",
    "public (scope, no token)",
    "owner (REGISTERED_USER)",
    "another user (REGISTERED_USER)",
    "EXPLOIT",
    "ADMIN",
    "ADMIN of another tenant",
    "INSTANCE_ADMIN",
    "this order's token (scope + orderToken)",
    "another order's token",
    "this order's token as a bearer",
    "expired bearer token of the owner",
    "expired order token",
];

/// Which of the fixture's orders a row's `{orderId}` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Done,
    Running,
}

/// What a request carries besides authentication.
#[derive(Debug, Clone)]
pub enum Body {
    None,
    Json(Value),
    /// A multipart part `file` holding this text.
    Upload(&'static str),
}

/// One route: method, path as the OpenAPI document writes it, request, expectations.
#[derive(Debug, Clone)]
pub struct Row {
    pub method: &'static str,
    pub path: &'static str,
    pub target: Target,
    pub body: Body,
    pub headers: &'static [(&'static str, &'static str)],
    /// One cell per caller of `CALLERS`, separated by spaces.
    pub expected: &'static str,
}

const NO_HEADERS: &[(&str, &str)] = &[];
/// One byte: a download answers 206 and marks nothing.
const FIRST_BYTE: &[(&str, &str)] = &[("range", "bytes=0-0")];
const CSV: &[(&str, &str)] = &[("accept", "text/csv")];

fn row(method: &'static str, path: &'static str, expected: &'static str) -> Row {
    Row {
        method,
        path,
        target: Target::Done,
        body: Body::None,
        headers: NO_HEADERS,
        expected,
    }
}

impl Row {
    fn json(mut self, body: Value) -> Self {
        self.body = Body::Json(body);
        self
    }

    fn on(mut self, target: Target) -> Self {
        self.target = target;
        self
    }

    fn headers(mut self, headers: &'static [(&'static str, &'static str)]) -> Self {
        self.headers = headers;
        self
    }
}

// Columns:        anon pub  own  oth  exp  adm  fadm inst tok  otok btok xbr  xtok
const OPEN: &str = "200 200  200  200  200  200  200  200  200  200  200  200  200";
const USER_204: &str = "401 403 204 204 204 204 204 204 403 403 401 401 403";
const ORDER_READ: &str = "401 403 200 403 403 403 404 200 403 403 401 401 403";
const ORDER_BYTES: &str = "401 403 206 403 403 403 404 206 403 403 401 401 403";
const MANAGE: &str = "401 403 state deny deny state 404 state 403 403 401 401 403";
const EXPLOIT_200: &str = "401 403 403 403 200 200 200 200 403 403 401 401 403";
const ADMIN_200: &str = "401 403 403 403 403 200 200 200 403 403 401 401 403";
const PUBLIC_FILE: &str = "401 400 400 400 400 400 400 400 206 403 401 401 401";
const USER_200: &str = "401 403 200 200 200 200 200 200 403 403 401 401 403";
const USER_422: &str = "401 403 422 422 422 422 422 422 403 403 401 401 403";
const USER_404: &str = "401 403 404 404 404 404 404 404 403 403 401 401 403";
const PUBLIC_HEAD: &str = "401 400 400 400 400 400 400 400 200 403 401 401 401";

/// Every route of the service.
pub fn rows() -> Vec<Row> {
    let selects_nothing =
        json!({"engineType": "legacy", "searchParameters": {"q": ["providerId:nothing"]}});
    vec![
        // Operations: no authentication.
        row("GET", "/health", OPEN),
        row("GET", "/ready", OPEN),
        row("GET", "/metrics", OPEN),
        row("GET", "/openapi.json", OPEN),
        // Catalogue and settings: ADMIN, each in his own tenant.
        row("POST", "/catalog/import", ADMIN_200).json(crate::fixtures::collection(
            "URN:AIP:DATASET:matrix:V1",
            "Matrix",
        )),
        // What a user may put in the basket: his tenant's datasets and objects.
        row("GET", "/catalog/datasets", USER_200),
        row("GET", "/catalog/search", USER_200),
        row("GET", "/settings", ADMIN_200),
        row("PUT", "/settings/{name}", ADMIN_200).json(json!({"value": 2})),
        row("DELETE", "/settings/{name}", ADMIN_200),
        row("GET", "/admin/actors", ADMIN_200),
        // Baskets: REGISTERED_USER, each his own (nobody has one: 204).
        row("GET", "/order/basket", USER_204),
        row("DELETE", "/order/basket", USER_204),
        row("POST", "/order/basket/selection", USER_204).json(selects_nothing),
        Row {
            body: Body::Upload("nothing\n"),
            ..row("POST", "/order/basket/selection/upload", USER_204)
        },
        row(
            "DELETE",
            "/order/basket/dataset/{datasetSelectionId}",
            USER_204,
        ),
        row(
            "DELETE",
            "/order/basket/dataset/{datasetSelectionId}/{itemsSelectionDate}",
            USER_204,
        ),
        row(
            "PUT",
            "/order/basket/dataset/{datasetSelectionId}/updateProcessing",
            USER_204,
        ),
        row(
            "PUT",
            "/order/basket/dataset/{datasetSelectionId}/updateFileFilters",
            USER_204,
        ),
        // Creation: from the caller's own basket (none: 204); the automatic order validates
        // its body (empty queries: 422) once the role passed.
        row("POST", "/user/orders", USER_204).json(json!({})),
        row(
            "POST",
            "/orders",
            "401 403 403 403 403 204 204 204 403 403 401 401 403",
        )
        .json(json!({})),
        row(
            "POST",
            "/user/orders/apply",
            "401 403 422 422 422 422 422 422 403 403 401 401 403",
        )
        .json(json!({"queries": []})),
        // Reading orders: the owner and the super-admins (SPEC §3), 404 in another tenant.
        row(
            "GET",
            "/user/orders",
            "401 403 200 200 200 200 200 200 403 403 401 401 403",
        ),
        row("GET", "/user/orders/{orderId}", ORDER_READ),
        // Live events: the caller's orders; the tenant's for ADMIN and above.
        row(
            "GET",
            "/user/orders/events",
            "401 403 200 200 200 200 200 200 403 403 401 401 403",
        ),
        row("GET", "/orders/events", ADMIN_200),
        row("POST", "/orders/search", EXPLOIT_200).json(json!({})),
        row("POST", "/orders/csv", EXPLOIT_200)
            .json(json!({}))
            .headers(CSV),
        // Lifecycle: the owner and ADMIN and above; others get the original's 401.
        row("PUT", "/user/orders/pause/{orderId}", MANAGE),
        row("PUT", "/user/orders/resume/{orderId}", MANAGE),
        row("PUT", "/user/orders/{orderId}/retry", MANAGE),
        row("POST", "/user/orders/{orderId}/restart", MANAGE)
            .on(Target::Running)
            .json(json!({})),
        row("DELETE", "/user/orders/{orderId}", MANAGE).on(Target::Running),
        row(
            "DELETE",
            "/user/orders/remove/{orderId}",
            "401 403 403 403 403 403 403 state 403 403 401 401 403",
        ),
        // Downloads and listings: the owner and the super-admins.
        row("GET", "/user/orders/{orderId}/download", ORDER_BYTES).headers(FIRST_BYTE),
        row(
            "GET",
            "/user/orders/{orderId}/metalink/download",
            ORDER_READ,
        ),
        row(
            "GET",
            "/orders/{orderId}/dataset/{datasetId}/files",
            ORDER_READ,
        ),
        row("GET", "/orders/{orderId}/files/available", ORDER_READ),
        row(
            "GET",
            "/orders/{orderId}/filesTask/{filesTaskId}/files/available",
            ORDER_READ,
        ),
        row("GET", "/orders/{orderId}/filesTasks", ORDER_READ),
        row("GET", "/orders/files/{dataFileId}", ORDER_BYTES).headers(FIRST_BYTE),
        // With a public order token: its own order only; without one, 400.
        row(
            "GET",
            "/user/orders/metalink/download",
            "401 400 400 400 400 400 400 400 200 200 401 401 401",
        ),
        row("GET", "/orders/public/files/{dataFileId}", PUBLIC_FILE).headers(FIRST_BYTE),
        row("HEAD", "/orders/public/files/{dataFileId}", PUBLIC_HEAD),
        // Webhooks: each user his own, ADMIN the tenant's; a private target is refused (422)
        // and the id names no callback (404), so that nothing is registered nor deleted.
        row("GET", "/user/webhooks", USER_200),
        row("POST", "/user/webhooks", USER_422).json(refused_webhook()),
        row("DELETE", "/user/webhooks/{id}", USER_404),
        row("GET", "/webhooks", ADMIN_200),
        row(
            "POST",
            "/webhooks",
            "401 403 403 403 403 422 422 422 403 403 401 401 403",
        )
        .json(refused_webhook()),
        row(
            "DELETE",
            "/webhooks/{id}",
            "401 403 403 403 403 404 404 404 403 403 401 401 403",
        ),
    ]
}

/// A webhook registration every service refuses (loopback target), whoever asks.
fn refused_webhook() -> Value {
    json!({"url": "http://127.0.0.1:9/hook", "secret": "s"})
}
