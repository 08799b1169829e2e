//! How SQLite looks for a string in a catalogue object's properties: their JSON is stored as
//! the text serde_json wrote, so a JSON string is found as written.

use super::SqliteStore;
use sqlx::{QueryBuilder, Sqlite};

impl SqliteStore {
    /// Appends a condition true when the properties' JSON text holds `needle`.
    pub(crate) fn push_properties_hold(query: &mut QueryBuilder<Sqlite>, needle: String) {
        query
            .push("instr(properties, ")
            .push_bind(needle)
            .push(") > 0");
    }
}
