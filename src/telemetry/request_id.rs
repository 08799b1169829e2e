//! Per-request middleware: metrics by matched route, and the request id echoed back.

use crate::telemetry::Metrics;
use crate::telemetry::metrics::{method_label, route_label};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use std::sync::Arc;
use std::time::Instant;
use tracing_actix_web::RequestId;

/// Records the request in the metrics (by known method and route pattern, so that neither
/// ids nor made-up methods explode the label space) and answers the request id in
/// `x-request-id`, so a client can quote it.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req.app_data::<web::Data<Arc<Metrics>>>().cloned();
    let method = method_label(req.method());
    let mut res = next.call(req).await?;
    let route = route_label(res.request().match_pattern());
    let status = res.status().as_u16();
    if let Some(metrics) = metrics {
        metrics.observe(method, &route, status, started.elapsed());
    }
    // The route pattern, never the path or query: tokens travel in query strings.
    tracing::info!(%method, %route, status, elapsed_ms = started.elapsed().as_secs_f64() * 1000.0, "request done");
    let id = res.request().extensions().get::<RequestId>().copied();
    if let Some(id) = id
        && let Ok(value) = HeaderValue::from_str(&id.to_string())
    {
        res.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    Ok(res)
}
