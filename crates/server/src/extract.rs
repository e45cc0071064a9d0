//! Request extractors that turn every malformed input into a JSON error naming the field.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::{AppState, Authed};

/// A JSON body. Syntax errors are 400; a value of the wrong shape, an unknown field or a missing
/// one are 422 naming the field's dotted path; a body over the limit is 413.
pub struct ApiJson<T>(pub T);

fn field_from_serde(path: &str, msg: &str) -> String {
    let base = if path == "." {
        String::new()
    } else {
        path.to_owned()
    };
    // serde reports unknown/missing fields at the parent's path with the name in backticks.
    let named = ["unknown field `", "missing field `"]
        .iter()
        .find_map(|p| msg.split_once(p).and_then(|(_, rest)| rest.split_once('`')))
        .map(|(name, _)| name.to_owned());
    match named {
        // Unknown fields already appear at the end of the path; missing ones do not.
        Some(n) if base.rsplit('.').next() == Some(n.as_str()) => base,
        Some(n) if base.is_empty() => n,
        Some(n) => format!("{base}.{n}"),
        None => base,
    }
}

pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = match serde_path_to_error::deserialize(&mut de) {
        Ok(v) => v,
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                return Err(ApiError::bad_request(format!("malformed JSON: {inner}"))
                    .with_code("malformed_json"));
            }
            let msg = inner.to_string();
            let field = field_from_serde(&path, &msg);
            // Strip serde's " at line 1 column 42" tail: the field name says where.
            let clean = msg.split(" at line ").next().unwrap_or(&msg).to_owned();
            return Err(ApiError::invalid(field, clean));
        }
    };
    de.end().map_err(|e| {
        ApiError::bad_request(format!("malformed JSON: {e}")).with_code("malformed_json")
    })?;
    Ok(value)
}

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("application/json")
            })
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "request body is too large",
                )
            } else {
                ApiError::bad_request(format!("could not read body: {e}"))
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .map(str::to_owned);
        let target = parts.uri.path().to_owned();
        crate::auth::authenticate(state, token.as_deref(), &target).await
    }
}

/// A list's `status` filter: absent or empty is none; otherwise one of `allowed`, else a 400
/// naming the field and the values it takes.
pub(crate) fn status_filter(
    raw: Option<&str>,
    allowed: &[&str],
) -> Result<Option<String>, ApiError> {
    match raw {
        None | Some("") => Ok(None),
        Some(s) if allowed.contains(&s) => Ok(Some(s.to_owned())),
        Some(s) => Err(ApiError::bad_request(format!(
            "unknown status `{s}`; {}",
            allowed.join(" or ")
        ))
        .field("status")),
    }
}

/// A list's page: `limit` within `1..=max` (default `default`), `offset` from 0; a 400 naming
/// the field otherwise.
pub(crate) fn page(
    limit: Option<i64>,
    offset: Option<i64>,
    default: i64,
    max: i64,
) -> Result<(i64, i64), ApiError> {
    let limit = limit.unwrap_or(default);
    if !(1..=max).contains(&limit) {
        return Err(ApiError::bad_request(format!("limit must be from 1 to {max}")).field("limit"));
    }
    let offset = offset.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::bad_request("offset must not be negative").field("offset"));
    }
    Ok((limit, offset))
}

/// Parses a record id from the path, naming the field on failure.
pub fn parse_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| ApiError::bad_request(format!("`{raw}` is not a record id")).field("id"))
}

/// The client's address, when the server was started with connection info (`serve` is).
pub(crate) struct ClientAddr(pub(crate) Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        lon: f64,
    }
    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        location: Inner,
        priority: u8,
    }

    #[test]
    fn names_the_field() {
        let e = parse_json::<Outer>(br#"{"location":{"lon":"x"},"priority":1}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("location.lon"));
        let e =
            parse_json::<Outer>(br#"{"location":{"lon":1},"priority":1,"evil":1}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("evil"));
        let e = parse_json::<Outer>(br#"{"location":{"lon":1,"x":2},"priority":1}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("location.x"));
        let e = parse_json::<Outer>(br#"{"location":{"lon":1}}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("priority"));
        let e = parse_json::<Outer>(br#"{"location":"#).unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        let e =
            parse_json::<Outer>(br#"{"location":{"lon":1},"priority":1} trailing"#).unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
    }
}
