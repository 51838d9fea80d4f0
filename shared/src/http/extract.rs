//! Extractors whose rejections are problem+json, and per-request context.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::auth::Principal;
use crate::error::{FieldError, Problem};

/// JSON body extractor (and responder) that turns every rejection into problem+json.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        // Every body of this API is an object: read it as JSON first, so that an array or a
        // scalar is refused even where every field is optional (serde would take `[]`).
        let value = match axum::Json::<serde_json::Value>::from_request(req, state).await {
            Ok(axum::Json(v)) => v,
            Err(rejection) => return Err(json_problem(&rejection)),
        };
        if !value.is_object() {
            return Err(Problem::field("body", "must be a JSON object"));
        }
        serde_json::from_value(value)
            .map(Json)
            .map_err(|e| data_problem(&e.to_string()))
    }
}

/// A body that is JSON but not what the route takes: the field serde names, or `body`.
fn data_problem(message: &str) -> Problem {
    let field = message
        .split('`')
        .nth(1)
        .filter(|_| message.starts_with("missing field") || message.starts_with("unknown field"))
        .unwrap_or("body")
        .to_string();
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or_default()
        .to_string();
    Problem::validation(vec![FieldError { field, message }])
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

fn json_problem(rejection: &JsonRejection) -> Problem {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            "The request body must be JSON with Content-Type: application/json.",
        ),
        JsonRejection::JsonSyntaxError(_) => {
            Problem::bad_request("malformed-json", "The request body is not valid JSON.")
        }
        JsonRejection::JsonDataError(e) => {
            // serde's message describes the client's input (e.g. "missing field `email`").
            let text = e.body_text();
            data_problem(
                text.rsplit_once(": ")
                    .map(|(_, m)| m)
                    .unwrap_or("invalid value"),
            )
        }
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
            "Payload too large",
            "The request body is larger than this API accepts.",
        ),
        _ => Problem::bad_request("unreadable-body", "The request body could not be read."),
    }
}

/// Query-string extractor answering problem+json.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => {
                let text = e.body_text();
                let message = text
                    .rsplit_once(": ")
                    .map(|(_, m)| m)
                    .unwrap_or("invalid query")
                    .to_string();
                Err(Problem::bad_request(
                    "invalid-query",
                    format!("Invalid query string: {message}."),
                ))
            }
            Err(_) => Err(Problem::bad_request(
                "invalid-query",
                "Invalid query string.",
            )),
        }
    }
}

/// Path-parameter extractor answering problem+json.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(PathRejection::FailedToDeserializePathParams(_)) => Err(Problem::bad_request(
                "invalid-path",
                "A path parameter is malformed.",
            )),
            Err(e) => Err(Problem::internal(e)),
        }
    }
}

/// The request id: API Gateway's when on Lambda, else the caller's `x-request-id` if sane,
/// else a new one. Set by the router's middleware, logged with every line, echoed in the
/// `x-request-id` response header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestId(pub String);

/// The caller's IP address as API Gateway or the local socket saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientIp(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        Ok(parts
            .extensions
            .get::<RequestId>()
            .cloned()
            .unwrap_or_else(|| RequestId(uuid::Uuid::new_v4().to_string())))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        Ok(parts
            .extensions
            .get::<ClientIp>()
            .cloned()
            .unwrap_or(ClientIp(None)))
    }
}

/// Handlers take a `Principal` to get the authenticated caller (the router has already
/// checked the route's permission).
impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .ok_or_else(|| Problem::unauthenticated("A valid access token is required."))
    }
}

/// A JSON body that may be left out entirely (an empty or blank body means the defaults).
pub fn optional_json<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, Problem> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(Problem::field("body", "must be a JSON object"));
    }
    serde_json::from_slice(body).map_err(|e| {
        Problem::field(
            "body",
            e.to_string()
                .split(" at line ")
                .next()
                .unwrap_or_default()
                .to_string(),
        )
    })
}
