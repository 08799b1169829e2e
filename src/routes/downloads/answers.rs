//! The HTTP answers of downloads: the `Range` header read against what is served (200, 206 or
//! 416 with `Content-Range`), `Accept-Ranges`, `Content-Disposition`, and bodies of exact
//! length. The streams themselves come from the download service.

use crate::app::downloads::{DownloadBody, FileDownload, MetalinkDownload, ZipDownload};
use crate::http::ApiError;
use crate::http::range::{RangeAnswer, answer};
use actix_web::http::header;
use actix_web::{HttpResponse, HttpResponseBuilder};

/// How long a client should wait before asking again for a file being restored.
const RESTORE_RETRY_AFTER_SECS: &str = "10";

/// `Content-Disposition` of a file.
fn disposition(name: &str) -> String {
    let safe: String = name
        .chars()
        .filter(|c| !c.is_control() && *c != '"' && *c != '\\')
        .collect();
    format!("attachment; filename=\"{safe}\"")
}

/// The answer to start for `wanted` bytes of `total`: 200, or 206 with its `Content-Range`;
/// none for an unsatisfiable range.
fn ranged(wanted: RangeAnswer, total: u64) -> Option<HttpResponseBuilder> {
    match wanted {
        RangeAnswer::Unsatisfiable => None,
        RangeAnswer::Full => Some(HttpResponse::Ok()),
        RangeAnswer::Partial { start, end } => {
            let mut response = HttpResponse::PartialContent();
            response.insert_header((
                header::CONTENT_RANGE,
                format!("bytes {start}-{end}/{total}"),
            ));
            Some(response)
        }
    }
}

/// 416: no byte of the `total` is in the range asked for.
fn unsatisfiable(total: u64) -> HttpResponse {
    HttpResponse::RangeNotSatisfiable()
        .insert_header((header::CONTENT_RANGE, format!("bytes */{total}")))
        .finish()
}

/// `response` streaming `body`, with its `Content-Length` when known in advance.
fn streaming(mut response: HttpResponseBuilder, body: DownloadBody) -> HttpResponse {
    if let Some(length) = body.length {
        response.no_chunking(length);
    }
    response.streaming(body.stream)
}

/// Answers a file download for the `Range` header `range`; `head` answers headers only: 202
/// while the file is restored, 422 when it cannot be, else its bytes (or their length).
pub async fn file(
    download: FileDownload,
    range: Option<&str>,
    head: bool,
) -> Result<HttpResponse, ApiError> {
    let file = match download {
        FileDownload::Pending => {
            return Ok(HttpResponse::Accepted()
                .insert_header((header::RETRY_AFTER, RESTORE_RETRY_AFTER_SECS))
                .finish());
        }
        FileDownload::Failed => return Ok(HttpResponse::UnprocessableEntity().finish()),
        FileDownload::Ready(file) => file,
    };
    let wanted = match file.size {
        Some(length) => answer(range, length),
        None => RangeAnswer::Full,
    };
    let total = file.size.unwrap_or(0);
    let Some(mut response) = ranged(wanted, total) else {
        return Ok(unsatisfiable(total));
    };
    response
        .content_type(file.mime_type.as_str())
        .insert_header((header::CONTENT_DISPOSITION, disposition(&file.name)))
        .insert_header((header::ACCEPT_RANGES, "bytes"));
    let requested = wanted.requested();
    if head {
        // A sized body that is never polled: actix writes its Content-Length and, for a HEAD
        // request, no body.
        return Ok(match file.length(requested) {
            Some(length) => response
                .no_chunking(length)
                .streaming(futures::stream::empty::<Result<bytes::Bytes, std::io::Error>>()),
            None => response.finish(),
        });
    }
    let body = file.open(requested).await?;
    Ok(streaming(response, body))
}

/// Answers an order's zip for the `Range` header `range`.
pub async fn zip(download: ZipDownload, range: Option<&str>) -> HttpResponse {
    let wanted = answer(range, download.total);
    let Some(mut response) = ranged(wanted, download.total) else {
        return unsatisfiable(download.total);
    };
    response
        .content_type("application/octet-stream")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment;filename={}", download.name),
        ))
        .insert_header((header::ACCEPT_RANGES, "bytes"));
    let body = download.open(wanted.requested()).await;
    streaming(response, body)
}

/// Answers an order's metalink.
pub fn metalink(download: MetalinkDownload) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response
        .content_type(download.version.content_type())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment;filename={}", download.name),
        ));
    streaming(response, download.body)
}
