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

/// A documented path: its pattern, its number of parameters, the methods it serves.
struct DocumentedPath {
    def: ResourceDef,
    parameters: usize,
    methods: Vec<Method>,
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
                    parameters: path.matches('{').count(),
                    methods: served(item),
                })
                .collect(),
        )
    }

    /// The methods served at `path` by the most specific documented paths matching it: a
    /// literal segment wins over a parameter (`/user/orders/apply` is not an order id).
    fn methods(&self, path: &str) -> Vec<Method> {
        let matching: Vec<&DocumentedPath> =
            self.0.iter().filter(|p| p.def.is_match(path)).collect();
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
