//! JSON bodies whose structures are objects: serde's derive also reads a structure from an
//! array of its fields in order, which Gson, and so the original, refuses with a 400.

use crate::http::ApiError;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures::future::LocalBoxFuture;
use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer, Error};
use serde_json::Value;

/// A JSON body read as `T`, refused (400) unless it is an object.
#[derive(Debug)]
pub struct JsonObject<T>(pub T);

impl<T> JsonObject<T> {
    /// The body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for JsonObject<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonObject<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // Size limit and unreadable JSON are answered as for any JSON body (`json_config`).
        let json = web::Json::<Value>::from_request(req, payload);
        Box::pin(async move {
            let value = json.await?.into_inner();
            let body = from_object(value)
                .map_err(|e| ApiError::BadRequest(format!("Malformed JSON request: {e}")))?;
            Ok(JsonObject(body))
        })
    }
}

/// `value` as a `T`, if it is an object.
pub fn from_object<T: DeserializeOwned>(value: Value) -> Result<T, serde_json::Error> {
    if !value.is_object() {
        return Err(serde_json::Error::custom(format!(
            "expected an object, got {}",
            kind(&value)
        )));
    }
    serde_json::from_value(value)
}

/// For an optional structure inside a body:
/// `#[serde(default, deserialize_with = "crate::http::optional_object")]`.
pub fn optional_object<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        value => from_object(value).map(Some).map_err(D::Error::custom),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Inner {
        a: Option<i32>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Outer {
        #[serde(default, deserialize_with = "optional_object")]
        inner: Option<Inner>,
    }

    #[test]
    fn structures_are_read_from_objects_only() {
        let ok: Outer = from_object(json!({"inner": {"a": 1}})).unwrap();
        assert_eq!(ok.inner, Some(Inner { a: Some(1) }));
        let absent: Outer = from_object(json!({"inner": null})).unwrap();
        assert_eq!(absent.inner, None);
        assert!(from_object::<Outer>(json!([null])).is_err());
        let nested = from_object::<Outer>(json!({"inner": [1]})).unwrap_err();
        assert!(
            nested
                .to_string()
                .contains("expected an object, got an array")
        );
    }
}
