//! The root span of every request: tracing-actix-web's default records the whole request
//! target, query string included — and public downloads carry their `orderToken` there. This
//! one records the target with its tokens masked, and the method as a metric label would.

use super::metrics::method_label;
use super::redact::redact;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};

/// Builds the request spans of `TracingLogger`.
pub struct RedactedRootSpan;

impl RootSpanBuilder for RedactedRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        // The fields are computed inside the macro, so only when the span is enabled: before
        // routing, `match_pattern` walks every route pattern, which cost a sixth of a status
        // read's CPU in a service logging at `warn`.
        tracing::info_span!(
            "HTTP request",
            http.method = method_label(request.method()),
            http.route = %request
                .match_pattern()
                .unwrap_or_else(|| "default".to_owned()),
            http.target = %redact(
                request
                    .uri()
                    .path_and_query()
                    .map_or("", |target| target.as_str())
            ),
            http.client_ip = %request.connection_info().realip_remote_addr().unwrap_or(""),
            http.user_agent = %redact(
                request
                    .headers()
                    .get("User-Agent")
                    .and_then(|agent| agent.to_str().ok())
                    .unwrap_or_default()
            ),
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            request_id = %request
                .extensions()
                .get::<RequestId>()
                .map(ToString::to_string)
                .unwrap_or_default(),
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}
