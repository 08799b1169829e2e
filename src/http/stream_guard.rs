//! What every streamed download (file, zip, metalink, CSV) is held to: a slot of its user's
//! `downloads.max_streams_per_user`, taken before any work so that a refusal is a real 429,
//! and a client that stops reading is disconnected after `http.stall_timeout_secs`. The slot
//! is given back when the body ends, fails or is dropped (client gone or stalled), and with
//! the guard when the handler fails before streaming.

use crate::app::downloads::StreamSlot;
use crate::config::Settings;
use crate::http::stall::{ConnectionSocket, StallWatch};
use crate::http::{ApiError, Messages};
use crate::state::AppState;
use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::{HttpRequest, HttpResponse};
use bytes::Bytes;
use regards_order_actors::domain::Tenant;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// The OpenAPI description of the 429 every streamed download may answer.
#[derive(utoipa::ToResponse)]
#[response(
    description = "the user already has `downloads.max_streams_per_user` streamed downloads open",
    headers(("Retry-After" = u64, description = "seconds to wait before trying again"))
)]
pub struct TooManyStreams(#[to_schema] pub Messages);

/// A user's stream slot and what is needed to watch the stream, from the handler's start.
pub struct StreamGuard {
    /// None for an answer that streams nothing (a HEAD).
    slot: Option<StreamSlot>,
    socket: Option<ConnectionSocket>,
    timeout: Duration,
    route: String,
}

impl StreamGuard {
    /// Takes a slot of `email` of `tenant` for the stream `req` will answer (429 when the user
    /// has as many as allowed).
    pub fn take(
        state: &AppState,
        req: &HttpRequest,
        tenant: &Tenant,
        email: &str,
    ) -> Result<Self, ApiError> {
        let slot = state.stream_limits.acquire(tenant, email)?;
        Ok(Self::hold(Some(slot), req, &state.settings))
    }

    /// Watches the stream `req` will answer with `slot`, which a service took (none: nothing
    /// to guard).
    pub fn hold(slot: Option<StreamSlot>, req: &HttpRequest, settings: &Settings) -> Self {
        let pattern = req.match_pattern().unwrap_or_else(|| req.path().to_owned());
        Self {
            slot,
            socket: ConnectionSocket::of(req),
            timeout: Duration::from_secs(settings.http.stall_timeout_secs),
            route: format!("{} {pattern}", req.method()),
        }
    }

    /// `response` with its body guarded: the slot lives as long as the body, and the client
    /// is disconnected if it stalls. An empty answer (202, 416…) is no stream: its slot goes
    /// at once.
    pub fn protect(self, response: HttpResponse) -> HttpResponse {
        if matches!(response.body().size(), BodySize::None | BodySize::Sized(0)) {
            return response;
        }
        let Self {
            slot,
            socket,
            timeout,
            route,
        } = self;
        let Some(slot) = slot else {
            return response;
        };
        response
            .map_body(move |_, body| Guarded {
                body,
                slot: Some(slot),
                watch: socket.map(|s| StallWatch::start(s, timeout, route)),
            })
            .map_into_boxed_body()
    }

    /// Guards the answer of a handler (an error gives the slot back at once).
    pub fn protect_result(
        self,
        answer: Result<HttpResponse, ApiError>,
    ) -> Result<HttpResponse, ApiError> {
        answer.map(|response| self.protect(response))
    }
}

/// A body holding its stream's slot and stall watch until it ends or is dropped.
struct Guarded {
    body: BoxBody,
    slot: Option<StreamSlot>,
    watch: Option<StallWatch>,
}

impl Guarded {
    /// The stream is over: its slot and watch go at once, not when actix drops the body.
    fn finish(&mut self) {
        self.slot = None;
        self.watch = None;
    }
}

impl MessageBody for Guarded {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.get_mut();
        if let Some(watch) = &this.watch {
            watch.polled();
        }
        let next = Pin::new(&mut this.body).poll_next(cx);
        match &next {
            Poll::Ready(Some(Ok(_))) => {
                if let Some(watch) = &this.watch {
                    watch.handed_out();
                }
            }
            Poll::Ready(_) => this.finish(),
            Poll::Pending => {}
        }
        next
    }
}
