//! Passwords, sessions and the authentication of every request.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use base64::Engine;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use zhihui_store::commands::Actor;
use zhihui_store::{projections, AuditDraft, StoreError};

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ClientAddr};
use crate::{blocking, AppState, Authed};

/// How long a session lasts: one long shift.
pub const SESSION_HOURS: i64 = 12;
/// Shortest accepted password.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Whether a new password is acceptable: at least [`MIN_PASSWORD_CHARS`] characters that are not
/// white space (a password of spaces alone, or padded out with them, is refused).
pub fn check_new_password(password: &str) -> Result<(), String> {
    let solid = password.chars().filter(|c| !c.is_whitespace()).count();
    if solid < MIN_PASSWORD_CHARS {
        return Err(format!(
            "password must have at least {MIN_PASSWORD_CHARS} characters other than spaces"
        ));
    }
    Ok(())
}

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Tokens are stored only as this hash, so a copy of the database does not log anyone in.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    username: String,
    password: String,
}

#[derive(Serialize, ToSchema)]
pub struct UserView {
    username: String,
    display_name: String,
    role: zhihui_core::Role,
    org_id: String,
    unit_id: Option<i64>,
    /// What the role may do (`read`, `write_incident`, `manage_unit`, `update_own_unit`,
    /// `plan_operations`, `oversee`, `answer_instruction`, `administer`): the console shows
    /// only these actions; the server checks the same rules on every request.
    capabilities: Vec<&'static str>,
    /// The command centre's time zone (IANA name): every time in the console is shown in it.
    time_zone: String,
}

impl UserView {
    /// The view of `u` on this server (its time zone).
    pub(crate) fn on(u: &projections::UserRecord, state: &AppState) -> Self {
        let mut v = Self::from(u);
        v.time_zone = state.time_zone.name().to_owned();
        v
    }
}

impl From<&projections::UserRecord> for UserView {
    fn from(u: &projections::UserRecord) -> Self {
        Self {
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role,
            org_id: u.org_id.clone(),
            unit_id: u.unit_id,
            capabilities: u.role.capabilities(),
            time_zone: chrono_tz::Asia::Shanghai.name().to_owned(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    token: String,
    expires_at: String,
    user: UserView,
}

pub(crate) async fn audit(
    state: &AppState,
    actor: &str,
    action: &str,
    target: &str,
    outcome: &str,
    detail: serde_json::Value,
) {
    let d = AuditDraft {
        at: state.now(),
        actor: actor.to_owned(),
        action: action.to_owned(),
        target: target.to_owned(),
        outcome: outcome.to_owned(),
        detail,
    };
    if outcome != "ok" {
        crate::refusals::note_audited();
    }
    if let Err(e) = state.store.write(move |tx| tx.audit(d).map(|_| ())).await {
        tracing::error!(error = %e, "could not write audit entry");
    }
}

/// Log in.
#[utoipa::path(post, path = "/api/v1/session", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, description = "wrong username or password"),
        (status = 429, description = "too many failed logins: the account or the address is locked for a while (Retry-After)")))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    let username = req.username.trim().to_owned();
    crate::refusals::note_actor(&username);
    let locked = state
        .throttle
        .lock()
        .ok()
        .and_then(|t| t.check(state.now(), &username, addr));
    if let Some(lock) = locked {
        return Err(throttled(&state, lock));
    }
    let user = {
        let st = state.clone();
        let name = username.clone();
        blocking(move || st.store.read(|c| projections::get_user(c, &name))).await?
    };
    let password = req.password;
    let ok = {
        let phc = user.as_ref().map(|u| u.password_hash.clone());
        tokio::task::spawn_blocking(move || match phc {
            Some(h) => verify_password(&password, &h),
            None => {
                // Spend the same time as a real check so response time does not reveal names.
                let _ = hash_password(&password);
                false
            }
        })
        .await
        .unwrap_or(false)
    };
    let user = match user {
        Some(u) if ok && !u.disabled => u,
        _ => {
            let lock = state
                .throttle
                .lock()
                .ok()
                .and_then(|mut t| t.failed(state.now(), &username, addr));
            audit(
                &state,
                &username,
                "session.create",
                "session",
                "denied",
                serde_json::json!({ "address": addr.map(|a| a.to_string()), "locked": lock.is_some() }),
            )
            .await;
            return Err(ApiError::unauthorized("wrong username or password"));
        }
    };
    if let Ok(mut t) = state.throttle.lock() {
        t.succeeded(&username);
    }
    let mut raw = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut raw);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
    let th = token_hash(&token);
    let now = state.now();
    let expires = now + chrono::Duration::hours(SESSION_HOURS);
    let uname = user.username.clone();
    let th2 = th.clone();
    state
        .store
        .write(move |tx| {
            projections::insert_session(tx.conn(), &th2, &uname, &now, &expires)?;
            tx.audit(AuditDraft {
                at: now,
                actor: uname.clone(),
                action: "session.create".into(),
                target: "session".into(),
                outcome: "ok".into(),
                detail: serde_json::json!({}),
            })?;
            Ok::<_, StoreError>(())
        })
        .await?;
    let view = UserView::on(&user, &state);
    state
        .sessions
        .lock()
        .map(|mut s| s.insert(th, (user, expires)))
        .ok();
    Ok(Json(LoginResponse {
        token,
        expires_at: expires.to_rfc3339(),
        user: view,
    }))
}

