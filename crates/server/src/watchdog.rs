//! Timers of the closed loop: a dispatch order not signed for within a minute, or a unit not on
//! scene by 1.5 times its predicted travel time, raises an alert for the dispatcher, once; an
//! instruction past its deadline escalates once to the late recipients' superiors.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use zhihui_core::AssignmentStatus;
use zhihui_store::projections;
use zhihui_store::{commands, StoreError};

use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::{blocking, AppState, Authed};

/// An order must be signed for within this many seconds.
pub const SIGN_WITHIN_S: f64 = 60.0;
/// A unit is late when not on scene by this multiple of its predicted travel time.
pub const LATE_FACTOR: f64 = 1.5;

struct Due {
    kind: &'static str,
    subject: String,
    org_id: String,
    message: String,
    data: Value,
}

/// Checks every open order against the clock and raises what is due. Returns how many alerts
/// were new.
pub async fn sweep(state: &AppState) -> Result<usize, StoreError> {
    let now = state.now();
    // The domains' own timers (checkpoints late, event posts late or empty), as they registered.
    let event_alerts = state.store.run_sweeps(now).await?;
    let st = state.clone();
    let open = tokio::task::spawn_blocking(move || {
        st.store.read(|c| {
            let mut v = Vec::new();
            for a in projections::open_assignments(c)? {
                if let Some(inc) = projections::get_incident(c, a.incident_id)? {
                    v.push((a, inc.org_id));
                }
            }
            Ok(v)
        })
    })
    .await
    .map_err(|_| StoreError::Closed)??;
    let mut due = Vec::new();
    for (a, org_id) in open {
        let waited = (now - a.assigned_at).num_milliseconds() as f64 / 1000.0;
        if a.status == AssignmentStatus::Assigned && waited >= SIGN_WITHIN_S {
            due.push(Due {
                kind: "unsigned",
                subject: format!("assignment:{}", a.id),
                org_id: org_id.clone(),
                message: format!("{} 派警单 {} 秒未签收", a.call_sign, SIGN_WITHIN_S as i64),
                data: json!({
                    "assignment_id": a.id, "incident_id": a.incident_id, "unit_id": a.unit_id,
                    "call_sign": a.call_sign, "seconds": SIGN_WITHIN_S as i64,
                }),
            });
        }
        if let Some(eta) = a.eta_s {
            if a.status < AssignmentStatus::OnScene && waited > LATE_FACTOR * eta.max(1.0) {
                due.push(Due {
                    kind: "late_arrival",
                    subject: format!("assignment:{}", a.id),
                    org_id,
                    message: format!(
                        "{} 超过预计到达时间 {:.0} 秒的 1.5 倍仍未到场",
                        a.call_sign, eta
                    ),
                    data: json!({
                        "assignment_id": a.id, "incident_id": a.incident_id, "unit_id": a.unit_id,
                        "call_sign": a.call_sign, "eta_s": eta,
                    }),
                });
            }
        }
    }
    let st = state.clone();
    let overdue = tokio::task::spawn_blocking(move || {
        st.store
            .read(|c| projections::overdue_instructions(c, &now))
    })
    .await
    .map_err(|_| StoreError::Closed)??;
    if due.is_empty() && overdue.is_empty() {
        return Ok(event_alerts);
    }
    let orgs = state.orgs();
    state
        .store
        .write(move |tx| {
            let mut n = event_alerts;
            for ins in overdue {
                n += commands::escalate_instruction(tx, &orgs, ins.id, now)?;
            }
            for d in due {
                if commands::raise_alert(
                    tx, d.kind, &d.subject, &d.org_id, &d.message, d.data, now,
                )?
                .is_some()
                {
                    n += 1;
                }
            }
            Ok::<_, StoreError>(n)
        })
        .await
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

/// Recent alerts in the caller's jurisdiction, newest first.
#[utoipa::path(get, path = "/api/v1/alerts", responses((status = 200, description = "{items: [alert]}")), security(("bearer" = [])))]
pub async fn list(State(state): State<AppState>, auth: Authed) -> ApiResult<Json<Value>> {
    let orgs = state.orgs().subtree_ids(&auth.actor.org_id);
    let st = state.clone();
    let items =
        blocking(move || st.store.read(|c| projections::recent_alerts(c, &orgs, 200))).await?;
    Ok(Json(json!({ "items": items })))
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
