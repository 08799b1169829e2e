//! `WebhookStore` on one backend: registered callbacks and their delivery cursors. Compiled
//! once per backend (see `db/mod.rs`).

use super::{Db, SqlStore};
use crate::db::errors::store_error;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::webhook::{
    NewWebhook, Webhook, WebhookCursor, WebhookScope, WebhookSecret, types_from_text, types_to_text,
};
use regards_order_actors::ports::{StoreError, StoreResult, WebhookBacklog, WebhookStore};

/// The columns of a callback, in `Row`'s order.
const COLUMNS: &str = "id, tenant, owner, scope, url, secret, types, created_at, last_id, \
                       attempts, next_attempt, last_error, last_error_at, given_up";

/// A callback's row.
type Row = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    DateTime<Utc>,
    i64,
    i32,
    Option<DateTime<Utc>>,
    Option<String>,
    Option<DateTime<Utc>>,
    i64,
);

/// The callback a row holds.
fn webhook(row: Row) -> StoreResult<Webhook> {
    let (id, tenant, owner, scope, url, secret, types, created_at, last_id, attempts) = (
        row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9,
    );
    let corrupt = |what: &str| StoreError::Corrupt(format!("webhook {id}: {what}"));
    Ok(Webhook {
        id,
        tenant: Tenant::parse(&tenant).map_err(|_| corrupt("tenant"))?,
        owner,
        scope: WebhookScope::parse(&scope).ok_or_else(|| corrupt("scope"))?,
        url,
        secret: WebhookSecret::parse(&secret).ok_or_else(|| corrupt("secret"))?,
        types: types_from_text(&types),
        created_at,
        cursor: WebhookCursor {
            last_id,
            attempts: u32::try_from(attempts).unwrap_or(0),
            next_attempt: row.10,
            last_error: row.11,
            last_error_at: row.12,
            given_up: row.13,
        },
    })
}

#[async_trait]
impl WebhookStore for SqlStore {
    async fn add_webhook(&self, new: &NewWebhook, now: DateTime<Utc>) -> StoreResult<Webhook> {
        let sql = format!(
            "INSERT INTO webhooks (tenant, owner, scope, url, secret, types, created_at, \
             last_id) VALUES ($1, $2, $3, $4, $5, $6, $7, \
             (SELECT COALESCE(MAX(id), 0) FROM order_events)) RETURNING {COLUMNS}"
        );
        let row: Row = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(new.tenant.as_str())
            .bind(new.owner.as_str())
            .bind(new.scope.as_str())
            .bind(new.url.as_str())
            .bind(new.secret.expose())
            .bind(types_to_text(&new.types))
            .bind(now)
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        webhook(row)
    }

    async fn webhooks_of(&self, tenant: &Tenant, owner: Option<&str>) -> StoreResult<Vec<Webhook>> {
        let mut select = sqlx::QueryBuilder::<Db>::new(format!(
            "SELECT {COLUMNS} FROM webhooks WHERE tenant = "
        ));
        select.push_bind(tenant.as_str());
        if let Some(owner) = owner {
            select
                .push(" AND owner = ")
                .push_bind(owner)
                .push(" AND scope = ")
                .push_bind(WebhookScope::Owner.as_str());
        }
        select.push(" ORDER BY id");
        let rows: Vec<Row> = select
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.into_iter().map(webhook).collect()
    }

    async fn every_webhook(&self) -> StoreResult<Vec<Webhook>> {
        let sql = format!("SELECT {COLUMNS} FROM webhooks ORDER BY id");
        let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.into_iter().map(webhook).collect()
    }

    async fn remove_webhook(
        &self,
        tenant: &Tenant,
        owner: Option<&str>,
        id: i64,
    ) -> StoreResult<bool> {
        let mut delete = sqlx::QueryBuilder::<Db>::new("DELETE FROM webhooks WHERE id = ");
        delete
            .push_bind(id)
            .push(" AND tenant = ")
            .push_bind(tenant.as_str());
        if let Some(owner) = owner {
            delete
                .push(" AND owner = ")
                .push_bind(owner)
                .push(" AND scope = ")
                .push_bind(WebhookScope::Owner.as_str());
        }
        let done = delete
            .build()
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(done.rows_affected() > 0)
    }

    async fn save_webhook_cursor(&self, id: i64, cursor: &WebhookCursor) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE webhooks SET last_id = $1, attempts = $2, next_attempt = $3, \
             last_error = $4, last_error_at = $5, given_up = $6 WHERE id = $7",
        )
        .bind(cursor.last_id)
        .bind(i32::try_from(cursor.attempts).unwrap_or(i32::MAX))
        .bind(cursor.next_attempt)
        .bind(cursor.last_error.as_deref())
        .bind(cursor.last_error_at)
        .bind(cursor.given_up)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(done.rows_affected() > 0)
    }

    async fn webhook_backlog(&self, webhook: &Webhook) -> StoreResult<WebhookBacklog> {
        if webhook.types.is_empty() {
            return Ok(WebhookBacklog::default());
        }
        // Ids follow commit order, so the oldest waiting event is also the first created.
        let (events, oldest): (i64, Option<DateTime<Utc>>) =
            backlog_query(webhook, "COUNT(*), MIN(created_at)", "")
                .build_query_as()
                .fetch_one(&self.pool)
                .await
                .map_err(store_error)?;
        Ok(WebhookBacklog { events, oldest })
    }
}

/// `SELECT what` over the events `webhook` has yet to deliver, then `tail`.
fn backlog_query(webhook: &Webhook, what: &str, tail: &str) -> sqlx::QueryBuilder<Db> {
    let mut select =
        sqlx::QueryBuilder::<Db>::new(format!("SELECT {what} FROM order_events WHERE id > "));
    select
        .push_bind(webhook.cursor.last_id)
        .push(" AND tenant = ")
        .push_bind(webhook.tenant.as_str());
    if webhook.scope == WebhookScope::Owner {
        select
            .push(" AND owner = ")
            .push_bind(webhook.owner.as_str());
    }
    select.push(" AND kind IN (");
    let mut kinds = select.separated(", ");
    for kind in &webhook.types {
        kinds.push_bind(kind.as_str());
    }
    select.push(")").push(tail);
    select
}
