//! A documented path called with a method it does not serve answers 405 with `Allow`, as the
//! original does, instead of the 404 of a path that does not exist (or the 400 of a
//! neighbouring path's handler: `GET /user/orders/apply` is not an order id).

use super::openapi::ApiDoc;
use crate::http::ApiError;
use actix_web::dev::ResourceDef;
use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, guard, web};
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa::openapi::path::PathItem;

/// A documented path: its pattern, its segments, its number of parameters, the methods it
/// serves.
struct DocumentedPath {
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

/// Every documented path.
struct Documented(Vec<DocumentedPath>);

impl Documented {
    fn new() -> Self {
        let paths = ApiDoc::openapi().paths.paths;
        Self(
            paths
                .iter()
                .map(|(path, item)| DocumentedPath {
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
                })
                .collect(),
        )
    }

    /// The methods served at `path` by the most specific documented paths matching it: a
    /// literal segment wins over a parameter (`/user/orders/apply` is not an order id).
    fn methods(&self, path: &str) -> Vec<Method> {
        let matching: Vec<&DocumentedPath> = self.0.iter().filter(|p| p.is_match(path)).collect();
        let Some(fewest) = matching.iter().map(|p| p.parameters).min() else {
            return Vec::new();
        };
        let mut methods: Vec<Method> = Vec::new();
        for documented in matching.iter().filter(|p| p.parameters == fewest) {
            for method in &documented.methods {
                if !methods.contains(method) {
                    methods.push(method.clone());
                }
            }
        }
        methods
    }
}

/// Registers a resource matching every documented path that takes only the methods none of
/// them serves; it comes before the handlers, so it never hides one.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let documented = Arc::new(Documented::new());
    let patterns: Vec<String> = documented
        .0
        .iter()
        .flat_map(|p| p.def.pattern().map(str::to_owned))
        .collect();
    let guarded = Arc::clone(&documented);
    let unserved = guard::fn_guard(move |ctx| {
        let methods = guarded.methods(ctx.head().uri.path());
        !methods.is_empty() && !methods.contains(&ctx.head().method)
    });
    cfg.service(
        web::resource(patterns)
            .guard(unserved)
            .to(move |req: HttpRequest| {
                let allow = documented
                    .methods(req.path())
                    .iter()
                    .map(Method::as_str)
                    .collect::<Vec<_>>()
                    .join(", ");
                async move {
                    Err::<HttpResponse, _>(ApiError::MethodNotAllowed {
                        method: req.method().to_string(),
                        allow,
                    })
                }
            }),
    );
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
        for p in &documented.0 {
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
            for p in &documented.0 {
                assert_eq!(
                    p.is_match(path),
                    p.def.is_match(path),
                    "{path} against {:?}",
                    p.def
                );
            }
        }
    }
}
