//! The route table. A route can only be added with the [`Access`] it requires, so no route
//! exists without a declared permission; the router checks it before the handler runs.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::handler::Handler;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};

use super::extract::{ClientIp, RequestId};
use crate::auth::{Access, Principal};
use crate::error::Problem;
use crate::state::AppState;

/// One route: what `template.yaml` must declare and what the router enforces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

#[derive(Default)]
pub struct ApiRouter {
    paths: BTreeMap<&'static str, MethodRouter<AppState>>,
    specs: Vec<RouteSpec>,
}

impl ApiRouter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a route. `path` is the full public path, e.g. `/api/v1/users/{id}`.
    pub fn route<H, T>(
        mut self,
        method: Method,
        path: &'static str,
        access: Access,
        handler: H,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        assert!(
            !self
                .specs
                .iter()
                .any(|s| s.method == method && s.path == path),
            "route {method} {path} declared twice"
        );
        let filter = MethodFilter::try_from(method.clone()).expect("supported method");
        let method_router = on(filter, handler);
        let merged = match self.paths.remove(path) {
            Some(existing) => existing.merge(method_router),
            None => method_router,
        };
        self.paths.insert(path, merged);
        self.specs.push(RouteSpec {
            method,
            path,
            access,
        });
        self
    }

    pub fn merge(mut self, other: ApiRouter) -> Self {
        for (path, mr) in other.paths {
            let merged = match self.paths.remove(path) {
                Some(existing) => existing.merge(mr),
                None => mr,
            };
            self.paths.insert(path, merged);
        }
        for spec in other.specs {
            assert!(
                !self
                    .specs
                    .iter()
                    .any(|s| s.method == spec.method && s.path == spec.path),
                "route {} {} declared twice",
                spec.method,
                spec.path
            );
            self.specs.push(spec);
        }
        self
    }

    pub fn specs(&self) -> &[RouteSpec] {
        &self.specs
    }

    /// The finished router: access control, body limit, request ids and access logs,
    /// problem+json for unknown routes and methods.
    pub fn into_router(self, state: AppState) -> Router {
        let mut table: HashMap<&'static str, Vec<(Method, Access)>> = HashMap::new();
        for s in &self.specs {
            table
                .entry(s.path)
                .or_default()
                .push((s.method.clone(), s.access));
        }
        let access: AccessTable = Arc::new(table);
        let mut router = Router::new();
        for (path, mr) in self.paths {
            router = router.route(path, mr);
        }
        router
            .route_layer(middleware::from_fn_with_state(
                (state.clone(), access),
                authorize,
            ))
            .fallback(|| async { Problem::not_found("This route") })
            .method_not_allowed_fallback(|| async { method_not_allowed(None) })
            .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
            .layer(middleware::from_fn_with_state(
                state.config.origin_verify.clone().map(Arc::<str>::from),
                request_context,
            ))
            .with_state(state)
    }
}

/// Declared methods and their access, by route path.
type AccessTable = Arc<HashMap<&'static str, Vec<(Method, Access)>>>;

fn method_not_allowed(allow: Option<String>) -> Response {
    let mut res = Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "Method not allowed",
        "This route does not accept that method.",
    )
    .into_response();
    if let Some(v) = allow.and_then(|a| HeaderValue::from_str(&a).ok()) {
        res.headers_mut().insert(header::ALLOW, v);
    }
    res
}

/// The access a request needs: what its route declares for its method, `HEAD` needing what
/// `GET` needs. `None` when the route does not declare the method: the request is refused
/// before any handler sees it (fail closed).
fn required_access(declared: &[(Method, Access)], method: &Method) -> Option<Access> {
    let wanted = if method == Method::HEAD {
        &Method::GET
    } else {
        method
    };
    declared.iter().find(|(m, _)| m == wanted).map(|(_, a)| *a)
}

/// The `Allow` header of a route: its declared methods, plus `HEAD` where `GET` is declared.
fn allow_header(declared: &[(Method, Access)]) -> String {
    let mut methods: Vec<&str> = declared.iter().map(|(m, _)| m.as_str()).collect();
    if methods.contains(&"GET") {
        methods.push("HEAD");
    }
    methods.join(", ")
}

async fn authorize(
    State((state, table)): State<(AppState, AccessTable)>,
    matched: Option<MatchedPath>,
    mut req: Request,
    next: Next,
) -> Response {
    // Only matched routes reach this layer; anything else is refused, never passed on.
    let Some(declared) = matched.as_ref().and_then(|p| table.get(p.as_str())) else {
        return Problem::not_found("This route").into_response();
    };
    let Some(access) = required_access(declared, req.method()) else {
        return method_not_allowed(Some(allow_header(declared)));
    };
    if access == Access::Public {
        return next.run(req).await;
    }
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        return Problem::unauthenticated("A valid access token is required.").into_response();
    };
    let mut principal: Principal = match state.tokens.verify(token).await {
        Ok(p) => p,
        Err(crate::auth::token::TokenError::Invalid) => {
            return Problem::unauthenticated("The access token is invalid or has expired.")
                .into_response();
        }
        Err(e) => return Problem::internal(e).into_response(),
    };
    if let Access::Permission(p) = access {
        if p.checked_against_current_state() {
            // The token's role may be up to 15 minutes old: for these permissions the
            // account's current status and role decide (one read).
            match crate::accounts::get_user(&state.store, &principal.user_id).await {
                Ok(Some(u)) if u.status == crate::domain::UserStatus::Active => {
                    if let Some(role) = u.role {
                        principal.role = role;
                    }
                }
                Ok(_) => {
                    return Problem::unauthenticated("The account is no longer active.")
                        .into_response();
                }
                Err(e) => return Problem::from(e).into_response(),
            }
        }
        if !principal.role.can(p) {
            return Problem::forbidden(
                "forbidden",
                format!(
                    "Your role ({}) does not have the {} permission.",
                    principal.role.as_str(),
                    p.as_str()
                ),
            )
            .into_response();
        }
    }
    tracing::Span::current().record("user_id", principal.user_id.as_str());
    req.extensions_mut().insert(principal);
    next.run(req).await
}

