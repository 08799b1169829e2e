//! Spring-style paging: `page` (0-based), `size` (max 2000), repeatable `sort=prop,dir`, and
//! the `PagedModel` wrapper with `metadata` and `self`/`first`/`prev`/`next`/`last` links.

use crate::http::{ApiError, EntityModel, Link};
use actix_web::HttpRequest;
use serde::Serialize;

/// Largest page.
pub const MAX_PAGE_SIZE: u32 = 2000;

/// The `page` and `size` query parameters, for the OpenAPI document (`sort` differs by
/// endpoint). Any size is accepted and clamped to 1..2000.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PagingParams {
    /// 0-based page number.
    #[param(minimum = 0, maximum = 4294967295_u64)]
    page: Option<u64>,
    /// Items per page (default 10 or 20 by endpoint), clamped to 1..2000.
    #[param(minimum = 0, maximum = 4294967295_u64)]
    size: Option<u64>,
}

/// A requested page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paging {
    pub page: u32,
    pub size: u32,
    /// (property, descending).
    pub sort: Vec<(String, bool)>,
}

impl Paging {
    /// Reads `page`, `size` and `sort` from the query; bad values are a 400.
    pub fn from_request(req: &HttpRequest, default_size: u32) -> Result<Self, ApiError> {
        let mut paging = Self {
            page: 0,
            size: default_size,
            sort: Vec::new(),
        };
        let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
            .map_err(|e| ApiError::BadRequest(format!("Invalid query: {e}")))?;
        let number = |name: &str, v: &str| {
            v.parse::<u32>()
                .map_err(|_| ApiError::BadRequest(format!("Invalid {name}: '{v}'")))
        };
        for (key, value) in pairs {
            match key.as_str() {
                "page" => paging.page = number("page", &value)?,
                "size" => paging.size = number("size", &value)?.clamp(1, MAX_PAGE_SIZE),
                "sort" => {
                    let mut parts = value.split(',');
                    let property = parts.next().unwrap_or_default().trim().to_owned();
                    let descending = parts
                        .next()
                        .is_some_and(|d| d.trim().eq_ignore_ascii_case("desc"));
                    if !property.is_empty() {
                        paging.sort.push((property, descending));
                    }
                }
                _ => {}
            }
        }
        Ok(paging)
    }

    /// Offset of the first item.
    pub fn offset(&self) -> u64 {
        u64::from(self.page) * u64::from(self.size)
    }
}

/// `metadata` of a page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PageMetadata {
    pub size: u64,
    pub total_elements: u64,
    pub total_pages: u64,
    pub number: u64,
}

/// `{"metadata": …, "content": [EntityModel…], "links": […]}`.
#[derive(Debug, Clone, Serialize)]
pub struct PagedModel<T> {
    pub metadata: PageMetadata,
    pub content: Vec<EntityModel<T>>,
    pub links: Vec<Link>,
}

impl<T> PagedModel<T> {
    /// A page of `content` out of `total`, with links to `url` (absolute, without query).
    pub fn new(content: Vec<EntityModel<T>>, total: u64, paging: &Paging, url: &str) -> Self {
        let size = u64::from(paging.size);
        let pages = total.div_ceil(size.max(1));
        let number = u64::from(paging.page);
        let sort: String = paging
            .sort
            .iter()
            .map(|(p, d)| format!("&sort={p},{}", if *d { "desc" } else { "asc" }))
            .collect();
        let href = |page: u64| format!("{url}?page={page}&size={size}{sort}");
        let mut links = vec![Link::new("self", href(number))];
        if pages > 1 {
            links.push(Link::new("first", href(0)));
            if number > 0 {
                links.push(Link::new("prev", href(number - 1)));
            }
            if number + 1 < pages {
                links.push(Link::new("next", href(number + 1)));
            }
            links.push(Link::new("last", href(pages - 1)));
        }
        Self {
            metadata: PageMetadata {
                size,
                total_elements: total,
                total_pages: pages,
                number,
            },
            content,
            links,
        }
    }
}
