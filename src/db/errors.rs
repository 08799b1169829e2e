//! sqlx errors → the store's error type.

use regards_order_actors::ports::StoreError;

/// Maps a sqlx error; constraint violations keep the constraint's name so callers can turn
/// them into client errors instead of racy pre-checks, and failures of the database's
/// availability (unreachable, timed out, read-only, full) are told apart from the others so
/// that callers retry them or answer 503.
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
    if is_unavailability(&e) {
        return StoreError::Unavailable(Box::new(e));
    }
    StoreError::Database(Box::new(e))
}

/// True for errors that say the database cannot serve now, whatever the statement.
fn is_unavailability(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::BeginFailed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| unavailable_code(&code)),
        _ => false,
    }
}

/// Postgres SQLSTATEs and SQLite result codes of an unavailable database.
fn unavailable_code(code: &str) -> bool {
    // Postgres: connection exceptions (08), shutdown or start-up in progress (57P0x),
    // insufficient resources such as a full disk (53), a read-only server (25006).
    if code.starts_with("08") || code.starts_with("57P0") || code.starts_with("53") {
        return true;
    }
    if code == "25006" {
        return true;
    }
    // SQLite: the primary code is the low byte of the extended one.
    const BUSY: i32 = 5;
    const LOCKED: i32 = 6;
    const NOMEM: i32 = 7;
    const READONLY: i32 = 8;
    const IOERR: i32 = 10;
    const FULL: i32 = 13;
    const CANTOPEN: i32 = 14;
    code.parse::<i32>().is_ok_and(|extended| {
        matches!(
            extended & 0xff,
            BUSY | LOCKED | NOMEM | READONLY | IOERR | FULL | CANTOPEN
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_unavailability_codes_from_other_failures() {
        for code in [
            "08006", "57P01", "57P03", "53100", "25006", "13", "8", "778", "5",
        ] {
            assert!(unavailable_code(code), "{code}");
        }
        for code in ["23505", "42P01", "1", "19", "2067"] {
            assert!(!unavailable_code(code), "{code}");
        }
        assert!(store_error(sqlx::Error::PoolTimedOut).is_unavailable());
        assert!(!store_error(sqlx::Error::RowNotFound).is_unavailable());
    }
}
