//! The web app on the local server: the files `vite build` writes to `web/dist`, served at
//! `/` on the same origin as the API, as CloudFront serves them on AWS (`template.yaml`).
//!
//! - `/api/…` and `/healthz` are the API's, whatever the web folder holds.
//! - A file of the build (`/assets/index-3f2a.js`) is served with its type; the hashed
//!   `/assets/` files are cached for a year, everything else is revalidated.
//! - Any other `GET` of a path without a file extension (`/customers/123`) is a deep link:
//!   it answers `index.html`, and the app's router shows the page. A missing file with an
//!   extension is a 404, so a stale chunk fails visibly instead of parsing HTML as script.
//! - Only `GET` and `HEAD` reach the files; other methods are a 405 with `Allow`.
//! - A text file is sent as its `.br` or `.gz` copy (written by `vite build`) to a client
//!   that accepts that encoding.
//! - Every answer carries the security headers of [`SECURITY_HEADERS`], the same ones
//!   CloudFront's response headers policy adds.

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower::ServiceExt;

/// The app's Content-Security-Policy: scripts, styles and connections from the app's own
/// origin only (no inline scripts), images also from `data:` and `blob:` (the logo
/// preview), no plugins, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
style-src 'self'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; \
frame-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; \
frame-ancestors 'none'";

/// The headers every answer of the app carries (and CloudFront adds on AWS).
pub const SECURITY_HEADERS: [(&str, &str); 6] = [
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    (
        "strict-transport-security",
        "max-age=63072000; includeSubDomains",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    ("x-frame-options", "DENY"),
    (
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=()",
    ),
];

/// The folder of the built app, when it holds an `index.html`.
pub fn built_app(dir: &Path) -> Option<PathBuf> {
    dir.join("index.html").is_file().then(|| dir.to_path_buf())
}

#[derive(Clone)]
struct Front {
    api: Router,
    dir: Arc<PathBuf>,
}

/// The API and the app behind one router: paths under `/api/` and `/healthz` go to `api`
/// untouched (its access control, problems and 404s included), the rest to the app's files.
pub fn with_app(api: Router, dir: PathBuf) -> Router {
    Router::new().fallback(front).with_state(Front {
        api,
        dir: Arc::new(dir),
    })
}

fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/") || path == "/healthz"
}

async fn front(State(front): State<Front>, req: Request) -> Response {
    if is_api(req.uri().path()) {
        return match front.api.oneshot(req).await {
            Ok(res) => res,
            Err(never) => match never {},
        };
    }
    let accepts = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let encodings = Encodings {
        br: accepts_encoding(accepts, "br"),
        gzip: accepts_encoding(accepts, "gzip"),
    };
    let mut res = serve_file(&front.dir, req.method(), req.uri().path(), encodings).await;
    for (name, value) in SECURITY_HEADERS {
        res.headers_mut()
            .insert(name, HeaderValue::from_static(value));
    }
    res
}

/// The file a path names inside the build, if the path is a plain one: segments of
/// letters, digits, `.`, `-` and `_`, none starting with a dot (no `..`, no hidden files,
/// no encoded characters).
fn file_in(dir: &Path, path: &str) -> Option<PathBuf> {
    let mut file = dir.to_path_buf();
    for segment in path.trim_start_matches('/').split('/') {
        let plain = !segment.is_empty()
            && !segment.starts_with('.')
            && segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
        if !plain {
            return None;
        }
        file.push(segment);
    }
    Some(file)
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The compressed copies of the build a request accepts (`vite build` writes `.br` and `.gz`
/// next to each text file).
#[derive(Clone, Copy, Default)]
struct Encodings {
    br: bool,
    gzip: bool,
}

/// Whether `Accept-Encoding` accepts `coding` (listed without `q=0`).
fn accepts_encoding(header: &str, coding: &str) -> bool {
    header.split(',').any(|part| {
        let mut it = part.split(';');
        let name = it.next().unwrap_or("").trim();
        let refused = it.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q == 0.0)
        });
        name.eq_ignore_ascii_case(coding) && !refused
    })
}

/// The file to send for `file`: its brotli or gzip copy when the client accepts one and the
/// build has it, with the `Content-Encoding` to send.
async fn encoded(file: &Path, accepts: Encodings) -> (PathBuf, Option<&'static str>) {
    for (wanted, ext, coding) in [(accepts.br, "br", "br"), (accepts.gzip, "gz", "gzip")] {
        if !wanted {
            continue;
        }
        let mut name = file.as_os_str().to_owned();
        name.push(".");
        name.push(ext);
        let candidate = PathBuf::from(name);
        if tokio::fs::metadata(&candidate)
            .await
            .is_ok_and(|m| m.is_file())
        {
            return (candidate, Some(coding));
        }
    }
    (file.to_path_buf(), None)
}

fn has_extension(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.'))
}

async fn serve_file(dir: &Path, method: &Method, path: &str, accepts: Encodings) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let mut res = StatusCode::METHOD_NOT_ALLOWED.into_response();
        res.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return res;
    }
    let named = if path == "/" {
        None
    } else {
        file_in(dir, path)
    };
    let (file, immutable) = match named {
        Some(f) if f.is_file() => {
            let hashed = path.starts_with("/assets/");
            (f, hashed)
        }
        _ if path == "/" || !has_extension(path) => (dir.join("index.html"), false),
        _ => return not_found(),
    };
    let (sent, encoding) = encoded(&file, accepts).await;
    let Ok(bytes) = tokio::fs::read(&sent).await else {
        return not_found();
    };
    let cache = if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let len = bytes.len();
    let body = if method == Method::HEAD {
        Body::empty()
    } else {
        Body::from(bytes)
    };
    let mut res = (
        [
            (header::CONTENT_TYPE, content_type(&file)),
            (header::CACHE_CONTROL, cache),
            (header::CONTENT_LENGTH, &len.to_string()),
            (header::VARY, "accept-encoding"),
        ],
        body,
    )
        .into_response();
    if let Some(coding) = encoding {
        res.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    res
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "Not found",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_paths_name_files() {
        let dir = Path::new("/srv/app");
        assert_eq!(
            file_in(dir, "/assets/index-3f2a.js"),
            Some(PathBuf::from("/srv/app/assets/index-3f2a.js"))
        );
        for hostile in [
            "/../secrets.json",
            "/assets/../../etc/passwd",
            "/.env",
            "/assets/%2e%2e/x.js",
            "/assets//x.js",
            "/a\\b.js",
        ] {
            assert_eq!(file_in(dir, hostile), None, "{hostile}");
        }
    }

    #[test]
    fn accepted_encodings_are_read_from_the_header() {
        assert!(accepts_encoding("gzip, deflate, br, zstd", "br"));
        assert!(accepts_encoding("gzip;q=1.0, br;q=0.8", "br"));
        assert!(!accepts_encoding("gzip, br;q=0", "br"));
        assert!(!accepts_encoding("identity", "gzip"));
        assert!(!accepts_encoding("", "gzip"));
    }

    #[test]
    fn deep_links_have_no_extension() {
        assert!(!has_extension("/customers/019a-7f"));
        assert!(has_extension("/assets/app.js"));
        assert!(!has_extension("/v1.2/customers"));
    }
}
