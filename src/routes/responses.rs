//! The answers every operation shares, documented in one place: they come from the layers in
//! front of the handlers (the `Caller` extractor, the extractors' 400, the body guard, the
//! database's availability), not from the handlers themselves.

use utoipa::Modify;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{
    ContentBuilder, HeaderBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder,
};

/// Paths that ask for no credentials: probes and metrics.
const UNAUTHENTICATED: [&str; 3] = ["/health", "/ready", "/metrics"];

/// Adds the shared responses to every operation that can give them, and takes the bearer
/// requirement off the unauthenticated paths.
pub(super) struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, response) in shared() {
            components
                .responses
                .insert(name.to_owned(), RefOr::T(response));
        }
        for (path, item) in openapi.paths.paths.iter_mut() {
            let open = UNAUTHENTICATED.contains(&path.as_str());
            for operation in operations(item) {
                if open {
                    operation.security = Some(Vec::new());
                } else {
                    add_shared(operation);
                }
            }
        }
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.head,
        &mut item.patch,
        &mut item.options,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

/// The shared answers an authenticated operation may give, where it documents none itself.
fn add_shared(operation: &mut Operation) {
    let has_body = operation.request_body.is_some();
    let has_input = has_body || operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let wanted = [
        ("400", "BadRequest", has_input),
        ("401", "Unauthorized", true),
        ("403", "Forbidden", true),
        ("413", "PayloadTooLarge", has_body),
        ("503", "Unavailable", true),
    ];
    let responses = &mut operation.responses.responses;
    for (status, name, applies) in wanted {
        if applies && !responses.contains_key(status) {
            let reference = Ref::new(format!("#/components/responses/{name}"));
            responses.insert(status.to_owned(), RefOr::Ref(reference));
        }
    }
}

/// The shared responses, by component name.
fn shared() -> [(&'static str, Response); 5] {
    [
        (
            "BadRequest",
            messages("malformed path, query or body (wrong type, unreadable JSON, missing part)"),
        ),
        (
            "Unauthorized",
            messages("no bearer token and no `scope`, or an invalid or expired bearer token"),
        ),
        (
            "Forbidden",
            messages("the caller's role is too low for the endpoint"),
        ),
        (
            "PayloadTooLarge",
            messages("the body is larger than the endpoint accepts"),
        ),
        ("Unavailable", unavailable()),
    ]
}

/// A response with the original's `{"messages": [...]}` body.
fn messages(description: &str) -> Response {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("Messages")))
        .build();
    ResponseBuilder::new()
        .description(description)
        .content("application/json", content)
        .build()
}

/// 503 with `Retry-After`.
fn unavailable() -> Response {
    let seconds = ObjectBuilder::new().schema_type(Type::Integer).build();
    let retry_after = HeaderBuilder::new()
        .schema(seconds)
        .description(Some("seconds to wait before trying again"))
        .build();
    let mut response = messages("the database or the engine cannot take the request now");
    response
        .headers
        .insert("Retry-After".to_owned(), retry_after);
    response
}
