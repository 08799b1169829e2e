//! Sending an e-mail through the configured SMTP server (lettre, one connection per e-mail:
//! a few e-mails a day need no pool). Plain SMTP is built in; `smtps://` and STARTTLS
//! (`?tls=required`) need the `https` build feature (rustls with ring).
//!
//! When the server is down, refuses for now, or has not taken the whole e-mail within
//! `[smtp].timeout_secs` (a stall, wherever it stalls), the e-mail is not sent and the error
//! says it may be tried again ([`MailError::Transient`]); the callers keep it and retry (a
//! server that stalls after taking it may then get it twice: at least once, never lost). A refusal that retrying cannot change (an address the server
//! rejects for good, an owner whose e-mail is not an address) is [`MailError::Permanent`].

use crate::config::SmtpSettings;
use anyhow::Context;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::AsyncSmtpTransportBuilder;
#[cfg(not(feature = "https"))]
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// One e-mail to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// The recipient's address.
    pub to: String,
    pub subject: String,
    /// The HTML body.
    pub html: String,
}

/// Why an e-mail was not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// Trying again later may succeed (server down, busy, stalled).
    #[error("{0}")]
    Transient(String),
    /// Trying again cannot succeed.
    #[error("{0}")]
    Permanent(String),
}

/// Sends e-mails through one SMTP server, from one sender.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// Longest time one e-mail may take, connection included.
    timeout: Duration,
}

impl Mailer {
    /// A mailer for `settings` (fails on an invalid URL or sender address).
    pub fn new(settings: &SmtpSettings) -> anyhow::Result<Self> {
        let from: Mailbox = settings
            .from
            .parse()
            .with_context(|| format!("smtp.from '{}' is not an e-mail address", settings.from))?;
        let timeout = Duration::from_secs(settings.timeout_secs);
        let transport = builder(&settings.url)?.timeout(Some(timeout)).build();
        Ok(Self {
            transport,
            from,
            timeout,
        })
    }

    /// Sends `email`.
    pub async fn send(&self, email: &Email) -> Result<(), MailError> {
        let to: Mailbox = email.to.parse().map_err(|e| {
            MailError::Permanent(format!("recipient '{}' is not an address: {e}", email.to))
        })?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.as_str())
            .header(ContentType::TEXT_HTML)
            .body(email.html.clone())
            .map_err(|e| MailError::Permanent(format!("e-mail not built: {e}")))?;
        // lettre's own timeout bounds some reads only (not a server that accepts the
        // connection and never greets): the whole exchange is bounded here.
        let sent = tokio::time::timeout(self.timeout, self.transport.send(message)).await;
        let Ok(sent) = sent else {
            return Err(MailError::Transient(format!(
                "the SMTP server did not take the e-mail within {} s",
                self.timeout.as_secs()
            )));
        };
        match sent {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(MailError::Permanent(format!(
                "the SMTP server refused the e-mail to {}: {e}",
                email.to
            ))),
            Err(e) => Err(MailError::Transient(format!("SMTP: {e}"))),
        }
    }
}

/// The transport `url` names: `smtp://`, `smtps://` or `smtp://…?tls=required|opportunistic`,
/// with `user:password@` when the server wants them.
#[cfg(feature = "https")]
fn builder(url: &str) -> anyhow::Result<AsyncSmtpTransportBuilder> {
    AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .context("smtp.url must be smtp://host:port, smtps://host:port or smtp://…?tls=required")
}

/// The transport `url` names: plain `smtp://[user:password@]host[:port]` only (TLS needs the
/// `https` build feature).
#[cfg(not(feature = "https"))]
fn builder(url: &str) -> anyhow::Result<AsyncSmtpTransportBuilder> {
    let refused = || {
        anyhow::anyhow!(
            "smtp.url '{}' must be smtp://host:port (smtps:// and ?tls= need the `https` build \
             feature)",
            crate::db::redact(url)
        )
    };
    let rest = url.strip_prefix("smtp://").ok_or_else(refused)?;
    if rest.contains('?') {
        return Err(refused());
    }
    let authority = rest.split('/').next().unwrap_or_default();
    let (credentials, address) = match authority.rsplit_once('@') {
        Some((credentials, address)) => (Some(credentials), address),
        None => (None, authority),
    };
    let (host, port) = match address.rsplit_once(':') {
        Some((host, port)) => (host, port.parse::<u16>().map_err(|_| refused())?),
        None => (address, 25),
    };
    if host.is_empty() {
        return Err(refused());
    }
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).port(port);
    if let Some(credentials) = credentials {
        let (user, password) = credentials.split_once(':').unwrap_or((credentials, ""));
        builder = builder.credentials(Credentials::new(user.to_owned(), password.to_owned()));
    }
    Ok(builder)
}

#[cfg(all(test, not(feature = "https")))]
mod tests {
    use super::*;

    #[test]
    fn plain_urls_are_taken_and_tls_ones_refused_without_the_feature() {
        assert!(builder("smtp://127.0.0.1:2525").is_ok());
        assert!(builder("smtp://user:secret@mail.example").is_ok());
        assert!(builder("smtps://mail.example").is_err());
        assert!(builder("smtp://mail.example?tls=required").is_err());
        assert!(builder("smtp://:25").is_err());
        assert!(builder("smtp://host:port").is_err());
    }
}