fn valid_request_id(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 64
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The viewer's address CloudFront names (`CloudFront-Viewer-Address: 203.0.113.7:46532`,
/// `2001:db8::1:46532`), only on a request that carries the `X-Origin-Verify` value CloudFront
/// is configured with. Anyone can send the headers straight to the API's own address; without
/// the value they are ignored and the connection's address counts.
fn viewer_address(req: &Request, origin_verify: Option<&str>) -> Option<String> {
    let expected = origin_verify?;
    let presented = req.headers().get("x-origin-verify")?.as_bytes();
    if !crate::auth::totp::constant_time_eq(presented, expected.as_bytes()) {
        return None;
    }
    let viewer = req
        .headers()
        .get("cloudfront-viewer-address")?
        .to_str()
        .ok()?;
    let (ip, port) = viewer.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    ip.parse::<std::net::IpAddr>().ok().map(|ip| ip.to_string())
}

async fn request_context(
    State(origin_verify): State<Option<Arc<str>>>,
    mut req: Request,
    next: Next,
) -> Response {
    let (gateway_id, gateway_ip) = gateway_context(&req);
    let gateway_ip = viewer_address(&req, origin_verify.as_deref()).or(gateway_ip);
    let id = gateway_id
        .or_else(|| {
            req.headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .filter(|v| valid_request_id(v))
                .map(str::to_string)
        })
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let ip = gateway_ip.or_else(|| {
        req.extensions()
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip().to_string())
    });
    req.extensions_mut().insert(RequestId(id.clone()));
    req.extensions_mut().insert(ClientIp(ip));
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| req.uri().path().to_string());
    let span = tracing::info_span!("request", request_id = %id, user_id = tracing::field::Empty);
    let started = Instant::now();
    let mut res = tracing::Instrument::instrument(next.run(req), span.clone()).await;
    span.in_scope(|| {
        tracing::info!(
            method = %method,
            path = %route,
            status = res.status().as_u16(),
            latency_ms = started.elapsed().as_secs_f64() * 1000.0,
            "request"
        )
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    // Answers carry tokens and personal data: no cache keeps them unless a handler says
    // otherwise (e.g. the company logo).
    res.headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    res
}

/// Request id and source IP from API Gateway's request context, when on Lambda.
fn gateway_context(req: &Request) -> (Option<String>, Option<String>) {
    use lambda_http::request::RequestContext;
    match req.extensions().get::<RequestContext>() {
        Some(RequestContext::ApiGatewayV2(ctx)) => {
            (ctx.request_id.clone(), ctx.http.source_ip.clone())
        }
        _ => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(headers: &[(&str, &str)]) -> Request {
        let mut b = Request::builder().uri("/api/v1/auth/login");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(axum::body::Body::empty()).unwrap()
    }

    #[test]
    fn only_cloudfront_names_the_viewers_address() {
        let secret = Some("s3cr3t-origin-value");
        let via_cloudfront = |viewer: &str| {
            request(&[
                ("x-origin-verify", "s3cr3t-origin-value"),
                ("cloudfront-viewer-address", viewer),
            ])
        };
        assert_eq!(
            viewer_address(&via_cloudfront("203.0.113.7:46532"), secret).as_deref(),
            Some("203.0.113.7")
        );
        assert_eq!(
            viewer_address(&via_cloudfront("2001:db8::1:443"), secret).as_deref(),
            Some("2001:db8::1")
        );
        // Malformed addresses are ignored.
        for bad in ["203.0.113.7", "not-an-ip:80", "203.0.113.7:port", ""] {
            assert_eq!(viewer_address(&via_cloudfront(bad), secret), None, "{bad}");
        }
        // Straight to the API: a wrong, missing or unconfigured value names nothing.
        let forged = request(&[
            ("x-origin-verify", "guess"),
            ("cloudfront-viewer-address", "198.51.100.1:1"),
        ]);
        assert_eq!(viewer_address(&forged, secret), None);
        let bare = request(&[("cloudfront-viewer-address", "198.51.100.1:1")]);
        assert_eq!(viewer_address(&bare, secret), None);
        assert_eq!(viewer_address(&via_cloudfront("203.0.113.7:1"), None), None);
    }
}
