//! The caller's basket (`/order/basket`), every endpoint REGISTERED_USER: read, emptied,
//! selections added by query or by an uploaded list of provider ids, dataset and item
//! selections removed, processing and file filters set. "No basket" answers 204.

use crate::auth::{Authorised, roles};
use crate::basket::{BasketDto, MAX_UPLOAD_BYTES};
use crate::http::{ApiError, EntityModel, JsonObject, Messages, from_object};
use crate::state::AppState;
use actix_multipart::Multipart;
use actix_web::{HttpResponse, delete, get, post, put, web};
use futures::TryStreamExt;
use regards_order_actors::domain::{
    Basket, BasketSelectionRequest, FileSelectionDescription, ProcessDatasetDescription, dates,
};
use serde::de::DeserializeOwned;

/// Registers the resource.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get_basket)
        .service(empty_basket)
        .service(add_selection)
        .service(upload_selection)
        .service(remove_dataset)
        .service(remove_item)
        .service(update_processing)
        .service(update_file_filters);
}

/// `EntityModel<BasketDto>`, for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct BasketModel {
    content: BasketDto,
    links: Vec<crate::http::Link>,
}

/// The multipart form of an upload, for the OpenAPI document: part `file`, UTF-8 text, one
/// provider id per line, at most 1000 lines; other parts are ignored, but their names are
/// header text (no control character but CR and LF, which clients escape).
pub struct ProviderIdsForm;

impl utoipa::PartialSchema for ProviderIdsForm {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        let text = ObjectBuilder::new().schema_type(Type::String);
        let part_name = ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some("^[^\\x00-\\x09\\x0B\\x0C\\x0E-\\x1F\\x7F]*$"));
        ObjectBuilder::new()
            .description(Some(
                "part `file`: one provider id per line, at most 1000 lines",
            ))
            .property("file", text)
            .required("file")
            .property_names(Some(part_name))
            .into()
    }
}

impl utoipa::ToSchema for ProviderIdsForm {}

/// 200 with the basket, or 204 when there is none (or nothing was selected).
fn answer(basket: Option<Basket>) -> HttpResponse {
    match basket {
        Some(basket) => HttpResponse::Ok().json(EntityModel::bare(BasketDto::from(&basket))),
        None => HttpResponse::NoContent().finish(),
    }
}

/// The caller's basket, 204 when none.
#[utoipa::path(get, path = "/order/basket", tag = "basket",
    responses((status = 200, body = BasketModel), (status = 204, description = "no basket")))]
#[get("/order/basket")]
pub(super) async fn get_basket(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    Ok(answer(state.baskets.get(&caller.requester()).await?))
}

/// Deletes the basket; always 204.
#[utoipa::path(delete, path = "/order/basket", tag = "basket",
    responses((status = 204, description = "basket deleted")))]
#[delete("/order/basket")]
pub(super) async fn empty_basket(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state.baskets.clear(&caller.requester()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Adds a selection; 204 when it selects no orderable file.
#[utoipa::path(post, path = "/order/basket/selection", tag = "basket",
    request_body = BasketSelectionRequest,
    responses((status = 200, body = BasketModel), (status = 204, description = "no file selected"),
        (status = 400, body = Messages), (status = 422, body = Messages)))]
#[post("/order/basket/selection")]
pub(super) async fn add_selection(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    body: JsonObject<BasketSelectionRequest>,
) -> Result<HttpResponse, ApiError> {
    let basket = state
        .baskets
        .add_selection(&caller.requester(), body.into_inner())
        .await?;
    Ok(answer(basket))
}

/// Adds the objects of the provider ids listed in the multipart part `file`; 204 when none
/// is found.
#[utoipa::path(post, path = "/order/basket/selection/upload", tag = "basket",
    request_body(content = ProviderIdsForm, content_type = "multipart/form-data"),
    responses((status = 200, body = BasketModel), (status = 204, description = "nothing found"),
        (status = 413, body = Messages)))]
#[post("/order/basket/selection/upload")]
pub(super) async fn upload_selection(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    form: Multipart,
) -> Result<HttpResponse, ApiError> {
    let text = file_part(form).await?;
    let basket = state
        .baskets
        .add_uploaded(&caller.requester(), &text)
        .await?;
    Ok(answer(basket))
}

