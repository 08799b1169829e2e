//! Webhooks: callbacks a user registers for his orders' events (an ADMIN: for every order
//! of the tenant). Registration checks the URL (http or https, no private address unless
//! `webhooks.allow_private_targets`) and starts the callback's delivery at the outbox's
//! newest event; deletion stops it. Failures stay visible in the listings.

mod view;

pub use view::{WebhookFigures, WebhookView};

use crate::app::{AppError, AppResult, Requester};
use crate::config::WebhookSettings;
use crate::events::WebhookDelivery;
use crate::events::webhooks::check_target;
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::events::{ALL_EVENT_TYPES, EventType};
use regards_order_actors::domain::webhook::{
    NewWebhook, Webhook, WebhookScope, WebhookSecret, every_type,
};
use regards_order_actors::ports::{Store, StoreResult};
use std::sync::Arc;

/// Longest callback URL taken.
const MAX_URL_CHARS: usize = 2048;
/// Longest secret taken.
const MAX_SECRET_CHARS: usize = 512;

/// What a registration asks for, as the client sent it.
#[derive(Debug, Clone)]
pub struct Registration {
    pub url: String,
    pub secret: String,
    /// Event type names; every type when absent.
    pub types: Option<Vec<String>>,
}

/// Registers, lists and deletes callbacks; tells operators how delivery stands.
#[derive(Clone)]
pub struct WebhookService {
    store: Arc<dyn Store>,
    delivery: WebhookDelivery,
    settings: WebhookSettings,
}

impl WebhookService {
    pub fn new(
        store: Arc<dyn Store>,
        delivery: WebhookDelivery,
        settings: WebhookSettings,
    ) -> Self {
        WebhookService {
            store,
            delivery,
            settings,
        }
    }

    /// Registers a callback of `scope` for the requester (400 on a bad URL, secret or type,
    /// or beyond `webhooks.max_per_user`).
    pub async fn register(
        &self,
        requester: &Requester,
        scope: WebhookScope,
        registration: Registration,
    ) -> AppResult<WebhookView> {
        let secret = parse_secret(&registration.secret)?;
        let types = parse_types(registration.types.as_deref())?;
        if registration.url.len() > MAX_URL_CHARS {
            return Err(AppError::Unprocessable(vec![format!(
                "the callback URL is longer than {MAX_URL_CHARS} characters"
            )]));
        }
        let url = check_target(&registration.url, self.settings.allow_private_targets)
            .await
            .map_err(|e| AppError::Unprocessable(vec![e.to_string()]))?;
        let registered = self.of_scope(requester, scope).await?;
        if registered.len() >= self.settings.max_per_user {
            return Err(AppError::Unprocessable(vec![format!(
                "at most {} webhooks may be registered; delete one first",
                self.settings.max_per_user
            )]));
        }
        let new = NewWebhook {
            tenant: requester.tenant.clone(),
            owner: requester.email.clone(),
            scope,
            url: url.to_string(),
            secret,
            types,
        };
        let webhook = self.store.add_webhook(&new, chrono::Utc::now()).await?;
        tracing::info!(
            webhook = webhook.id,
            scope = scope.as_str(),
            "webhook registered"
        );
        let view = WebhookView::of(&webhook, Default::default());
        self.delivery.started(webhook);
        Ok(view)
    }

    /// The requester's callbacks (`Owner`), or every callback of his tenant (`Tenant`, for
    /// ADMINs: users' ones too), with where their delivery stands.
    pub async fn list(
        &self,
        requester: &Requester,
        scope: WebhookScope,
    ) -> AppResult<Vec<WebhookView>> {
        let webhooks = match scope {
            WebhookScope::Owner => self.of_scope(requester, scope).await?,
            WebhookScope::Tenant => self.store.webhooks_of(&requester.tenant, None).await?,
        };
        let mut views = Vec::with_capacity(webhooks.len());
        for webhook in &webhooks {
            let backlog = self.store.webhook_backlog(webhook).await?;
            views.push(WebhookView::of(webhook, backlog));
        }
        Ok(views)
    }

