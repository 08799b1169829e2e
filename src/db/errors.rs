//! sqlx errors → the store's error type.

use regards_order_actors::ports::StoreError;

/// Maps a sqlx error; constraint violations keep the constraint's name so callers can turn
/// them into client errors instead of racy pre-checks.
pub fn store_error(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e
        && (db.is_unique_violation() || db.is_foreign_key_violation())
    {
        let constraint = db.constraint().unwrap_or("unknown").to_owned();
        return StoreError::Constraint { constraint };
    }
    if let sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) = &e {
        return StoreError::Corrupt(e.to_string());
    }
    StoreError::Database(Box::new(e))
}
