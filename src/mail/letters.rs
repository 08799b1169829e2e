//! What the e-mails say: the creation e-mail of one order and the reminder of one owner's
//! waiting orders, from the templates and the values the original gives them.

use super::smtp::Email;
use super::templates::{TemplateName, Templates};
use crate::app::Role;
use crate::auth::OrderTokenCodec;
use chrono::{DateTime, Utc};
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::order::OrderHeader;
use regards_order_actors::ports::WaitingOrder;

/// Where users get the REGARDS downloader (the original's link).
pub const REGARDS_DOWNLOADER_URL: &str = "https://github.com/RegardsOss/RegardsDownloader/releases";

/// Subject of the reminder (the original's).
pub const REMINDER_SUBJECT: &str = "Reminder: some orders are waiting for you";

/// Lifetime of the creation e-mail's token for an order without an expiration date.
const TOKEN_FALLBACK: chrono::TimeDelta = chrono::TimeDelta::days(7);

/// Writes the e-mails.
pub struct Letters {
    templates: Templates,
    /// Base of the service's URLs (no trailing slash).
    public_url: String,
    /// Signs the metalink link's public token.
    order_tokens: OrderTokenCodec,
}

impl Letters {
    /// Letters from `templates`, with links under `public_url`.
    pub fn new(templates: Templates, public_url: String, order_tokens: OrderTokenCodec) -> Self {
        Self {
            templates,
            public_url: public_url.trim_end_matches('/').to_owned(),
            order_tokens,
        }
    }

    /// The creation e-mail of `header`'s order, to its owner (its `frontend_url` is the
    /// creation's `onSuccessUrl`).
    pub fn creation(&self, tenant: &Tenant, header: &OrderHeader) -> Result<Email, String> {
        let expires = header
            .expiration_date
            .unwrap_or_else(|| Utc::now() + TOKEN_FALLBACK);
        let token = self
            .order_tokens
            .issue(
                tenant.as_str(),
                &header.owner,
                Role::RegisteredUser,
                header.id,
                expires,
            )
            .map_err(|e| format!("order token not signed: {e}"))?;
        // Tenant names are `[A-Za-z0-9_.-]` and tokens base64url with dots: nothing to encode.
        let metalink = format!(
            "{}/user/orders/metalink/download?orderToken={token}&scope={}",
            self.public_url,
            tenant.as_str()
        );
        let frontend = header.frontend_url.as_deref().unwrap_or_default();
        let html = self.templates.get(TemplateName::OrderCreated).render(&[
            // The original fills `order_label` with the order's id; `label` is the label.
            ("order_label", header.id.to_string()),
            ("label", header.label.clone()),
            ("order_id", header.id.to_string()),
            ("project", tenant.as_str().to_owned()),
            ("orders_url", orders_url(&self.public_url, frontend)),
            ("expiration_date", shown(header.expiration_date)),
            ("metalink_download_url", metalink),
            ("regards_downloader_url", REGARDS_DOWNLOADER_URL.to_owned()),
        ]);
        Ok(Email {
            to: header.owner.clone(),
            subject: format!("Order number {} is confirmed", header.id),
            html,
        })
    }

    /// The reminder of `orders`, all of `owner`'s in `tenant`.
    pub fn reminder(&self, tenant: &Tenant, owner: &str, orders: &[WaitingOrder]) -> Email {
        let row = self.templates.get(TemplateName::ReminderRow);
        let rows: String = orders
            .iter()
            .map(|order| {
                let header = &order.header;
                row.render(&[
                    ("order_id", header.id.to_string()),
                    ("label", header.label.clone()),
                    ("creation_date", shown(Some(header.creation_date))),
                    ("expiration_date", shown(header.expiration_date)),
                    ("available_files_count", header.available_count.to_string()),
                    ("available_update_date", shown(order.available_update_date)),
                ])
            })
            .collect();
        let html = self.templates.get(TemplateName::Reminder).render(&[
            ("project", tenant.as_str().to_owned()),
            ("owner", owner.to_owned()),
            ("orders", rows),
        ]);
        Email {
            to: owner.to_owned(),
            subject: REMINDER_SUBJECT.to_owned(),
            html,
        }
    }
}

/// The page of the user's orders: `frontend` itself when it is a full URL, else `frontend`
/// on the public URL's host (the original: host + `onSuccessUrl`).
fn orders_url(public_url: &str, frontend: &str) -> String {
    if frontend.starts_with("http://") || frontend.starts_with("https://") {
        return frontend.to_owned();
    }
    let host_end = public_url
        .find("://")
        .and_then(|scheme| public_url[scheme + 3..].find('/').map(|i| scheme + 3 + i))
        .unwrap_or(public_url.len());
    let host = &public_url[..host_end];
    if frontend.starts_with('/') {
        format!("{host}{frontend}")
    } else {
        format!("{host}/{frontend}")
    }
}

/// A date as the e-mails show it.
fn shown(date: Option<DateTime<Utc>>) -> String {
    date.map_or_else(
        || "-".to_owned(),
        |d| d.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_url_is_the_frontend_on_the_public_host() {
        let base = "https://regards.example/api/v1/rs-order";
        assert_eq!(
            orders_url(base, "/user/orders"),
            "https://regards.example/user/orders"
        );
        assert_eq!(orders_url(base, "orders"), "https://regards.example/orders");
        assert_eq!(
            orders_url(base, "https://front.example/o"),
            "https://front.example/o"
        );
        assert_eq!(
            orders_url("http://127.0.0.1:9043", "/x"),
            "http://127.0.0.1:9043/x"
        );
    }
}
