use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use zhihui_store::StoreError;

/// The body of every error answer (for the OpenAPI document).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// See [`ErrorBody`].
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code: `bad_request`, `invalid`, `unauthorized`, `forbidden`,
    /// `not_found`, `conflict`, `too_large`, `unsupported_media_type`, `throttled`, `internal`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    /// The offending field, dotted, when one is to blame.
    pub field: Option<String>,
}

/// An API failure, rendered as `{"error": {"code", "message", "field"}}`.
#[derive(Debug, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code.
    pub code: &'static str,
    /// Human-readable explanation.
    pub message: String,
    /// The offending field, dotted, when one is to blame.
    pub field: Option<String>,
    /// Seconds until a refused request may be tried again (`Retry-After`).
    pub retry_after_s: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
            retry_after_s: None,
        }
    }
    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }
    pub fn field(mut self, f: impl Into<String>) -> Self {
        self.field = Some(f.into());
        self
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message).field(field)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Domain(d) => {
                let field = d.field().map(str::to_owned);
                let status = match (&d, field.as_deref()) {
                    (zhihui_core::DomainError::Transition { .. }, _)
                    | (zhihui_core::DomainError::Conflict(_), _)
                    | (_, Some("version")) => StatusCode::CONFLICT,
                    _ => StatusCode::UNPROCESSABLE_ENTITY,
                };
                let code = if status == StatusCode::CONFLICT {
                    "conflict"
                } else {
                    "invalid"
                };
                let mut err = ApiError::new(status, code, d.to_string());
                err.field = field;
                err
            }
            StoreError::NotFound(what) => ApiError::not_found(format!("{what} not found")),
            StoreError::Denied(why) => ApiError::forbidden(why),
            StoreError::Conflict { field, message } => {
                ApiError::new(StatusCode::CONFLICT, "conflict", message).field(field)
            }
            StoreError::NoRoadNetwork(why) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "no_road_network", why)
            }
            StoreError::AtField { field, error } => {
                // A refusal names the field that caused it; a field the error names itself
                // is more precise and stays.
                let denied = matches!(*error, StoreError::Denied(_));
                let mut err = ApiError::from(*error);
                if denied || err.field.is_none() {
                    err.field = Some(field);
                }
                err
            }
            StoreError::Planner(why) => {
                tracing::error!(error = %why, "planner failure");
                ApiError::internal("the planner failed")
            }
            other => {
                tracing::error!(error = %other, "store failure");
                ApiError::internal("storage failure; the change was not saved")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body =
            json!({ "error": { "code": self.code, "message": self.message, "field": self.field } });
        let mut resp = (self.status, axum::Json(body)).into_response();
        if let Some(s) = self.retry_after_s {
            resp.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, s.into());
        }
        if self.status.is_client_error() {
            // For the refusal audit, which sees only the response.
            resp.extensions_mut()
                .insert(crate::refusals::Reason(self.message));
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
