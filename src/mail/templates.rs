//! The e-mails' HTML templates: embedded defaults, each replaced by the file of the same name
//! in `notifications.templates_dir` when it holds one. A template names its values
//! `{{name}}` (HTML-escaped: labels and e-mails are the users') or `{{{name}}}` (inserted as
//! is: only for HTML the service built, the reminder's rows). A template naming a value its
//! e-mail does not have is refused at start, so an operator's typo is not mailed to users.

use anyhow::Context;
use std::path::Path;

/// One template: its file name, its embedded default, the values it may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateName {
    /// The creation e-mail.
    OrderCreated,
    /// The reminder e-mail (one per owner).
    Reminder,
    /// One order in the reminder's `{{{orders}}}`.
    ReminderRow,
}

impl TemplateName {
    /// Every template.
    pub const ALL: [TemplateName; 3] = [Self::OrderCreated, Self::Reminder, Self::ReminderRow];

    /// The file that replaces it in `templates_dir`.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::OrderCreated => "order-created.html",
            Self::Reminder => "orders-reminder.html",
            Self::ReminderRow => "orders-reminder-row.html",
        }
    }

    /// The values it may name.
    pub fn variables(self) -> &'static [&'static str] {
        match self {
            Self::OrderCreated => &[
                "order_label",
                "label",
                "order_id",
                "project",
                "orders_url",
                "expiration_date",
                "metalink_download_url",
                "regards_downloader_url",
            ],
            Self::Reminder => &["project", "orders", "owner"],
            Self::ReminderRow => &[
                "order_id",
                "label",
                "creation_date",
                "expiration_date",
                "available_files_count",
                "available_update_date",
            ],
        }
    }

    fn default_text(self) -> &'static str {
        match self {
            Self::OrderCreated => include_str!("templates/order-created.html"),
            Self::Reminder => include_str!("templates/orders-reminder.html"),
            Self::ReminderRow => include_str!("templates/orders-reminder-row.html"),
        }
    }
}

/// A piece of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    /// A value, HTML-escaped.
    Escaped(String),
    /// A value inserted as is.
    Raw(String),
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
}

impl Template {
    /// Parses `text`; every value it names must be one of `variables`.
    pub fn parse(text: &str, variables: &[&str]) -> Result<Self, String> {
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            pieces.push(Piece::Text(rest[..start].to_owned()));
            let after = &rest[start..];
            let (raw, open, close) = if after.starts_with("{{{") {
                (true, 3, "}}}")
            } else {
                (false, 2, "}}")
            };
            let end = after[open..]
                .find(close)
                .ok_or_else(|| format!("unclosed {} at byte {start}", &after[..open]))?;
            let name = after[open..open + end].trim();
            if !variables.contains(&name) {
                return Err(format!(
                    "unknown value '{name}' (known: {})",
                    variables.join(", ")
                ));
            }
            pieces.push(if raw {
                Piece::Raw(name.to_owned())
            } else {
                Piece::Escaped(name.to_owned())
            });
            rest = &after[open + end + close.len()..];
        }
        pieces.push(Piece::Text(rest.to_owned()));
        Ok(Self { pieces })
    }

    /// The text with each value of `values` in place (a value not given is left empty).
    pub fn render(&self, values: &[(&str, String)]) -> String {
        let value = |name: &str| {
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map_or("", |(_, v)| v.as_str())
        };
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Escaped(name) => escape_into(&mut out, value(name)),
                Piece::Raw(name) => out.push_str(value(name)),
            }
        }
        out
    }
}

/// `text` with the HTML special characters escaped (safe in text and quoted attributes).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Every template, parsed.
#[derive(Debug, Clone)]
pub struct Templates {
    order_created: Template,
    reminder: Template,
    reminder_row: Template,
}

impl Templates {
    /// The embedded templates, each replaced by its file in `dir` when there is one.
    pub fn load(dir: Option<&Path>) -> anyhow::Result<Self> {
        let load = |name: TemplateName| -> anyhow::Result<Template> {
            let file = dir.map(|d| d.join(name.file_name()));
            let text = match &file {
                Some(path) if path.exists() => {
                    tracing::info!(template = %path.display(), "e-mail template replaced");
                    std::fs::read_to_string(path)
                        .with_context(|| format!("cannot read {}", path.display()))?
                }
                _ => name.default_text().to_owned(),
            };
            Template::parse(&text, name.variables()).map_err(|e| {
                let origin = file
                    .filter(|p| p.exists())
                    .map_or_else(|| "embedded".to_owned(), |p| p.display().to_string());
                anyhow::anyhow!("e-mail template {} ({origin}): {e}", name.file_name())
            })
        };
        Ok(Self {
            order_created: load(TemplateName::OrderCreated)?,
            reminder: load(TemplateName::Reminder)?,
            reminder_row: load(TemplateName::ReminderRow)?,
        })
    }

    /// The template `name`.
    pub fn get(&self, name: TemplateName) -> &Template {
        match name {
            TemplateName::OrderCreated => &self.order_created,
            TemplateName::Reminder => &self.reminder,
            TemplateName::ReminderRow => &self.reminder_row,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_unless_raw() {
        let Ok(template) = Template::parse("<p>{{ a }}</p>{{{b}}}", &["a", "b"]) else {
            panic!("parses")
        };
        let out = template.render(&[
            ("a", "<script>\"x\" & 'y'</script>".into()),
            ("b", "<tr></tr>".into()),
        ]);
        assert_eq!(
            out,
            "<p>&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;</p><tr></tr>"
        );
    }

    #[test]
    fn unknown_and_unclosed_values_are_refused() {
        assert!(Template::parse("{{nope}}", &["a"]).is_err());
        assert!(Template::parse("{{a", &["a"]).is_err());
        assert!(Template::parse("{{{a}}", &["a"]).is_err());
        assert_eq!(
            Template::parse("no values", &[]).map(|t| t.render(&[])),
            Ok("no values".to_owned())
        );
    }

    #[test]
    fn embedded_templates_parse_and_files_replace_them() {
        assert!(Templates::load(None).is_ok());
        let Ok(dir) = tempfile::tempdir() else {
            panic!("temp dir")
        };
        let path = dir.path().join("order-created.html");
        assert!(std::fs::write(&path, "Order {{order_id}}!").is_ok());
        let Ok(templates) = Templates::load(Some(dir.path())) else {
            panic!("loads")
        };
        let out = templates
            .get(TemplateName::OrderCreated)
            .render(&[("order_id", "7".into())]);
        assert_eq!(out, "Order 7!");
        assert!(std::fs::write(&path, "{{typo}}").is_ok());
        assert!(Templates::load(Some(dir.path())).is_err());
    }
}
