//! Files served by an http server: the archive's external "reference" files, streamed from
//! their URL when they are downloaded.

mod root;

use super::{InFlight, bounds};
use crate::config::StorageSettings;
use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::{BoxStream, Stream};
use futures::{StreamExt, TryStreamExt, future};
use regards_order_actors::ports::storage::{ByteRange, FileContent, Storage, StorageError};
use reqwest::header::{CONTENT_RANGE, HeaderMap, RANGE};
use reqwest::{Response, StatusCode, Url, redirect};
use root::{HttpRoot, MAX_REDIRECTS};
use std::error::Error;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A storage of the files whose URL starts with a root URL.
pub struct HttpStorage {
    name: String,
    /// The root as configured (its length ranks the storages owning a location).
    root: String,
    /// The root parsed, which every fetched URL and redirect is checked against.
    bounds: HttpRoot,
    client: reqwest::Client,
    timeout: Duration,
    in_flight: AtomicUsize,
}

impl HttpStorage {
    /// A storage of the URLs under `root`; `timeout` bounds connecting, waiting for the
    /// answer, and each wait for more bytes of a body.
    pub fn new(name: &str, root: &str, timeout: Duration) -> anyhow::Result<Self> {
        let scheme_ok = root.starts_with("http://") || root.starts_with("https://");
        anyhow::ensure!(
            scheme_ok,
            "storage '{name}': root {root} is not an http(s) URL"
        );
        let bounds = HttpRoot::parse(root).map_err(|e| anyhow::anyhow!("storage '{name}': {e}"))?;
        super::tls::prepare(name, root)?;
        let client = reqwest::Client::builder()
            .connect_timeout(timeout)
            .read_timeout(timeout)
            .redirect(redirects_inside(bounds.clone()))
            .build()
            .map_err(|e| anyhow::anyhow!("storage '{name}': {}", describe(&e)))?;
        Ok(Self {
            name: name.to_owned(),
            root: root.to_owned(),
            bounds,
            client,
            timeout,
            in_flight: AtomicUsize::new(0),
        })
    }

    /// The storage a `[[storages]]` entry of kind `http` describes.
    pub fn from_settings(settings: &StorageSettings) -> anyhow::Result<Self> {
        let timeout = Duration::from_millis(settings.timeout_ms);
        Self::new(&settings.name, &settings.root, timeout)
    }

    /// The root URL.
    pub fn root(&self) -> &str {
        &self.root
    }

    /// Sends the GET of `location`, waiting at most `timeout` for the answer's headers.
    async fn get(
        &self,
        location: &str,
        range: Option<ByteRange>,
    ) -> Result<Response, StorageError> {
        let url = self.url_of(location)?;
        let mut request = self.client.get(url.clone());
        if let Some(range) = range {
            let end = range.end.map(|end| end.to_string()).unwrap_or_default();
            request = request.header(RANGE, format!("bytes={}-{end}", range.start));
        }
        match tokio::time::timeout(self.timeout, request.send()).await {
            Err(_) => Err(self.timed_out()),
            Ok(Err(e)) if e.is_builder() => Err(StorageError::InvalidLocation {
                location: location.to_owned(),
                reason: describe(&e.without_url()),
            }),
            Ok(Err(e)) => Err(self.request_error(&url, e)),
            Ok(Ok(response)) => Ok(response),
        }
    }

    /// The normalised URL of `location`, refused unless it lies under the root.
    fn url_of(&self, location: &str) -> Result<Url, StorageError> {
        self.bounds
            .url_of(location)
            .map_err(|reason| StorageError::InvalidLocation {
                location: location.to_owned(),
                reason,
            })
    }

    /// A failure of this storage, for a user to read.
    fn failed(&self, reason: String) -> StorageError {
        StorageError::Failed {
            storage: self.name.clone(),
            reason,
        }
    }

    fn timed_out(&self) -> StorageError {
        let ms = self.timeout.as_millis();
        self.failed(format!("the server did not answer within {ms} ms"))
    }

    /// Turns a failed request of `url` into a message, naming a timeout or a refused
    /// connection plainly. reqwest's text would quote the URL, credentials and query
    /// included: it is left out.
    fn request_error(&self, url: &Url, error: reqwest::Error) -> StorageError {
        if error.is_timeout() {
            return self.timed_out();
        }
        let error = error.without_url();
        match url.host_str() {
            Some(host) if error.is_connect() => {
                let server = url
                    .port()
                    .map_or(host.to_owned(), |port| format!("{host}:{port}"));
                self.failed(format!(
                    "cannot connect to {server}: {}",
                    root_cause(&error)
                ))
            }
            _ => self.failed(describe(&error)),
        }
    }
}