/// The text of the part `file` (400 when missing or not UTF-8, 413 when too large).
async fn file_part(mut form: Multipart) -> Result<String, ApiError> {
    let mut text = None;
    while let Some(mut field) = form.try_next().await.map_err(bad_multipart)? {
        if field.name() != Some("file") {
            continue;
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.try_next().await.map_err(bad_multipart)? {
            if bytes.len() + chunk.len() > MAX_UPLOAD_BYTES {
                return Err(ApiError::PayloadTooLarge(format!(
                    "The file is larger than {MAX_UPLOAD_BYTES} bytes"
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        text = Some(String::from_utf8(bytes).map_err(|_| {
            ApiError::BadRequest("The file must be UTF-8 text, one provider id per line".into())
        })?);
    }
    text.ok_or_else(|| ApiError::BadRequest("Required request part 'file' is not present".into()))
}

fn bad_multipart(e: actix_multipart::MultipartError) -> ApiError {
    ApiError::BadRequest(format!("Malformed multipart request: {e}"))
}

/// Removes a dataset selection.
#[utoipa::path(delete, path = "/order/basket/dataset/{datasetSelectionId}", tag = "basket",
    params(("datasetSelectionId" = i64, Path, description = "id of the dataset selection")),
    responses((status = 200, body = BasketModel), (status = 204, description = "no basket")))]
#[delete("/order/basket/dataset/{id}")]
pub(super) async fn remove_dataset(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let basket = state
        .baskets
        .remove_dataset(&caller.requester(), *id)
        .await?;
    Ok(answer(basket))
}

/// Removes one dated item selection (the date is URL-encoded ISO-8601).
#[utoipa::path(delete, path = "/order/basket/dataset/{datasetSelectionId}/{itemsSelectionDate}", tag = "basket",
    params(("datasetSelectionId" = i64, Path, description = "id of the dataset selection"), ("itemsSelectionDate" = String, Path, format = DateTime, description = "ISO-8601 date of the item selection")),
    responses((status = 200, body = BasketModel), (status = 204, description = "no basket"),
        (status = 400, body = Messages)))]
#[delete("/order/basket/dataset/{id}/{date}")]
pub(super) async fn remove_item(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, date) = path.into_inner();
    let date = dates::parse(&date)
        .ok_or_else(|| ApiError::BadRequest(format!("Invalid date '{date}'")))?;
    let basket = state
        .baskets
        .remove_item(&caller.requester(), id, date)
        .await?;
    Ok(answer(basket))
}

/// Attaches a processing (an empty body detaches it).
#[utoipa::path(put, path = "/order/basket/dataset/{datasetSelectionId}/updateProcessing", tag = "basket",
    params(("datasetSelectionId" = i64, Path, description = "id of the dataset selection")), request_body = Option<ProcessDatasetDescription>,
    responses((status = 200, body = BasketModel), (status = 204, description = "no basket"),
        (status = 400, body = Messages), (status = 404, body = Messages), (status = 422, body = Messages)))]
#[put("/order/basket/dataset/{id}/updateProcessing")]
pub(super) async fn update_processing(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let process: Option<ProcessDatasetDescription> = optional_json(&body)?;
    if let Some(p) = &process
        && uuid::Uuid::parse_str(&p.process_business_id).is_err()
    {
        return Err(ApiError::unprocessable("processBusinessId must be a UUID"));
    }
    let basket = state
        .baskets
        .set_processing(&caller.requester(), *id, process)
        .await?;
    Ok(answer(basket))
}

/// Sets a file filter (an empty body removes it); an invalid regex is a 400.
#[utoipa::path(put, path = "/order/basket/dataset/{datasetSelectionId}/updateFileFilters", tag = "basket",
    params(("datasetSelectionId" = i64, Path, description = "id of the dataset selection")), request_body = Option<FileSelectionDescription>,
    responses((status = 200, body = BasketModel), (status = 204, description = "no basket"),
        (status = 400, body = Messages), (status = 404, body = Messages)))]
#[put("/order/basket/dataset/{id}/updateFileFilters")]
pub(super) async fn update_file_filters(
    caller: Authorised<roles::RegisteredUser>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let filter: Option<FileSelectionDescription> = optional_json(&body)?;
    if let Some(f) = &filter {
        validate_filter(f)?;
    }
    let basket = state
        .baskets
        .set_file_filter(&caller.requester(), *id, filter)
        .await?;
    Ok(answer(basket))
}

fn validate_filter(filter: &FileSelectionDescription) -> Result<(), ApiError> {
    if let Some(t) = filter
        .file_types
        .iter()
        .find(|t| !matches!(t.as_str(), "RAWDATA" | "QUICKLOOK"))
    {
        return Err(ApiError::BadRequest(format!(
            "Invalid file type '{t}': expected RAWDATA or QUICKLOOK"
        )));
    }
    if let Some(pattern) = &filter.file_name_pattern {
        regex::Regex::new(&format!("^(?:{pattern})$"))
            .map_err(|e| ApiError::BadRequest(format!("Invalid file name pattern: {e}")))?;
    }
    Ok(())
}

/// A JSON body that may be absent (empty or `null`).
fn optional_json<T: DeserializeOwned>(body: &[u8]) -> Result<Option<T>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let malformed =
        |e: serde_json::Error| ApiError::BadRequest(format!("Malformed JSON request: {e}"));
    match serde_json::from_slice::<serde_json::Value>(body).map_err(malformed)? {
        serde_json::Value::Null => Ok(None),
        value => from_object(value).map(Some).map_err(malformed),
    }
}
