//! Limits on request bodies, whatever extractor reads them: a size per endpoint (413 with the
//! original's `{"messages": [...]}` body, refused before reading when `Content-Length` says
//! so) and a time to receive the whole body (408, and the connection closed), so that a client
//! trickling a body cannot hold a connection for ever.

use crate::http::{ApiError, Messages};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::ConnectionType;
use actix_web::http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse, ResponseError, web};
use bytes::Bytes;
use futures::Stream;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// A request body as actix streams it.
type BoxedPayloadStream = Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>>;

/// The endpoint with its own, larger limit (`max_body_mb`).
const IMPORT_PATH: &str = "/catalog/import";
/// The upload of provider ids.
const UPLOAD_PATH: &str = "/order/basket/selection/upload";

/// The limits in force, shared by every worker.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    /// Every body but the two below, in bytes.
    pub json: usize,
    /// `POST /catalog/import`, in bytes.
    pub import: usize,
    /// `POST /order/basket/selection/upload` (the whole multipart body), in bytes.
    pub upload: usize,
    /// Longest time a body may take to arrive, from the request's start.
    pub timeout: Duration,
}

impl BodyLimits {
    /// The size limit of a request to `path`. A path written differently from the route
    /// (escaped characters) gets the smallest limit, never a larger one.
    fn for_path(&self, path: &str) -> usize {
        match path {
            IMPORT_PATH => self.import,
            UPLOAD_PATH => self.upload,
            _ => self.json,
        }
    }
}

/// What happened to a body while it was read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Outcome {
    #[default]
    Fine,
    TooLarge,
    TooSlow,
}

/// Enforces the [`BodyLimits`] of the request (installed as app data).
pub async fn guard_body(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(limits) = req
        .app_data::<web::Data<BodyLimits>>()
        .map(|l| *l.get_ref())
    else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if !has_body(&req) {
        // Nothing to limit: no timer and no guard for the most frequent requests (reads).
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let limit = limits.for_path(req.path());
    if declared_length(&req).is_some_and(|length| length > limit) {
        return Ok(req.into_response(too_large(limit)));
    }
    let outcome = Arc::new(Mutex::new(Outcome::Fine));
    let guarded = Guarded {
        inner: req.take_payload(),
        left: limit,
        deadline: Box::pin(tokio::time::sleep_until(Instant::now() + limits.timeout)),
        outcome: Arc::clone(&outcome),
    };
    let stream: BoxedPayloadStream = Box::pin(guarded);
    req.set_payload(Payload::from(stream));
    let response = next.call(req).await?;
    let outcome = *outcome.lock().unwrap_or_else(PoisonError::into_inner);
    let replacement = match outcome {
        Outcome::Fine => return Ok(response.map_into_boxed_body()),
        Outcome::TooLarge => too_large(limit),
        Outcome::TooSlow => too_slow(limits.timeout),
    };
    let (request, _) = response.into_parts();
    Ok(ServiceResponse::new(request, replacement))
}

/// The `Content-Length` the client announced, if any.
/// Whether the request carries a body: HTTP/1.1 frames one only with a `Content-Length`
/// (other than 0) or a `Transfer-Encoding` (RFC 9112, 6.3), and the server speaks nothing
/// else.
fn has_body(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    headers.contains_key(TRANSFER_ENCODING)
        || (headers.contains_key(CONTENT_LENGTH) && declared_length(req) != Some(0))
}

fn declared_length(req: &ServiceRequest) -> Option<usize> {
    req.headers()
        .get(CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// 413, with the original's body; the rest of the body is not read, so the connection closes.
fn too_large(limit: usize) -> HttpResponse {
    let message = format!("The request body is larger than the {limit} bytes allowed");
    let mut response = ApiError::PayloadTooLarge(message).error_response();
    response
        .head_mut()
        .set_connection_type(ConnectionType::Close);
    response
}

/// 408, with the original's body shape, closing the connection.
fn too_slow(timeout: Duration) -> HttpResponse {
    let message = format!(
        "The request body did not arrive within {} s",
        timeout.as_secs()
    );
    let mut response = HttpResponse::RequestTimeout().json(Messages {
        messages: vec![message],
    });
    response
        .head_mut()
        .set_connection_type(ConnectionType::Close);
    response
}

/// A request body that fails once it exceeds its limit or its deadline.
struct Guarded {
    inner: Payload,
    /// Bytes still allowed.
    left: usize,
    deadline: Pin<Box<Sleep>>,
    outcome: Arc<Mutex<Outcome>>,
}

impl Guarded {
    fn fail(
        &self,
        outcome: Outcome,
        error: PayloadError,
    ) -> Poll<Option<Result<Bytes, PayloadError>>> {
        *self.outcome.lock().unwrap_or_else(PoisonError::into_inner) = outcome;
        Poll::Ready(Some(Err(error)))
    }
}

impl Stream for Guarded {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => match this.left.checked_sub(chunk.len()) {
                Some(left) => {
                    this.left = left;
                    Poll::Ready(Some(Ok(chunk)))
                }
                None => this.fail(Outcome::TooLarge, PayloadError::Overflow),
            },
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    let timed_out = std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "the request body is too slow",
                    );
                    this.fail(Outcome::TooSlow, PayloadError::Io(timed_out))
                }
                Poll::Pending => Poll::Pending,
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_endpoint_gets_its_limit() {
        let limits = BodyLimits {
            json: 1,
            import: 2,
            upload: 3,
            timeout: Duration::from_secs(1),
        };
        assert_eq!(limits.for_path("/catalog/import"), 2);
        assert_eq!(limits.for_path("/order/basket/selection/upload"), 3);
        assert_eq!(limits.for_path("/order/basket/selection"), 1);
        assert_eq!(limits.for_path("/catalog/%69mport"), 1);
    }
}
