//! HATEOAS wrappers serialised field by field, as the original (HAL disabled) does.

use serde::Serialize;

/// A link of a resource.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Link {
    pub rel: String,
    pub href: String,
}

impl Link {
    /// A link named `rel` to `href`.
    pub fn new(rel: &str, href: String) -> Self {
        Self {
            rel: rel.to_owned(),
            href,
        }
    }
}

/// `{"content": {...}, "links": [...]}`.
#[derive(Debug, Clone, Serialize)]
pub struct EntityModel<T> {
    pub content: T,
    pub links: Vec<Link>,
}

impl<T> EntityModel<T> {
    /// A resource without links.
    pub fn bare(content: T) -> Self {
        Self {
            content,
            links: Vec::new(),
        }
    }
}
