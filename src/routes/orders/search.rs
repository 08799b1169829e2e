//! `POST /orders/search`: the operators' search of the tenant's orders; `POST /orders/csv`:
//! the same selection as CSV (EXPLOIT).

use super::orders_page;
use super::search_body::SearchRequestParameters;
use crate::auth::{Authorised, roles};
use crate::http::{ApiError, JsonObject, Paging, StreamGuard};
use crate::state::AppState;
use actix_web::http::header::{ACCEPT, CONTENT_DISPOSITION};
use actix_web::{HttpRequest, HttpResponse, post, web};
use regards_order_actors::ports::{OrderSort, PageRequest};

/// Every order of the tenant matching the filters (DELETED included), 10 per page by
/// default, newest first.
#[utoipa::path(post, path = "/orders/search", tag = "orders", request_body = SearchRequestParameters,
    params(crate::http::PagingParams,
        ("sort" = Option<String>, Query, description = "`property,asc|desc` (default `creationDate,desc`)",
            pattern = "^ *(id|creationDate|expirationDate|owner|label|status|statusDate|percentCompleted)? *(,.*)?$")),
    responses((status = 200, body = super::OrderPage),
        (status = 400, body = crate::http::Messages), (status = 422, body = crate::http::Messages)))]
#[post("/orders/search")]
pub(crate) async fn search_orders(
    caller: Authorised<roles::Exploit>,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonObject<SearchRequestParameters>,
) -> Result<HttpResponse, ApiError> {
    let filter = body.to_filter()?;
    let paging = Paging::from_request(&req, 10)?;
    let request = page_request(&paging)?;
    let listing = state
        .orders
        .search(&caller.requester(), &filter, request)
        .await?;
    let page = orders_page(
        &state.public_url,
        caller.role,
        &listing,
        &paging,
        "/orders/search",
    );
    Ok(HttpResponse::Ok().json(page))
}

/// The page asked, its sort keys checked (400 for a property orders cannot be sorted by).
fn page_request(paging: &Paging) -> Result<PageRequest, ApiError> {
    let mut sort = Vec::new();
    for (property, descending) in &paging.sort {
        let key = OrderSort::parse(property)
            .ok_or_else(|| ApiError::BadRequest(format!("Cannot sort by '{property}'")))?;
        sort.push((key, *descending));
    }
    Ok(PageRequest {
        page: paging.page,
        size: paging.size,
        sort,
    })
}

/// True when the client accepts `text/csv` (no Accept header accepts everything).
fn accepts_csv(req: &HttpRequest) -> bool {
    let Some(accept) = req.headers().get(ACCEPT).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    accept.split(',').any(|part| {
        let media = part.split(';').next().unwrap_or_default().trim();
        matches!(media, "text/csv" | "text/*" | "*/*")
    })
}

/// The orders matching the filters as `;`-separated CSV, by id, streamed.
#[utoipa::path(post, path = "/orders/csv", tag = "orders", request_body = SearchRequestParameters,
    responses((status = 200, content_type = "text/csv", description = "the CSV export"),
        (status = 406, description = "the client does not accept text/csv"),
        (status = 422, body = crate::http::Messages),
        (status = 429, response = inline(crate::http::TooManyStreams))))]
#[post("/orders/csv")]
pub(crate) async fn export_csv(
    caller: Authorised<roles::Exploit>,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonObject<SearchRequestParameters>,
) -> Result<HttpResponse, ApiError> {
    if !accepts_csv(&req) {
        return Err(ApiError::NotAcceptable(
            "This endpoint produces text/csv only".into(),
        ));
    }
    let filter = body.to_filter()?;
    let guard = StreamGuard::take(&state, &req, &caller.tenant, &caller.email)?;
    let body = state.orders.export_csv(&caller.requester(), filter);
    Ok(guard.protect(
        HttpResponse::Ok()
            .content_type("text/csv")
            .insert_header((CONTENT_DISPOSITION, "attachment;filename=orders.csv"))
            .streaming(body),
    ))
}
