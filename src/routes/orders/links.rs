//! The HATEOAS links of an order: what a client may follow from it, as the original writes
//! them.

use crate::auth::Role;
use crate::http::Link;
use regards_order_actors::domain::order::{DatasetTask, OrderHeader, OrderStatus};

/// Which of an order's renderings `role` reads: the links depend on the role only through
/// whether it is a super-admin's (the `remove` link), the rest of the body not at all.
pub fn links_variant(role: Role) -> usize {
    usize::from(role.is_super_admin())
}

/// The links of an order: `self`, `list`, then only the actions possible now and allowed to
/// `role`.
pub fn order_links(
    base: &str,
    header: &OrderHeader,
    tasks: &[DatasetTask],
    effectively_paused: bool,
    role: Role,
) -> Vec<Link> {
    use OrderStatus::*;
    let id = header.id;
    let status = header.status;
    let mut links = vec![
        Link::new("self", format!("{base}/user/orders/{id}")),
        Link::new("list", format!("{base}/user/orders")),
    ];
    let mut add = |allowed: bool, rel: &str, path: String| {
        if allowed {
            links.push(Link::new(rel, format!("{base}{path}")));
        }
    };
    add(
        status != Deleted && header.available_count > 0,
        "download",
        format!("/user/orders/{id}/download"),
    );
    add(
        matches!(status, Pending | Running),
        "pause",
        format!("/user/orders/pause/{id}"),
    );
    add(
        status == Paused && effectively_paused,
        "resume",
        format!("/user/orders/resume/{id}"),
    );
    add(
        matches!(status, Done | DoneWithWarning | Paused | Expired | Failed),
        "delete",
        format!("/user/orders/{id}"),
    );
    add(
        status == Deleted && role.is_super_admin(),
        "remove",
        format!("/user/orders/remove/{id}"),
    );
    add(
        status.is_finished(),
        "restart",
        format!("/user/orders/{id}/restart"),
    );
    add(
        matches!(status, DoneWithWarning | Failed) && tasks.iter().all(|t| t.process.is_none()),
        "retry",
        format!("/user/orders/{id}/retry"),
    );
    links
}