    /// Deletes callback `id`: one of the requester's own (`Owner`), or any of his tenant's
    /// (`Tenant`). 404 for any other, so that others' callbacks are never revealed.
    pub async fn delete(
        &self,
        requester: &Requester,
        scope: WebhookScope,
        id: i64,
    ) -> AppResult<()> {
        let owner = match scope {
            WebhookScope::Owner => Some(requester.email.as_str()),
            WebhookScope::Tenant => None,
        };
        if !self
            .store
            .remove_webhook(&requester.tenant, owner, id)
            .await?
        {
            return Err(AppError::NotFound(Some(format!("No webhook {id}"))));
        }
        self.delivery.stopped(id);
        tracing::info!(webhook = id, "webhook deleted");
        Ok(())
    }

    /// How delivery stands for `tenant`'s callbacks (every tenant's without one): callbacks,
    /// those failing, events waiting, age of the oldest of them.
    pub async fn figures(&self, tenant: Option<&Tenant>) -> AppResult<WebhookFigures> {
        Ok(webhook_figures(self.store.as_ref(), tenant).await?)
    }

    /// The callbacks of `scope` the requester registered (the limit counts those).
    async fn of_scope(
        &self,
        requester: &Requester,
        scope: WebhookScope,
    ) -> AppResult<Vec<Webhook>> {
        let webhooks = match scope {
            WebhookScope::Owner => {
                self.store
                    .webhooks_of(&requester.tenant, Some(&requester.email))
                    .await?
            }
            WebhookScope::Tenant => {
                let mut all = self.store.webhooks_of(&requester.tenant, None).await?;
                all.retain(|w| w.scope == WebhookScope::Tenant);
                all
            }
        };
        Ok(webhooks)
    }
}

/// How delivery stands for `tenant`'s callbacks (every tenant's without one), as their
/// stored cursors say: one query per callback.
pub async fn webhook_figures(
    store: &dyn Store,
    tenant: Option<&Tenant>,
) -> StoreResult<WebhookFigures> {
    let webhooks = match tenant {
        Some(tenant) => store.webhooks_of(tenant, None).await?,
        None => store.every_webhook().await?,
    };
    let mut figures = WebhookFigures::default();
    let now = chrono::Utc::now();
    for webhook in &webhooks {
        let backlog = store.webhook_backlog(webhook).await?;
        figures.add(webhook, &backlog, now);
    }
    Ok(figures)
}

/// The secret, not blank and not too long.
fn parse_secret(text: &str) -> AppResult<WebhookSecret> {
    if text.chars().count() > MAX_SECRET_CHARS {
        return Err(AppError::Unprocessable(vec![format!(
            "the secret is longer than {MAX_SECRET_CHARS} characters"
        )]));
    }
    WebhookSecret::parse(text)
        .ok_or_else(|| AppError::Unprocessable(vec!["the secret must not be empty".into()]))
}

/// The event types named (every type when none is given), each once.
fn parse_types(names: Option<&[String]>) -> AppResult<Vec<EventType>> {
    let Some(names) = names else {
        return Ok(every_type());
    };
    if names.is_empty() {
        return Err(AppError::Unprocessable(vec![
            "types must name at least one event type (or be left out for all)".into(),
        ]));
    }
    let mut types = Vec::new();
    for name in names {
        let kind = EventType::parse(name.trim()).ok_or_else(|| {
            let known: Vec<&str> = ALL_EVENT_TYPES.iter().map(|t| t.as_str()).collect();
            AppError::Unprocessable(vec![format!(
                "unknown event type {name:?}; known types: {}",
                known.join(", ")
            )])
        })?;
        if !types.contains(&kind) {
            types.push(kind);
        }
    }
    Ok(types)
}
