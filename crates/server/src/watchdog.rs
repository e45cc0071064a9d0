//! The clock of the closed loop: every second the server runs the timers registered in the store
//! (`store::timers` — an order not signed for within a minute, a unit not on scene by 1.5 times
//! its predicted travel time, an instruction past its deadline, a critical alert untaken — and
//! each domain's sweeps); and, on test servers, moving the clock.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use zhihui_store::StoreError;

use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::{AppState, Authed};

/// Runs every timer that is due at the server's time: the operations layer's (orders not signed
/// or late, instructions overdue) and every domain's (late checkpoints, late and empty posts),
/// all registered in the store (`store::timers`, the modules' sweeps). Returns how many alerts
/// were new.
pub async fn sweep(state: &AppState) -> Result<usize, StoreError> {
    state.store.run_sweeps(state.now()).await
}

/// Runs [`sweep`] every second for the life of the server. Under a test clock the timers run only
/// when the clock is moved, so a test sees each alert raised by its own step.
pub(crate) fn start(state: AppState) {
    if state.test_clock.is_some() {
        return;
    }
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
        loop {
            every.tick().await;
            if let Err(e) = sweep(&state).await {
                tracing::warn!(error = %e, "timer sweep failed");
            }
        }
    });
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdvanceClock {
    advance_s: f64,
}

/// Test servers only (`serve --test-clock`): move the server's clock forward, then run the timers.
pub async fn advance_clock(
    State(state): State<AppState>,
    auth: Authed,
    ApiJson(req): ApiJson<AdvanceClock>,
) -> ApiResult<Json<Value>> {
    let Some(offset) = state.test_clock.clone() else {
        return Err(ApiError::not_found("no such API endpoint"));
    };
    if !auth.actor.role.may(zhihui_core::Action::Administer) {
        return Err(ApiError::forbidden(
            "only an administrator moves the test clock",
        ));
    }
    if !(req.advance_s.is_finite() && (0.0..=86_400.0 * 7.0).contains(&req.advance_s)) {
        return Err(ApiError::invalid("advance_s", "0 to 604800 seconds"));
    }
    offset.fetch_add(
        (req.advance_s * 1000.0) as i64,
        std::sync::atomic::Ordering::SeqCst,
    );
    let raised = sweep(&state).await?;
    Ok(Json(json!({ "now": state.now(), "alerts_raised": raised })))
}
