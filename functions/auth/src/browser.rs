//! Sessions in the browser: the refresh token in an `HttpOnly` cookie instead of the body.
//!
//! A request that answers tokens (login, its second step, refresh, password change) and sends
//! `X-Refresh-Cookie: 1` gets the refresh token as the cookie `erp_refresh` (`HttpOnly;
//! Secure; SameSite=Strict; Path=/api/v1/auth`), which JavaScript never reads and the browser
//! sends only to the auth routes, and no `refresh_token` in the body. Refresh and logout then
//! take the token from that cookie, but only with `X-Requested-With: erp`: a page of another
//! site cannot add a custom header without a CORS preflight, which the API does not grant, so
//! a forged cross-site request never rotates or ends a session (CSRF).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use erp_shared::error::Problem;

use crate::sessions::SESSION_TTL_SECS;

pub const COOKIE: &str = "erp_refresh";
/// The header a client sends to get the refresh token as a cookie.
pub const OPT_IN: &str = "x-refresh-cookie";
/// The header (and value) a request that uses the cookie must carry.
pub const CSRF_HEADER: &str = "x-requested-with";
pub const CSRF_VALUE: &str = "erp";

/// What a request says about the refresh cookie.
#[derive(Debug, Default)]
pub struct RefreshCookie {
    /// The client asked for the refresh token as a cookie.
    wanted: bool,
    /// The cookie's token, when the browser sent one.
    token: Option<String>,
    /// The anti-CSRF header is present.
    csrf: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for RefreshCookie {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        let headers = &parts.headers;
        let wanted = headers
            .get(OPT_IN)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| matches!(v.trim(), "1" | "true"));
        let csrf = headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() == CSRF_VALUE);
        let token = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == COOKIE)
            .map(|(_, value)| value.trim().to_string())
            .filter(|v| !v.is_empty());
        Ok(Self {
            wanted,
            token,
            csrf,
        })
    }
}

fn cookie(value: &str, max_age: i64) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; HttpOnly; Secure; SameSite=Strict; Path=/api/v1/auth; Max-Age={max_age}"
    ))
    .expect("refresh tokens are cookie-safe")
}

/// Where a new refresh token goes: into the body, or into a cookie.
pub struct Delivery {
    /// For the body (`None` when it goes in the cookie).
    pub body: Option<String>,
    set_cookie: Option<HeaderValue>,
}

impl Delivery {
    /// The answer with the cookie set, when the token goes in one.
    pub fn respond(self, answer: impl IntoResponse) -> Response {
        let mut res = answer.into_response();
        if let Some(c) = self.set_cookie {
            res.headers_mut().append(header::SET_COOKIE, c);
        }
        res
    }
}

impl RefreshCookie {
    /// Delivers a new refresh token as the client asked (or, for a refresh made with the
    /// cookie, in the cookie again).
    pub fn deliver(&self, token: String) -> Delivery {
        if self.wanted {
            Delivery {
                set_cookie: Some(cookie(&token, SESSION_TTL_SECS)),
                body: None,
            }
        } else {
            Delivery {
                body: Some(token),
                set_cookie: None,
            }
        }
    }

    /// The refresh token a refresh or logout presents: the body's, or else the cookie's
    /// (which needs the anti-CSRF header). A refresh by cookie answers in the cookie.
    pub fn presented(&mut self, body: Option<String>) -> Result<String, Problem> {
        if let Some(t) = body.filter(|t| !t.is_empty()) {
            return Ok(t);
        }
        let Some(token) = self.token.take() else {
            return Err(Problem::unauthenticated(
                "Send the refresh token in the body, or the session cookie.",
            ));
        };
        if !self.csrf {
            return Err(Problem::forbidden(
                "csrf",
                "A request that uses the session cookie must send X-Requested-With: erp.",
            ));
        }
        self.wanted = true;
        Ok(token)
    }

    /// The cookie's refresh token, to recognise the caller's own session (never to use it:
    /// [`RefreshCookie::presented`] is the way to spend it).
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The header that removes the cookie (after logout).
    pub fn clear() -> HeaderValue {
        cookie("", 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    async fn parse(headers: &[(&str, &str)]) -> RefreshCookie {
        let mut req = Request::builder();
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let (mut parts, ()) = req.body(()).unwrap().into_parts();
        RefreshCookie::from_request_parts(&mut parts, &())
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn the_cookie_is_http_only_strict_and_scoped_to_the_auth_routes() {
        let c = parse(&[(OPT_IN, "1")]).await;
        let d = c.deliver("fam.secret".into());
        assert!(d.body.is_none());
        let res = d.respond(());
        let set = res.headers()[header::SET_COOKIE].to_str().unwrap();
        for part in [
            "erp_refresh=fam.secret",
            "HttpOnly",
            "Secure",
            "SameSite=Strict",
            "Path=/api/v1/auth",
        ] {
            assert!(set.contains(part), "{set}");
        }
        // Without the opt-in the token stays in the body, as for other clients.
        let d = parse(&[]).await.deliver("t".into());
        assert_eq!(d.body.as_deref(), Some("t"));
    }

    #[tokio::test]
    async fn the_cookie_counts_only_with_the_anti_csrf_header() {
        let mut forged = parse(&[("cookie", "theme=dark; erp_refresh=fam.secret")]).await;
        assert_eq!(forged.presented(None).unwrap_err().kind, "csrf");
        let mut app = parse(&[
            ("cookie", "theme=dark; erp_refresh=fam.secret"),
            (CSRF_HEADER, CSRF_VALUE),
        ])
        .await;
        assert_eq!(app.presented(None).unwrap(), "fam.secret");
        assert!(
            app.deliver("next".into()).body.is_none(),
            "answers in the cookie"
        );
        let mut body = parse(&[]).await;
        assert_eq!(body.presented(Some("b".into())).unwrap(), "b");
        assert!(parse(&[]).await.presented(None).is_err());
    }
}
