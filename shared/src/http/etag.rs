//! Optimistic concurrency over HTTP: reads return `ETag: "<version>"`; PATCH and DELETE must
//! send it back in `If-Match` (428 without it, 400 when it is not an ETag of ours, 412 when
//! it is stale).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::Problem;

pub fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).expect("digits are a valid header")
}

/// A JSON body with its `ETag`.
pub struct Tagged<T>(pub i64, pub T);

impl<T: Serialize> IntoResponse for Tagged<T> {
    fn into_response(self) -> Response {
        let mut res = axum::Json(self.1).into_response();
        res.headers_mut().insert(header::ETAG, etag(self.0));
        res
    }
}

/// A created resource: 201, its `ETag` and `Location`.
pub struct Created<T>(pub String, pub i64, pub T);

impl<T: Serialize> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        let mut res = (StatusCode::CREATED, axum::Json(self.2)).into_response();
        res.headers_mut().insert(header::ETAG, etag(self.1));
        if let Ok(v) = HeaderValue::from_str(&self.0) {
            res.headers_mut().insert(header::LOCATION, v);
        }
        res
    }
}

pub fn stale() -> Problem {
    Problem::new(
        StatusCode::PRECONDITION_FAILED,
        "stale-version",
        "Precondition failed",
        "The resource changed since it was read; reload it and apply the change again.",
    )
}

/// The version a client expects, from `If-Match`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IfMatch(pub i64);

impl IfMatch {
    /// 412 unless the stored version is the expected one.
    pub fn check(self, current: i64) -> Result<(), Problem> {
        if self.0 == current {
            Ok(())
        } else {
            Err(stale())
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        let value = parts
            .headers
            .get(header::IF_MATCH)
            .map(|v| v.to_str().unwrap_or("\u{fffd}").trim())
            .filter(|v| !v.is_empty());
        let Some(v) = value else {
            return Err(Problem::new(
                StatusCode::PRECONDITION_REQUIRED,
                "precondition-required",
                "Precondition required",
                "Send the resource's ETag in an If-Match header to change it.",
            ));
        };
        let v = v.strip_prefix("W/").unwrap_or(v);
        v.strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .filter(|s| !s.is_empty() && s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse::<i64>().ok())
            .map(IfMatch)
            .ok_or_else(|| {
                Problem::bad_request(
                    "invalid-if-match",
                    "If-Match must be an ETag this API returned, such as \"3\".",
                )
            })
    }
}
