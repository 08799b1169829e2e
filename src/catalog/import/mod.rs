//! Import of STAC JSON into the catalogue, through the [`CatalogStore`] port.
//!
//! A STAC Collection becomes a dataset (labelled by its title), an Item a data object of the
//! dataset named by its `collection` (or of the Collection it was reached from), and each
//! asset a file: named after the last segment of its href, located by the href made absolute,
//! typed by `regards:dataType` or else by its STAC roles, with `file:size` and the
//! `file:checksum` multihash. Files on http(s) are external references.
//!
//! An href that no configured storage owns is imported all the same, and reported (see
//! [`UnownedHref`]).
//!
//! ItemCollections are streamed: their Items are parsed, converted and stored in batches, so
//! that a document of any size imports in constant memory. Importing the same documents again stores the same rows, since the
//! store replaces an object together with its files.

mod convert;
mod document;
mod folder;
mod href;
pub(crate) mod multihash;
mod stac;
mod stream;
#[cfg(test)]
mod test_store;
#[cfg(test)]
mod tests;
mod unowned;

pub use unowned::{OwnsLocation, UnownedHref};

use bytes::Bytes;
use regards_order_actors::domain::{CatalogObject, Tenant};
use regards_order_actors::ports::{CatalogStore, StoreError};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use unowned::Unowned;

/// What an import stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    /// Datasets (STAC Collections) stored.
    pub datasets: u64,
    /// Data objects (STAC Items) stored.
    pub objects: u64,
    /// Files (STAC assets) of those objects.
    pub files: u64,
    /// Files whose href no configured storage owns: they end in ERROR when ordered.
    pub unowned_count: u64,
    /// The first 100 of them.
    pub unowned: Vec<UnownedHref>,
}

impl ImportReport {
    fn add(&mut self, other: &ImportReport) {
        self.datasets += other.datasets;
        self.objects += other.objects;
        self.files += other.files;
    }

    fn add_objects(&mut self, objects: &[CatalogObject]) {
        self.objects += objects.len() as u64;
        self.files += objects.iter().map(|o| o.files.len() as u64).sum::<u64>();
    }

    /// Completes the report with what `unowned` found, and logs it.
    fn finish(mut self, tenant: &Tenant, unowned: &Unowned) -> Self {
        (self.unowned_count, self.unowned) = unowned.take();
        tracing::info!(
            %tenant,
            datasets = self.datasets,
            objects = self.objects,
            files = self.files,
            unowned = self.unowned_count,
            "STAC import done"
        );
        if self.unowned_count > 0 {
            tracing::warn!(
                %tenant,
                unowned = self.unowned_count,
                "no storage owns the hrefs of {} imported files: they will end in ERROR when ordered",
                self.unowned_count
            );
        }
        self
    }
}

/// Why an import failed. Objects stored before the failure stay stored.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file or folder could not be read.
    #[error("cannot read {}: {source}", .path.display())]
    Io { path: PathBuf, source: io::Error },
    /// A document is not well-formed JSON, or its JSON does not have the shape STAC requires.
    #[error("{file}, line {line}, column {column}: {message}")]
    Json {
        /// The document's path, or `request body`.
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// A document is valid JSON but not an importable STAC document; the message names the
    /// document, item and asset at fault.
    #[error("{0}")]
    Invalid(String),
    /// The catalogue store failed.
    #[error("the catalogue store failed: {0}")]
    Store(#[from] StoreError),
}

impl ImportError {
    /// True when the input is at fault rather than the server: everything but store failures
    /// and read errors other than a missing or forbidden file. [`import_bytes`] never reads
    /// files, so for it only [`ImportError::Store`] is the server's fault.
    pub fn is_client_error(&self) -> bool {
        match self {
            ImportError::Store(_) => false,
            ImportError::Io { source, .. } => matches!(
                source.kind(),
                io::ErrorKind::NotFound
                    | io::ErrorKind::PermissionDenied
                    | io::ErrorKind::IsADirectory
                    | io::ErrorKind::NotADirectory
            ),
            ImportError::Json { .. } | ImportError::Invalid(_) => true,
        }
    }

    /// Splits serde_json's message from its position; read failures are I/O errors.
    fn from_json(file: &str, e: serde_json::Error) -> Self {
        if e.is_io() {
            return ImportError::Io {
                path: file.into(),
                source: e.into(),
            };
        }
        let full = e.to_string();
        let position = format!(" at line {} column {}", e.line(), e.column());
        ImportError::Json {
            file: file.to_owned(),
            line: e.line(),
            column: e.column(),
            message: full.strip_suffix(&position).unwrap_or(&full).to_owned(),
        }
    }
}

/// Imports a STAC file (Collection, Item, ItemCollection or Catalog) or a static catalog
/// folder.
///
/// The `child` and `item` links of Catalogs and Collections are followed to local files (not
/// to http ones), and Items reached from a Collection without a `collection` field belong to
/// it. A folder is imported from its `catalog.json` or `collection.json`, or else file by
/// file: every `*.json` under it, Collections and Catalogs first, then the rest, in path
/// order. Relative hrefs resolve against the directory of the file holding them. `owns`
/// tells which hrefs a storage owns.
pub async fn import_path(
    store: &dyn CatalogStore,
    tenant: &Tenant,
    path: &Path,
    owns: OwnsLocation,
) -> Result<ImportReport, ImportError> {
    let unowned = Unowned::new(owns);
    let report = folder::import_path(store, tenant, path, &unowned).await?;
    Ok(report.finish(tenant, &unowned))
}

/// Imports a STAC document received over HTTP. Relative hrefs resolve against `base` (a
/// `file:///dir/` or `http(s)://host/dir/` URL); without a base a relative href is an
/// [`ImportError::Invalid`] error. `owns` tells which hrefs a storage owns.
///
/// Links are not followed: the document is imported on its own, so a Catalog stores nothing
/// and a Collection only its dataset.
pub async fn import_bytes(
    store: &dyn CatalogStore,
    tenant: &Tenant,
    body: Bytes,
    base: Option<&str>,
    owns: OwnsLocation,
) -> Result<ImportReport, ImportError> {
    let base = base
        .map(href::check_base)
        .transpose()
        .map_err(ImportError::Invalid)?;
    let unowned = Unowned::new(owns);
    let ctx = convert::Ctx {
        source: "request body".to_owned(),
        base,
        inherit: None,
        unowned: Arc::clone(&unowned),
    };
    let input = document::Input::Bytes(body);
    let outcome = document::import(store, tenant, input, &ctx, stream::Mode::Full).await?;
    if outcome.links.iter().any(|l| l.is_followed()) {
        tracing::debug!(%tenant, "links of an uploaded STAC document are not followed");
    }
    Ok(outcome.report.finish(tenant, &unowned))
}
