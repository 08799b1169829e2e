//! The date format of the REGARDS API: ISO-8601 in UTC with a trailing `Z`, truncated to
//! microseconds, fractional digits printed only as far as needed.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, SubsecRound, Utc};
use serde::{Deserialize, Deserializer, Serializer};

/// Truncates to microseconds, the precision every stored and printed date has.
pub fn truncate(date: DateTime<Utc>) -> DateTime<Utc> {
    date.trunc_subsecs(6)
}

/// Formats a date as the original does (`2025-01-23T14:42:27.5Z`, `2025-01-23T14:42:27Z`).
pub fn format(date: &DateTime<Utc>) -> String {
    let text = truncate(*date).to_rfc3339_opts(SecondsFormat::Micros, true);
    // "…:27.500000Z" → "…:27.5Z"; "…:27.000000Z" → "…:27Z".
    match text.split_once('.') {
        Some((head, frac)) => {
            let digits = frac.trim_end_matches('Z').trim_end_matches('0');
            if digits.is_empty() {
                format!("{head}Z")
            } else {
                format!("{head}.{digits}Z")
            }
        }
        None => text,
    }
}

/// Parses an ISO-8601 date; a date without offset is read as UTC.
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(text) {
        return Some(truncate(d.with_timezone(&Utc)));
    }
    [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
    .map(|n| truncate(n.and_utc()))
}

/// serde `with` module for `DateTime<Utc>`.
pub mod required {
    use super::*;

    pub fn serialize<S: Serializer>(date: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(date))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        parse(&text).ok_or_else(|| serde::de::Error::custom(format!("invalid date '{text}'")))
    }
}

/// OpenAPI schema of an optional date in a request: a date-time string, or null. Request
/// generators drop the format of `type: [string, null]` (what `Option<String>` gives) and send
/// an empty string as a valid date.
pub fn optional_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type};
    let date = ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)));
    OneOfBuilder::new()
        .item(date)
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .into()
}

/// serde `with` module for `Option<DateTime<Utc>>` (use with `skip_serializing_if`).
pub mod optional {
    use super::*;

    pub fn serialize<S: Serializer>(date: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(d) => s.serialize_str(&format(d)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(text) => parse(&text)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("invalid date '{text}'"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn prints_only_needed_fraction_digits() {
        let d = Utc.with_ymd_and_hms(2025, 1, 23, 14, 42, 27).single();
        let Some(d) = d else { panic!("valid date") };
        assert_eq!(format(&d), "2025-01-23T14:42:27Z");
        let half = d + chrono::Duration::milliseconds(500);
        assert_eq!(format(&half), "2025-01-23T14:42:27.5Z");
        let nanos = d + chrono::Duration::nanoseconds(123_456_789);
        assert_eq!(format(&nanos), "2025-01-23T14:42:27.123456Z");
    }

    #[test]
    fn parses_with_or_without_offset() {
        let utc = parse("2025-01-23T14:42:27Z");
        assert_eq!(parse("2025-01-23T14:42:27"), utc);
        assert_eq!(parse("2025-01-23T15:42:27+01:00"), utc);
        assert_eq!(parse("not a date"), None);
    }
}
