//! Every refusal audited, by one mechanism: a middleware around the whole API writes an audit
//! row for every 401, 403 and 429 answer that its handler did not already audit, so an endpoint
//! added later cannot forget it.
//!
//! Handlers still say what was refused ([`note_action`], through `api::audit_refusal`) and the
//! authentication extractor says who asked ([`note_actor`]); both only annotate the request's
//! record here. The row is written once the response is known, before it is sent: a client that
//! has its 403 can rely on the audit entry being durable.

use std::sync::{Arc, Mutex};

use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use serde_json::json;

use crate::AppState;

/// What the request's handlers told about it.
#[derive(Default)]
struct Note {
    actor: Option<String>,
    action: Option<String>,
    target: Option<String>,
    /// A refusal was already written (e.g. by the authentication step).
    audited: bool,
}

tokio::task_local! {
    static NOTE: Arc<Mutex<Note>>;
}

fn with(f: impl FnOnce(&mut Note)) {
    let _ = NOTE.try_with(|n| {
        if let Ok(mut n) = n.lock() {
            f(&mut n);
        }
    });
}

/// Whether the current task serves an API request (and so the middleware will audit refusals).
pub(crate) fn in_request() -> bool {
    NOTE.try_with(|_| ()).is_ok()
}

/// The authenticated user of this request.
pub(crate) fn note_actor(username: &str) {
    with(|n| n.actor = Some(username.to_owned()));
}

/// The action and record a refusal concerns (`incident.read`, `incident:17`).
pub(crate) fn note_action(action: &str, target: &str) {
    with(|n| {
        n.action = Some(action.to_owned());
        n.target = Some(target.to_owned());
    });
}

/// A refusal of this request is already in the audit log.
pub(crate) fn note_audited() {
    with(|n| n.audited = true);
}

/// The refusal's reason, carried from the error to the middleware.
#[derive(Clone)]
pub(crate) struct Reason(pub(crate) String);

/// The middleware.
pub(crate) async fn audit_refusals(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let note = Arc::new(Mutex::new(Note::default()));
    let resp = NOTE.scope(note.clone(), next.run(req)).await;
    let status = resp.status();
    let outcome = match status {
        StatusCode::UNAUTHORIZED => "unauthenticated",
        StatusCode::FORBIDDEN => "denied",
        StatusCode::TOO_MANY_REQUESTS => "throttled",
        _ => return resp,
    };
    let (actor, action, target, audited) = match note.lock() {
        Ok(mut n) => (n.actor.take(), n.action.take(), n.target.take(), n.audited),
        Err(_) => (None, None, None, false),
    };
    if audited {
        return resp;
    }
    let reason = resp
        .extensions()
        .get::<Reason>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let action = action
        .unwrap_or_else(|| format!("{} {}", method, route.as_deref().unwrap_or(path.as_str())));
    crate::auth::audit(
        &state,
        actor.as_deref().unwrap_or("anonymous"),
        &action,
        target.as_deref().unwrap_or(path.as_str()),
        outcome,
        json!({ "status": status.as_u16(), "reason": reason, "method": method.as_str(), "path": path }),
    )
    .await;
    resp
}