/// Follows at most [`MAX_REDIRECTS`] redirects, each to a URL under `root`: a server (or
/// whoever controls one of its paths) cannot send the storage elsewhere.
fn redirects_inside(root: HttpRoot) -> redirect::Policy {
    redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() > MAX_REDIRECTS {
            let limit = format!("more than {MAX_REDIRECTS} redirects");
            return attempt.error(limit);
        }
        match root.check(attempt.url()) {
            Ok(()) => attempt.follow(),
            Err(reason) => attempt.error(format!("a redirect leaves the storage: {reason}")),
        }
    })
}

#[async_trait]
impl Storage for HttpStorage {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        "http"
    }

    fn cheap_to_read(&self) -> bool {
        false
    }

    fn online(&self) -> bool {
        true
    }

    /// True for URLs under the root; a root without a trailing slash still only owns whole
    /// path segments (`http://h/data` does not own `http://h/database`).
    fn owns(&self, location: &str) -> bool {
        self.bounds.url_of(location).is_ok()
    }

    /// Available at once: the file is fetched when it is downloaded, so nothing is asked of
    /// the server here.
    async fn make_available(&self, location: &str, _keep: Duration) -> Result<(), StorageError> {
        let _counted = InFlight::enter(&self.in_flight);
        self.url_of(location).map(drop)
    }

    async fn open(
        &self,
        location: &str,
        range: Option<ByteRange>,
    ) -> Result<FileContent, StorageError> {
        let response = self.get(location, range).await?;
        let status = response.status();
        if !status.is_success() {
            let code = status.as_u16();
            return Err(self.failed(format!("Server returned HTTP error code {code}")));
        }
        let partial = status == StatusCode::PARTIAL_CONTENT;
        let total_length = if partial {
            content_range_total(response.headers())
        } else {
            response.content_length()
        };
        let name = self.name.clone();
        let timeout = self.timeout;
        let body = response
            .bytes_stream()
            .map_err(move |e| body_error(&name, timeout, e));
        let stream = match range {
            // A server may ignore the Range header and send the whole file.
            Some(range) if !partial => slice(body, range),
            _ => body.boxed(),
        };
        Ok(FileContent {
            total_length,
            stream,
        })
    }

    fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }
}

/// The total length in a `Content-Range: bytes a-b/total` header, when known.
fn content_range_total(headers: &HeaderMap) -> Option<u64> {
    let value = headers.get(CONTENT_RANGE)?.to_str().ok()?;
    value.rsplit_once('/')?.1.trim().parse().ok()
}

/// Keeps the bytes of `range` out of a whole-file body, stopping once the range is read.
fn slice<S>(body: S, range: ByteRange) -> BoxStream<'static, std::io::Result<Bytes>>
where
    S: Stream<Item = std::io::Result<Bytes>> + Send + 'static,
{
    let (start, length) = bounds(Some(range));
    body.scan((start, length), |(skip, left), item| {
        let out = match item {
            Ok(_) if *left == 0 => None,
            Ok(chunk) => {
                let skipped = prefix(*skip, &chunk);
                *skip -= skipped as u64;
                let chunk = chunk.slice(skipped..);
                let kept = prefix(*left, &chunk);
                *left -= kept as u64;
                Some(Ok(chunk.slice(..kept)))
            }
            Err(e) => Some(Err(e)),
        };
        future::ready(out)
    })
    .try_filter(|chunk| future::ready(!chunk.is_empty()))
    .boxed()
}

/// How many bytes of `chunk` a count of `wanted` bytes covers.
fn prefix(wanted: u64, chunk: &Bytes) -> usize {
    usize::try_from(wanted).map_or(chunk.len(), |wanted| wanted.min(chunk.len()))
}

/// An error while reading a body, as an I/O error whose text a user can read (without the
/// URL, as in [`HttpStorage::request_error`]).
fn body_error(storage: &str, timeout: Duration, error: reqwest::Error) -> std::io::Error {
    let reason = if error.is_timeout() {
        format!("the server sent nothing for {} ms", timeout.as_millis())
    } else {
        describe(&error.without_url())
    };
    std::io::Error::other(format!("storage {storage} failed: {reason}"))
}

/// The innermost cause of an error, the one that says what went wrong on the network.
fn root_cause(error: &dyn Error) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

/// An error and its causes on one line: reqwest's own text ("error sending request") says
/// little without the underlying cause ("Connection refused").
fn describe(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests;
