//! The console's static files, embedded in the binary at build time (from `web/dist`), so the
//! server is one file with nothing to fetch at run time.

use axum::http::{header, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};

#[derive(rust_embed::Embed)]
#[folder = "../../web/dist"]
#[allow_missing = true]
struct Console;

const NOT_BUILT: &str = "<!doctype html><meta charset=utf-8><title>Zhihui</title>\
<body style=\"font-family:sans-serif;background:#111;color:#ddd;padding:2em\">\
<h1>智慧指挥平台 · Zhihui</h1><p>The web console was not built into this binary. \
Run <code>npm --prefix web ci &amp;&amp; npm --prefix web run build</code>, then rebuild.</p>\
<p>The API is up: <a style=color:#8cf href=/api/v1/openapi.json>/api/v1/openapi.json</a></p>";

pub async fn serve(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    if let Some(file) = Console::get(path).filter(|_| !path.is_empty()) {
        let mime = mime_guess::from_path(path).first_or_octet_stream();
        // Vite names assets by content hash, so they can be cached for good.
        let cache = if path.starts_with("assets/") {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        return (
            [
                (header::CONTENT_TYPE, mime.as_ref().to_owned()),
                (header::CACHE_CONTROL, cache.to_owned()),
            ],
            file.data,
        )
            .into_response();
    }
    // Client-side routes (/, /m, …) all load the single page.
    match Console::get("index.html") {
        Some(index) => ([(header::CACHE_CONTROL, "no-cache")], Html(index.data)).into_response(),
        None => (StatusCode::OK, Html(NOT_BUILT)).into_response(),
    }
}
