//! Streaming parse of one STAC document.
//!
//! The top-level object is walked member by member: small members are kept in a JSON map,
//! while a `features` array (an ItemCollection) is read one Item at a time, converted and sent
//! in batches over a bounded channel. Memory use therefore does not grow with the number of
//! features, and the members may come in any order.

use super::ImportError;
use super::convert::{self, Ctx};
use super::stac::Item;
use regards_order_actors::domain::CatalogObject;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::{fmt, io, mem};
use tokio::sync::mpsc::Sender;

/// Objects sent to the store in one call: large enough to amortise a transaction, small
/// enough to keep memory flat.
pub(super) const BATCH_SIZE: usize = 500;

/// Converted Items on their way to the store.
pub(super) type Batch = Vec<CatalogObject>;

/// Which documents a parse imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// Everything.
    Full,
    /// Only Collections and Catalogs; Items and ItemCollections are skipped as soon as they are
    /// recognised, to be imported by a second pass once their datasets exist.
    CollectionsFirst,
}

/// The result of a parse.
#[derive(Debug)]
pub(super) enum Parsed {
    /// The document was left for the second pass (see [`Mode::CollectionsFirst`]).
    Skipped,
    /// The top-level members except `features`; `streamed` tells whether a `features` array
    /// was read (its Items have been sent, not kept).
    Document {
        top: Map<String, Value>,
        streamed: bool,
    },
}

/// Why the parse was stopped from inside the visitor.
enum Halt {
    Invalid(ImportError),
    ConsumerGone,
    Skipped,
}

/// Parses a document from `reader`, sending the Items of a `features` array over `tx`.
/// Blocking: run it on a blocking thread.
pub(super) fn parse(
    reader: impl io::Read,
    ctx: &Ctx,
    mode: Mode,
    tx: &Sender<Batch>,
) -> Result<Parsed, ImportError> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let mut state = State {
        ctx,
        mode,
        tx,
        batch: Vec::with_capacity(BATCH_SIZE),
        position: 0,
        streamed: false,
        halt: None,
    };
    let result = (&mut de)
        .deserialize_map(Top(&mut state))
        .and_then(|top| de.end().map(|()| top));
    // A halt explains the serde error it caused better than that error does.
    match (state.halt, result) {
        (Some(Halt::Skipped), _) => Ok(Parsed::Skipped),
        (Some(Halt::Invalid(e)), _) => Err(e),
        (Some(Halt::ConsumerGone), _) => Err(ImportError::Io {
            path: ctx.source.clone().into(),
            source: io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the catalogue store stopped taking objects",
            ),
        }),
        (None, Ok(top)) => Ok(Parsed::Document {
            top,
            streamed: state.streamed,
        }),
        (None, Err(e)) => Err(ImportError::from_json(&ctx.source, e)),
    }
}

struct State<'a> {
    ctx: &'a Ctx,
    mode: Mode,
    tx: &'a Sender<Batch>,
    batch: Batch,
    /// 1-based number of the last feature read, for messages about features without an id.
    position: usize,
    streamed: bool,
    halt: Option<Halt>,
}

impl State<'_> {
    /// Records why the parse stops; the returned error only unwinds serde.
    fn halt<E: de::Error>(&mut self, halt: Halt) -> E {
        self.halt = Some(halt);
        E::custom("import halted")
    }

    /// Called on the `type` member: in the first pass, anything but a Collection or Catalog
    /// is left for later.
    fn on_type<E: de::Error>(&mut self, value: &Value) -> Result<(), E> {
        let collection = matches!(value.as_str(), Some("Collection" | "Catalog"));
        if self.mode == Mode::CollectionsFirst && !collection {
            return Err(self.halt(Halt::Skipped));
        }
        Ok(())
    }

    /// Called before a `features` array is streamed.
    fn on_features<E: de::Error>(&mut self, top: &Map<String, Value>) -> Result<(), E> {
        if self.mode == Mode::CollectionsFirst {
            return Err(self.halt(Halt::Skipped));
        }
        match top.get("type").and_then(Value::as_str) {
            Some(kind) if kind != "FeatureCollection" => {
                let e = self.ctx.invalid(format!(
                    "a document of type '{kind}' cannot have a features array"
                ));
                Err(self.halt(Halt::Invalid(e)))
            }
            _ => Ok(()),
        }
    }

    fn accept<E: de::Error>(&mut self, item: Item) -> Result<(), E> {
        self.position += 1;
        match convert::object(item, self.ctx, Some(self.position)) {
            Ok(object) => self.batch.push(object),
            Err(e) => return Err(self.halt(Halt::Invalid(e))),
        }
        if self.batch.len() >= BATCH_SIZE {
            self.flush()?;
        }
        Ok(())
    }

    /// Sends the pending objects, waiting while the channel is full (back-pressure from the
    /// store).
    fn flush<E: de::Error>(&mut self) -> Result<(), E> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = mem::replace(&mut self.batch, Vec::with_capacity(BATCH_SIZE));
        match self.tx.blocking_send(batch) {
            Ok(()) => Ok(()),
            Err(_) => Err(self.halt(Halt::ConsumerGone)),
        }
    }
}

/// Visitor of the top-level object.
struct Top<'s, 'a>(&'s mut State<'a>);

impl<'de> Visitor<'de> for Top<'_, '_> {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a STAC JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let state = self.0;
        let mut top = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            if key == "features" {
                state.on_features(&top)?;
                access.next_value_seed(Features(&mut *state))?;
                state.streamed = true;
            } else {
                let value: Value = access.next_value()?;
                if key == "type" {
                    state.on_type(&value)?;
                }
                top.insert(key, value);
            }
        }
        Ok(top)
    }
}

/// Seed and visitor of the `features` array: reads, converts and sends one Item at a time.
struct Features<'s, 'a>(&'s mut State<'a>);

impl<'de> DeserializeSeed<'de> for Features<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Features<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of STAC Items")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(item) = seq.next_element::<Item>()? {
            self.0.accept(item)?;
        }
        self.0.flush()
    }
}
