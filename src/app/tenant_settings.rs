//! The tenant's order settings: listed, changed and reset by an administrator of the tenant;
//! read by order creation, retry and expiration.

use super::{AppError, AppResult, Requester};
use crate::config::OrderSettings;
use crate::orders::settings::{self, EffectiveSettings, NAMES, SettingDto};
use regards_order_actors::domain::Tenant;
use regards_order_actors::ports::OrderQueries;
use serde_json::Value;
use std::sync::Arc;

/// Reads and changes the settings of the requester's tenant.
#[derive(Clone)]
pub struct TenantSettingsService {
    store: Arc<dyn OrderQueries>,
    /// The configuration's values: the defaults of every tenant.
    defaults: OrderSettings,
}

impl TenantSettingsService {
    /// A service over `store`, with the configuration's values as defaults.
    pub fn new(store: Arc<dyn OrderQueries>, defaults: OrderSettings) -> Self {
        Self { store, defaults }
    }

    /// The settings named in `names`, in their usual order; every setting when `names` is
    /// empty. Unknown names are skipped.
    pub async fn list(
        &self,
        requester: &Requester,
        names: &[String],
    ) -> AppResult<Vec<SettingDto>> {
        let mut out = Vec::new();
        for name in NAMES
            .iter()
            .filter(|n| names.is_empty() || names.iter().any(|a| a == *n))
        {
            out.push(self.read(&requester.tenant, name).await?);
        }
        Ok(out)
    }

    /// Sets a value: not found for an unknown setting, unprocessable for an invalid value.
    pub async fn update(
        &self,
        requester: &Requester,
        name: &str,
        value: &Value,
    ) -> AppResult<SettingDto> {
        self.check_known(name)?;
        settings::validate(name, value).map_err(AppError::unprocessable)?;
        self.store
            .put_setting(&requester.tenant, name, value)
            .await?;
        self.read(&requester.tenant, name).await
    }

    /// Puts a setting back to its default.
    pub async fn reset(&self, requester: &Requester, name: &str) -> AppResult<SettingDto> {
        self.check_known(name)?;
        self.store.delete_setting(&requester.tenant, name).await?;
        self.read(&requester.tenant, name).await
    }

    /// The values in effect for `tenant`.
    pub async fn effective(&self, tenant: &Tenant) -> AppResult<EffectiveSettings> {
        Ok(settings::effective(self.store.as_ref(), tenant, &self.defaults).await?)
    }

    async fn read(&self, tenant: &Tenant, name: &str) -> AppResult<SettingDto> {
        settings::read(self.store.as_ref(), tenant, name, &self.defaults)
            .await?
            .ok_or_else(|| unknown(name))
    }

    fn check_known(&self, name: &str) -> AppResult<()> {
        match settings::default_of(name, &self.defaults) {
            Some(_) => Ok(()),
            None => Err(unknown(name)),
        }
    }
}

fn unknown(name: &str) -> AppError {
    AppError::NotFound(Some(format!("Unknown setting {name}")))
}
