//! A documented path called with a method it does not serve answers 405 with `Allow`, as the
//! original does, instead of the 404 of a path that does not exist (or the 400 of a
//! neighbouring path's handler: `GET /user/orders/apply` is not an order id).

use super::openapi::ApiDoc;
use crate::http::ApiError;
use actix_web::body::{BoxBody, MessageBody};
#[cfg(test)]
use actix_web::dev::ResourceDef;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use std::sync::OnceLock;
use utoipa::OpenApi;
use utoipa::openapi::path::PathItem;

/// A documented path: its pattern, its segments, its number of parameters, the methods it
/// serves.
struct DocumentedPath {
    /// The router's own pattern, which the tests compare with the segments.
    #[cfg(test)]
    def: ResourceDef,
    /// `Some(literal)` or `None` for a `{parameter}`, which is always a whole segment.
    segments: Vec<Option<String>>,
    parameters: usize,
    methods: Vec<Method>,
}

impl DocumentedPath {
    /// Whether `path` matches, as the router's `[^/]+` for each parameter would say: the
    /// guard runs for every request, and comparing segments costs a fraction of a regex.
    fn is_match(&self, path: &str) -> bool {
        let mut segments = path.split('/');
        for expected in &self.segments {
            match (segments.next(), expected) {
                (Some(actual), Some(literal)) if actual == literal => {}
                (Some(actual), None) if !actual.is_empty() => {}
                _ => return false,
            }
        }
        segments.next().is_none()
    }
}

/// Every documented path, grouped by number of segments: a path can only match the documented
/// paths with as many segments as itself, so a request compares a handful of them.
struct Documented(Vec<Vec<DocumentedPath>>);

impl Documented {
    fn new() -> Self {
        let mut by_segments: Vec<Vec<DocumentedPath>> = Vec::new();
        for (path, item) in ApiDoc::openapi().paths.paths.iter() {
            let documented = DocumentedPath {
                #[cfg(test)]
                def: ResourceDef::new(path.as_str()),
                segments: path
                    .split('/')
                    .map(|segment| {
                        let parameter = segment.starts_with('{') && segment.ends_with('}');
                        (!parameter).then(|| segment.to_owned())
                    })
                    .collect(),
                parameters: path.matches('{').count(),
                methods: served(item),
            };
            let count = documented.segments.len();
            if by_segments.len() <= count {
                by_segments.resize_with(count + 1, Vec::new);
            }
            by_segments[count].push(documented);
        }
        Self(by_segments)
    }

    /// The documented paths `path` matches.
    fn matching<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'a DocumentedPath> {
        let count = path.split('/').count();
        self.0
            .get(count)
            .into_iter()
            .flatten()
            .filter(move |p| p.is_match(path))
    }

    /// The methods served at `path` by the most specific documented paths matching it: a
    /// literal segment wins over a parameter (`/user/orders/apply` is not an order id).
    fn methods(&self, path: &str) -> Vec<Method> {
        let Some(fewest) = self.matching(path).map(|p| p.parameters).min() else {
            return Vec::new();
        };
        let mut methods: Vec<Method> = Vec::new();
        for documented in self.matching(path).filter(|p| p.parameters == fewest) {
            for method in &documented.methods {
                if !methods.contains(method) {
                    methods.push(method.clone());
                }
            }
        }
        methods
    }

    /// Whether `path` is documented but not for `method`: what `methods` says, without
    /// building the list (this runs for every request).
    fn refuses(&self, method: &Method, path: &str) -> bool {
        let mut fewest = usize::MAX;
        let mut served = false;
        for documented in self.matching(path) {
            if documented.parameters < fewest {
                fewest = documented.parameters;
                served = false;
            }
            if documented.parameters == fewest && documented.methods.contains(method) {
                served = true;
            }
        }
        fewest != usize::MAX && !served
    }
}

/// Answers 405 with `Allow` for a documented path called with a method none of its documented
/// paths serves, before routing: the router would otherwise hand `GET /user/orders/apply` to
/// `GET /user/orders/{id}`. Comparing segments with the few documented paths of the same
/// length costs far less than a route (a regex set over every pattern) matched first by every
/// request.
pub async fn refuse_unserved_methods(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let documented = DOCUMENTED.get_or_init(Documented::new);
    if !documented.refuses(req.method(), req.path()) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let allow = documented
        .methods(req.path())
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    let error = ApiError::MethodNotAllowed {
        method: req.method().to_string(),
        allow,
    };
    Ok(req.error_response(error).map_into_boxed_body())
}

/// The documented paths, read once from the OpenAPI document.
static DOCUMENTED: OnceLock<Documented> = OnceLock::new();

/// Reads the documented paths at start-up, so that no request pays for building the OpenAPI
/// document.
pub fn prepare() {
    DOCUMENTED.get_or_init(Documented::new);
}

/// The methods a path documents.
fn served(item: &PathItem) -> Vec<Method> {
    [
        (Method::GET, item.get.is_some()),
        (Method::HEAD, item.head.is_some()),
        (Method::POST, item.post.is_some()),
        (Method::PUT, item.put.is_some()),
        (Method::DELETE, item.delete.is_some()),
        (Method::PATCH, item.patch.is_some()),
        (Method::OPTIONS, item.options.is_some()),
    ]
    .into_iter()
    .filter_map(|(method, served)| served.then_some(method))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The segments' comparison says what the router's patterns say, for every documented
    /// path and paths near them.
    #[test]
    fn segments_match_as_the_router_patterns_do() {
        let documented = Documented::new();
        let mut paths: Vec<String> = vec!["/".into(), "".into(), "/user/orders/".into()];
        for p in documented.0.iter().flatten() {
            let Some(pattern) = p.def.pattern() else {
                continue;
            };
            let concrete = pattern
                .split('/')
                .map(|s| if s.starts_with('{') { "12" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            paths.push(format!("{concrete}/"));
            paths.push(format!("{concrete}/x"));
            paths.push(concrete.replace("/12", "/"));
            paths.push(concrete.replace("/12", "/a%2Fb"));
            paths.push(concrete);
        }
        for path in &paths {
            for p in documented.0.iter().flatten() {
                assert_eq!(
                    p.is_match(path),
                    p.def.is_match(path),
                    "{path} against {:?}",
                    p.def
                );
            }
            // Grouped by length, the same paths match; the refusal agrees with the list.
            let flat: Vec<_> = documented
                .0
                .iter()
                .flatten()
                .filter(|p| p.def.is_match(path))
                .map(|p| p.def.pattern())
                .collect();
            let grouped: Vec<_> = documented.matching(path).map(|p| p.def.pattern()).collect();
            assert_eq!(flat, grouped, "{path}");
            let methods = documented.methods(path);
            for method in [
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::DELETE,
                Method::PATCH,
            ] {
                assert_eq!(
                    documented.refuses(&method, path),
                    !methods.is_empty() && !methods.contains(&method),
                    "{method} {path}"
                );
            }
        }
    }
}
