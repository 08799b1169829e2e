//! Tenant settings of the order service (sub-order durations, longest order lifetime), stored
//! per tenant, with the configuration's values as defaults: their names, rules and the values
//! order creation and expiration use.

use crate::config::OrderSettings;
use chrono::Duration;
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::order::hours;
use regards_order_actors::ports::{OrderQueries, StoreResult};
use serde::Serialize;
use serde_json::{Value, json};

/// `user_order_parameters`: sub-order duration and reminder delay of user orders, hours.
pub const USER_ORDER_PARAMETERS: &str = "user_order_parameters";
/// `app_sub_order_duration`: sub-order duration of applicative orders, hours.
pub const APP_SUB_ORDER_DURATION: &str = "app_sub_order_duration";
/// `expiration_max_duration_in_hours`: cap of an order's lifetime.
pub const EXPIRATION_MAX: &str = "expiration_max_duration_in_hours";

/// Every setting, in the order `GET /settings` lists them.
pub const NAMES: [&str; 3] = [
    USER_ORDER_PARAMETERS,
    APP_SUB_ORDER_DURATION,
    EXPIRATION_MAX,
];

/// A setting as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SettingDto {
    pub name: String,
    pub description: String,
    pub default_value: Value,
    pub value: Value,
}

/// The values creation and expiration use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EffectiveSettings {
    pub user_suborder: Duration,
    pub app_suborder: Duration,
    pub expiration_max: Duration,
    /// How long available files wait before their owner is reminded of them
    /// (`delayBeforeEmailNotification`).
    pub reminder_delay: Duration,
}

/// `delayBeforeEmailNotification` when no tenant value says otherwise, hours (the original's).
pub const DEFAULT_REMINDER_DELAY_HOURS: u32 = 72;

impl EffectiveSettings {
    /// The configuration's values.
    pub fn from_config(orders: &OrderSettings) -> Self {
        Self {
            user_suborder: Duration::hours(i64::from(orders.user_suborder_duration_hours)),
            app_suborder: Duration::hours(i64::from(orders.app_suborder_duration_hours)),
            expiration_max: Duration::hours(i64::from(orders.expiration_max_hours)),
            reminder_delay: Duration::hours(i64::from(DEFAULT_REMINDER_DELAY_HOURS)),
        }
    }
}

/// Default value and description of a setting.
pub fn default_of(name: &str, orders: &OrderSettings) -> Option<(Value, &'static str)> {
    Some(match name {
        USER_ORDER_PARAMETERS => (
            json!({"subOrderDuration": orders.user_suborder_duration_hours,
                   "delayBeforeEmailNotification": DEFAULT_REMINDER_DELAY_HOURS}),
            "Sub-order duration and reminder delay of user orders, in hours",
        ),
        APP_SUB_ORDER_DURATION => (
            json!(orders.app_suborder_duration_hours),
            "Sub-order duration of applicative orders, in hours",
        ),
        EXPIRATION_MAX => (
            json!(orders.expiration_max_hours),
            "Longest lifetime of an order, in hours",
        ),
        _ => return None,
    })
}

/// A number of hours (fractions allowed: 0.5 is half an hour), at most ten years.
fn hours_of(v: &Value) -> Option<f64> {
    v.as_f64()
        .filter(|h| h.is_finite() && *h >= 0.0 && *h <= 87_600.0)
}

/// Checks a new value; the message is the 422's.
pub fn validate(name: &str, value: &Value) -> Result<(), String> {
    let hours = hours_of;
    match name {
        USER_ORDER_PARAMETERS => {
            let duration = value.get("subOrderDuration").and_then(hours);
            let delay = value.get("delayBeforeEmailNotification").and_then(hours);
            match (duration, delay) {
                (Some(d), Some(r)) if r > 0.0 && r <= d => Ok(()),
                _ => Err("user_order_parameters needs subOrderDuration and \
                          delayBeforeEmailNotification (hours) with 0 < delay <= duration"
                    .into()),
            }
        }
        APP_SUB_ORDER_DURATION => hours(value)
            .map(|_| ())
            .ok_or_else(|| "app_sub_order_duration must be a number of hours >= 0".into()),
        EXPIRATION_MAX => hours(value)
            .filter(|h| *h > 0.0)
            .map(|_| ())
            .ok_or_else(|| "expiration_max_duration_in_hours must be a number of hours > 0".into()),
        _ => Err(format!("unknown setting {name}")),
    }
}

/// The setting as shown, with its stored value or its default; None for an unknown name.
pub async fn read(
    store: &dyn OrderQueries,
    tenant: &Tenant,
    name: &str,
    orders: &OrderSettings,
) -> StoreResult<Option<SettingDto>> {
    let Some((default_value, description)) = default_of(name, orders) else {
        return Ok(None);
    };
    let value = store
        .setting(tenant, name)
        .await?
        .unwrap_or_else(|| default_value.clone());
    Ok(Some(SettingDto {
        name: name.to_owned(),
        description: description.to_owned(),
        default_value,
        value,
    }))
}

/// The stored value of a known setting, else its default.
async fn value_of(
    store: &dyn OrderQueries,
    tenant: &Tenant,
    name: &str,
    orders: &OrderSettings,
) -> StoreResult<Option<Value>> {
    Ok(read(store, tenant, name, orders).await?.map(|s| s.value))
}

/// The values in effect for `tenant`.
pub async fn effective(
    store: &dyn OrderQueries,
    tenant: &Tenant,
    orders: &OrderSettings,
) -> StoreResult<EffectiveSettings> {
    let defaults = EffectiveSettings::from_config(orders);
    let user = value_of(store, tenant, USER_ORDER_PARAMETERS, orders).await?;
    let app = value_of(store, tenant, APP_SUB_ORDER_DURATION, orders).await?;
    let max = value_of(store, tenant, EXPIRATION_MAX, orders).await?;
    let duration = |v: Option<&Value>, default| v.and_then(hours_of).map_or(default, hours);
    Ok(EffectiveSettings {
        user_suborder: duration(
            user.as_ref().and_then(|u| u.get("subOrderDuration")),
            defaults.user_suborder,
        ),
        app_suborder: duration(app.as_ref(), defaults.app_suborder),
        expiration_max: duration(max.as_ref(), defaults.expiration_max),
        reminder_delay: duration(
            user.as_ref()
                .and_then(|u| u.get("delayBeforeEmailNotification")),
            defaults.reminder_delay,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_validated_as_the_original_does() {
        let ok = json!({"subOrderDuration": 240, "delayBeforeEmailNotification": 72});
        assert!(validate(USER_ORDER_PARAMETERS, &ok).is_ok());
        let late = json!({"subOrderDuration": 10, "delayBeforeEmailNotification": 72});
        assert!(validate(USER_ORDER_PARAMETERS, &late).is_err());
        assert!(validate(APP_SUB_ORDER_DURATION, &json!(0)).is_ok());
        assert!(validate(APP_SUB_ORDER_DURATION, &json!(-1)).is_err());
        assert!(validate(EXPIRATION_MAX, &json!(0)).is_err());
        assert!(validate(EXPIRATION_MAX, &json!("12")).is_err());
        assert!(validate(EXPIRATION_MAX, &json!(0.5)).is_ok());
        assert!(validate("nope", &json!(1)).is_err());
    }
}
