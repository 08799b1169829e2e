//! The body of the operators' search and of the CSV export, read into the store's filter.

use crate::http::ApiError;
use chrono::{DateTime, Utc};
use regards_order_actors::domain::dates;
use regards_order_actors::domain::order::OrderStatus;
use regards_order_actors::ports::{OrderFilter, StatusFilter};
use serde::Deserialize;

/// Restriction on statuses.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusRestriction {
    #[schema(required = true, nullable = false, max_items = 1000, value_type = Vec<OrderStatus>)]
    pub values: Option<Vec<String>>,
    #[schema(required = true, nullable = false, value_type = StatusMode)]
    pub mode: Option<String>,
    /// Accepted as the original does, and unused: statuses are names, matched exactly.
    #[allow(dead_code)]
    pub match_mode: Option<String>,
    /// Accepted as the original does, and unused (see `match_mode`).
    #[allow(dead_code)]
    pub ignore_case: Option<bool>,
}

/// Whether a status restriction keeps or drops the statuses it lists, for the OpenAPI
/// document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code, clippy::upper_case_acronyms)]
pub enum StatusMode {
    INCLUDE,
    EXCLUDE,
}

/// Bounds of the creation date (inclusive, each optional).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct DateRange {
    #[serde(default, with = "dates::optional")]
    #[schema(schema_with = dates::optional_schema)]
    pub after: Option<DateTime<Utc>>,
    #[serde(default, with = "dates::optional")]
    #[schema(schema_with = dates::optional_schema)]
    pub before: Option<DateTime<Utc>>,
}

/// Body of `POST /orders/search` and `POST /orders/csv`; `{}` selects everything.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchRequestParameters {
    /// Substring of the owner's e-mail.
    pub owner: Option<String>,
    #[serde(default, deserialize_with = "crate::http::optional_object")]
    pub statuses: Option<StatusRestriction>,
    #[serde(default, deserialize_with = "crate::http::optional_object")]
    pub creation_date: Option<DateRange>,
    pub waiting_for_user: Option<bool>,
}

/// At most this many statuses in a restriction.
const MAX_STATUS_VALUES: usize = 1000;

impl SearchRequestParameters {
    /// The store filter; an incoherent restriction is a 422 (never a 500).
    pub fn to_filter(&self) -> Result<OrderFilter, ApiError> {
        let statuses = match &self.statuses {
            None => None,
            Some(r) => Some(status_filter(r)?),
        };
        Ok(OrderFilter {
            owner_contains: self.owner.clone().filter(|o| !o.is_empty()),
            owner: None,
            statuses,
            created_after: self.creation_date.as_ref().and_then(|d| d.after),
            created_before: self.creation_date.as_ref().and_then(|d| d.before),
            waiting_for_user: self.waiting_for_user,
        })
    }
}

fn status_filter(r: &StatusRestriction) -> Result<StatusFilter, ApiError> {
    let values = r
        .values
        .as_ref()
        .ok_or_else(|| ApiError::unprocessable("statuses.values must be given"))?;
    if values.len() > MAX_STATUS_VALUES {
        return Err(ApiError::unprocessable(
            "statuses.values holds more than 1000 values",
        ));
    }
    let parsed = values
        .iter()
        .map(|v| v.parse::<OrderStatus>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(ApiError::unprocessable)?;
    match r.mode.as_deref() {
        Some("INCLUDE") => Ok(StatusFilter::Include(parsed)),
        Some("EXCLUDE") => Ok(StatusFilter::Exclude(parsed)),
        Some(other) => Err(ApiError::unprocessable(format!(
            "statuses.mode must be INCLUDE or EXCLUDE, not {other}"
        ))),
        None => Err(ApiError::unprocessable("statuses.mode must be given")),
    }
}
