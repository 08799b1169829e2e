//! How Postgres looks for a string in a catalogue object's properties: `jsonb` written back
//! as text escapes a string's characters as serde_json does, so a JSON string is found as
//! written (spaces between tokens differ, not strings).

use super::PgStore;
use sqlx::{Postgres, QueryBuilder};

impl PgStore {
    /// Appends a condition true when the properties' JSON text holds `needle`.
    pub(crate) fn push_properties_hold(query: &mut QueryBuilder<Postgres>, needle: String) {
        query
            .push("strpos(properties::text, ")
            .push_bind(needle)
            .push(") > 0");
    }
}
