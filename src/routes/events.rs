//! `GET /user/orders/events` (the caller's orders) and `GET /orders/events` (ADMIN: the
//! tenant's): server-sent events. `id:` is the event id, `event:` its type, `data:` its
//! JSON; `Last-Event-ID` (header, or `lastEventId` parameter) replays what was missed; a
//! comment line keeps an idle stream open. Each stream counts against the user's
//! `events.max_streams_per_user` (429 beyond) and a client that stops reading is cut.

use crate::app::events::{EventStream, StreamItem, StreamScope};
use crate::auth::{Authorised, roles};
use crate::http::ApiError;
use crate::http::StreamGuard;
use crate::state::AppState;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, get, web};
use bytes::Bytes;
use futures::StreamExt;
use serde::Deserialize;

/// Registers both streams (before the order routes: `events` is not an order id).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(my_order_events).service(tenant_order_events);
}

/// The query of both streams.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EventsQuery {
    /// Replays the events after this id (as the `Last-Event-ID` header does; the header wins).
    last_event_id: Option<String>,
}

/// Live events of the caller's orders.
#[utoipa::path(get, path = "/user/orders/events", tag = "events",
    params(EventsQuery,
        ("Last-Event-ID" = Option<String>, Header, description = "replay the events after this id")),
    responses(
        (status = 200, content_type = "text/event-stream",
         description = "`id:` event id, `event:` type, `data:` the event JSON; a comment line every `events.heartbeat_secs`"),
        (status = 400, body = crate::http::Messages),
        (status = 429, response = inline(crate::http::TooManyStreams))))]
#[get("/user/orders/events")]
pub(crate) async fn my_order_events(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<EventsQuery>,
) -> Result<HttpResponse, ApiError> {
    answer(&state, &req, &caller.requester(), StreamScope::Mine, &query)
}

/// Live events of every order of the tenant.
#[utoipa::path(get, path = "/orders/events", tag = "events",
    params(EventsQuery,
        ("Last-Event-ID" = Option<String>, Header, description = "replay the events after this id")),
    responses(
        (status = 200, content_type = "text/event-stream",
         description = "`id:` event id, `event:` type, `data:` the event JSON; a comment line every `events.heartbeat_secs`"),
        (status = 400, body = crate::http::Messages),
        (status = 429, response = inline(crate::http::TooManyStreams))))]
#[get("/orders/events")]
pub(crate) async fn tenant_order_events(
    caller: Authorised<roles::Admin>,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<EventsQuery>,
) -> Result<HttpResponse, ApiError> {
    answer(
        &state,
        &req,
        &caller.requester(),
        StreamScope::Tenant,
        &query,
    )
}

fn answer(
    state: &AppState,
    req: &HttpRequest,
    requester: &crate::app::Requester,
    scope: StreamScope,
    query: &EventsQuery,
) -> Result<HttpResponse, ApiError> {
    let header = req
        .headers()
        .get("Last-Event-ID")
        .map(|v| v.to_str().unwrap_or("invalid"));
    let last_event_id = header.or(query.last_event_id.as_deref());
    let mut stream = state.events.open(requester, scope, last_event_id)?;
    let guard = StreamGuard::hold(stream.take_slot(), req, &state.settings);
    let response = HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/event-stream"))
        .insert_header((CACHE_CONTROL, "no-cache"))
        // Proxies that buffer (nginx) pass each event at once.
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(frames(stream));
    Ok(guard.protect(response))
}

/// The stream as SSE frames, opened by a comment so the client sees the answer at once.
fn frames(
    stream: EventStream,
) -> impl futures::Stream<Item = Result<Bytes, std::convert::Infallible>> {
    let opening = futures::stream::once(async { Ok(Bytes::from_static(b": connected\n\n")) });
    opening.chain(stream.map(|item| Ok(frame(&item))))
}

/// One SSE frame.
fn frame(item: &StreamItem) -> Bytes {
    match item {
        StreamItem::Event(event) => Bytes::from(format!(
            "id: {}\nevent: {}\ndata: {}\n\n",
            event.id,
            event.event.kind.as_str(),
            event.to_json()
        )),
        StreamItem::Heartbeat => Bytes::from_static(b": heartbeat\n\n"),
    }
}