/// The answer to a login refused by a lock: 429 with `Retry-After` (the refusal middleware audits
/// it as `throttled`).
fn throttled(state: &AppState, lock: crate::throttle::Lock) -> ApiError {
    let wait = (lock.until() - state.now()).num_seconds().max(1) as u64;
    let what = match lock {
        crate::throttle::Lock::Account(_) => "this account",
        crate::throttle::Lock::Address(_) => "logins from this address",
    };
    let mut e = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "throttled",
        format!("too many failed logins: {what} is locked for {wait} more seconds"),
    );
    e.retry_after_s = Some(wait);
    e
}

/// Log out: the token stops working at once.
#[utoipa::path(delete, path = "/api/v1/session", responses((status = 204)), security(("bearer" = [])))]
pub async fn logout(State(state): State<AppState>, auth: Authed) -> ApiResult<StatusCode> {
    let th = auth.token_hash.clone();
    if let Ok(mut s) = state.sessions.lock() {
        s.remove(&th);
    }
    // Open live feeds of this session close now, not at their next re-check.
    let _ = state.logouts.send(th.clone());
    let now = state.now();
    let actor = auth.actor.username.clone();
    state
        .store
        .write(move |tx| {
            projections::delete_session(tx.conn(), &th)?;
            tx.audit(AuditDraft {
                at: now,
                actor,
                action: "session.delete".into(),
                target: "session".into(),
                outcome: "ok".into(),
                detail: serde_json::json!({}),
            })?;
            Ok::<_, StoreError>(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The logged-in user.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = UserView)), security(("bearer" = [])))]
pub async fn me(State(state): State<AppState>, auth: Authed) -> Json<UserView> {
    Json(UserView::on(&auth.user, &state))
}

/// Resolves a bearer token to its user, auditing every refusal.
pub(crate) async fn authenticate(
    state: &AppState,
    token: Option<&str>,
    target: &str,
) -> Result<Authed, ApiError> {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        audit(
            state,
            "anonymous",
            "request",
            target,
            "unauthenticated",
            serde_json::json!({"reason": "no token"}),
        )
        .await;
        return Err(ApiError::unauthorized(
            "log in first (Authorization: Bearer TOKEN)",
        ));
    };
    authenticate_hash(state, token_hash(token), target).await
}

/// [`authenticate`] for a session known by its token's hash (a redeemed live-feed ticket).
pub(crate) async fn authenticate_hash(
    state: &AppState,
    th: String,
    target: &str,
) -> Result<Authed, ApiError> {
    let now = state.now();
    let cached = state.sessions.lock().ok().and_then(|s| s.get(&th).cloned());
    let found = match cached {
        Some(x) => Some(x),
        None => {
            let st = state.clone();
            let th2 = th.clone();
            let row =
                blocking(move || st.store.read(|c| projections::get_session(c, &th2))).await?;
            if let Some(r) = &row {
                state
                    .sessions
                    .lock()
                    .map(|mut s| s.insert(th.clone(), r.clone()))
                    .ok();
            }
            row
        }
    };
    match found {
        Some((user, expires)) if expires > now && !user.disabled => {
            crate::refusals::note_actor(&user.username);
            Ok(Authed {
                actor: Actor {
                    username: user.username.clone(),
                    role: user.role,
                    org_id: user.org_id.clone(),
                    unit_id: user.unit_id,
                },
                user,
                token_hash: th,
            })
        }
        _ => {
            audit(
                state,
                "anonymous",
                "request",
                target,
                "unauthenticated",
                serde_json::json!({"reason": "unknown or expired token"}),
            )
            .await;
            Err(ApiError::unauthorized(
                "session expired or unknown; log in again",
            ))
        }
    }
}

/// Whether a session is still good (not logged out, not expired): long-lived live feeds re-check.
pub(crate) async fn still_valid(state: &AppState, token_hash: &str) -> bool {
    let now = state.now();
    if let Some((_, exp)) = state
        .sessions
        .lock()
        .ok()
        .and_then(|s| s.get(token_hash).cloned())
    {
        return exp > now;
    }
    let st = state.clone();
    let th = token_hash.to_owned();
    matches!(
        blocking(move || st.store.read(|c| projections::get_session(c, &th))).await,
        Ok(Some((u, exp))) if exp > now && !u.disabled
    )
}
