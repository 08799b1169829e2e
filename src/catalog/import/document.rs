//! Importing one STAC document: parsed on a blocking thread, stored from the async side.

use super::convert::{self, Ctx};
use super::stac::{Item, Link, Node};
use super::stream::{self, Batch, Mode, Parsed};
use super::{ImportError, ImportReport};
use bytes::Bytes;
use regards_order_actors::domain::Tenant;
use regards_order_actors::ports::CatalogStore;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::fs::File;
use std::io::{self, BufReader};
use std::path::PathBuf;
use std::slice;
use tokio::sync::mpsc;

/// Batches waiting for the store: the parser may run this far ahead of it.
const CHANNEL_CAPACITY: usize = 2;

/// Where a document is read from.
pub(super) enum Input {
    File(PathBuf),
    Bytes(Bytes),
}

/// What importing one document did, and where a static catalog goes next.
#[derive(Debug, Default)]
pub(super) struct Outcome {
    pub report: ImportReport,
    /// The document was left for a second pass (see [`Mode::CollectionsFirst`]).
    pub skipped: bool,
    /// The links of a Catalog or Collection.
    pub links: Vec<Link>,
    /// The dataset a Collection defines, for the items it links to.
    pub dataset: Option<String>,
}

/// Imports one document.
pub(super) async fn import(
    store: &dyn CatalogStore,
    tenant: &Tenant,
    input: Input,
    ctx: &Ctx,
    mode: Mode,
) -> Result<Outcome, ImportError> {
    let (parsed, report) = stream_objects(store, tenant, input, ctx.clone(), mode).await?;
    let mut outcome = Outcome {
        report,
        ..Outcome::default()
    };
    match parsed {
        Parsed::Skipped => outcome.skipped = true,
        Parsed::Document {
            top,
            streamed: true,
        } => check_item_collection(&top, ctx)?,
        Parsed::Document { top, .. } => single(store, tenant, top, ctx, &mut outcome).await?,
    }
    Ok(outcome)
}

/// Runs the parser and stores the batches it sends as they come.
async fn stream_objects(
    store: &dyn CatalogStore,
    tenant: &Tenant,
    input: Input,
    ctx: Ctx,
    mode: Mode,
) -> Result<(Parsed, ImportReport), ImportError> {
    let source = ctx.source.clone();
    let (tx, mut rx) = mpsc::channel::<Batch>(CHANNEL_CAPACITY);
    let parser = tokio::task::spawn_blocking(move || parse_input(input, &ctx, mode, &tx));
    let mut report = ImportReport::default();
    let mut stored = Ok(());
    while let Some(batch) = rx.recv().await {
        if let Err(e) = store.upsert_objects(tenant, &batch).await {
            stored = Err(e);
            break;
        }
        report.add_objects(&batch);
    }
    // Closing the channel makes a parser that is still running stop at its next batch, so
    // that no thread keeps reading after a store failure.
    drop(rx);
    let parsed = parser.await;
    stored?;
    let parsed = parsed.map_err(|e| ImportError::Io {
        path: source.into(),
        source: io::Error::other(e),
    })??;
    Ok((parsed, report))
}

fn parse_input(
    input: Input,
    ctx: &Ctx,
    mode: Mode,
    tx: &mpsc::Sender<Batch>,
) -> Result<Parsed, ImportError> {
    match input {
        Input::File(path) => {
            let file = File::open(&path).map_err(|source| ImportError::Io { path, source })?;
            stream::parse(BufReader::new(file), ctx, mode, tx)
        }
        Input::Bytes(bytes) => stream::parse(&bytes[..], ctx, mode, tx),
    }
}

/// A document with a `features` array must be an ItemCollection. The `type` may come after
/// the array, so this can only be checked once the Items have been stored.
fn check_item_collection(top: &Map<String, Value>, ctx: &Ctx) -> Result<(), ImportError> {
    match top.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => Ok(()),
        Some(kind) => Err(ctx.invalid(format!(
            "a document of type '{kind}' cannot have a features array"
        ))),
        None => Err(ctx.invalid("the document has a features array but no type")),
    }
}

/// Imports a document that is not an ItemCollection, by its `type`.
async fn single(
    store: &dyn CatalogStore,
    tenant: &Tenant,
    top: Map<String, Value>,
    ctx: &Ctx,
    outcome: &mut Outcome,
) -> Result<(), ImportError> {
    let kind = match top.get("type") {
        Some(Value::String(kind)) => kind.clone(),
        Some(other) => return Err(ctx.invalid(format!("type {other} is not a string"))),
        None => return Err(ctx.invalid("not a STAC document: it has no type")),
    };
    match kind.as_str() {
        "Feature" => {
            let object = convert::object(typed::<Item>(top, &kind, ctx)?, ctx, None)?;
            store
                .upsert_objects(tenant, slice::from_ref(&object))
                .await?;
            outcome.report.add_objects(slice::from_ref(&object));
        }
        "Collection" => {
            let mut node = typed::<Node>(top, &kind, ctx)?;
            outcome.links = std::mem::take(&mut node.links);
            let dataset = convert::dataset(node, ctx)?;
            store
                .upsert_datasets(tenant, slice::from_ref(&dataset))
                .await?;
            outcome.report.datasets += 1;
            outcome.dataset = Some(dataset.urn);
        }
        "Catalog" => outcome.links = typed::<Node>(top, &kind, ctx)?.links,
        "FeatureCollection" => return Err(ctx.invalid("the ItemCollection has no features array")),
        other => {
            return Err(ctx.invalid(format!(
                "unknown STAC type '{other}' (Feature, FeatureCollection, Collection and Catalog are supported)"
            )));
        }
    }
    Ok(())
}

/// The document as the structure its type calls for.
fn typed<T: DeserializeOwned>(
    top: Map<String, Value>,
    kind: &str,
    ctx: &Ctx,
) -> Result<T, ImportError> {
    serde_json::from_value(Value::Object(top))
        .map_err(|e| ctx.invalid(format!("malformed {kind}: {e}")))
}
