//! The daily bulletin (当天通报) of an organisation: instructions issued, signed in time, overdue and
//! closed; incidents by type; call-to-dispatch and dispatch-to-arrival times. As JSON for the
//! console and as an XLSX workbook to send on.
//!
//! A day is the command center's local calendar day, China Standard Time (UTC+8, no daylight
//! saving). Definitions:
//! - instructions: those issued on the day that concern the organisation (issued within it, or
//!   addressed to a recipient within it). `signed_in_time` / `overdue` count the recipients within
//!   the organisation: signed no later than the deadline / not done by the deadline.
//! - incidents: received on the day, owned within the organisation, by type.
//! - call to dispatch: from receipt to the first dispatch order; dispatch to arrival: from each
//!   order to its unit's arrival on scene.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{FixedOffset, NaiveDate, TimeZone};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhihui_core::{codes, InstructionStatus, RecipientStatus, Time};
use zhihui_store::projections;

use crate::error::{ApiError, ApiResult};
use crate::{blocking, AppState, Authed};

/// China Standard Time.
fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600)
        .unwrap_or_else(|| FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!()))
}

#[derive(Deserialize)]
pub struct BulletinQuery {
    date: Option<String>,
    org_id: Option<String>,
}

#[derive(Serialize, ToSchema, Default)]
pub struct Durations {
    /// How many measured.
    n: usize,
    /// Median, seconds.
    median_s: Option<f64>,
    /// 90th percentile, seconds.
    p90_s: Option<f64>,
    /// Mean, seconds.
    mean_s: Option<f64>,
}

impl Durations {
    fn of(mut v: Vec<f64>) -> Self {
        if v.is_empty() {
            return Self::default();
        }
        v.sort_by(f64::total_cmp);
        let at = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
        Durations {
            n: v.len(),
            median_s: Some(at(0.5)),
            p90_s: Some(at(0.9)),
            mean_s: Some(v.iter().sum::<f64>() / v.len() as f64),
        }
    }
}

#[derive(Serialize, ToSchema, Default)]
pub struct InstructionFigures {
    issued: usize,
    recipients: usize,
    signed_in_time: usize,
    overdue: usize,
    closed: usize,
}

#[derive(Serialize, ToSchema)]
pub struct TypeCount {
    code: String,
    zh: String,
    en: String,
    count: usize,
}

#[derive(Serialize, ToSchema)]
pub struct Bulletin {
    org_id: String,
    org_name: String,
    /// The local day, YYYY-MM-DD (UTC+8).
    date: String,
    #[schema(value_type = String, format = DateTime)]
    generated_at: Time,
    instructions: InstructionFigures,
    /// Every call received that day, duplicates included.
    calls_received: usize,
    /// Calls merged into another incident as duplicates; not counted as incidents below.
    duplicate_calls: usize,
    incidents_total: usize,
    incidents_closed: usize,
    incidents_by_type: Vec<TypeCount>,
    call_to_dispatch: Durations,
    dispatch_to_arrival: Durations,
}

fn secs(a: Time, b: Time) -> f64 {
    (b - a).num_milliseconds() as f64 / 1000.0
}

async fn compute(state: &AppState, auth: &Authed, q: BulletinQuery) -> ApiResult<Bulletin> {
    let tree = state.orgs();
    let org_id = q.org_id.unwrap_or_else(|| auth.actor.org_id.clone());
    let org = tree
        .get(&org_id)
        .ok_or_else(|| {
            ApiError::bad_request(format!("unknown organisation `{org_id}`")).field("org_id")
        })?
        .clone();
    if !tree.is_within(&org_id, &auth.actor.org_id) {
        return Err(ApiError::forbidden(format!(
            "organisation {org_id} is outside your jurisdiction"
        ))
        .field("org_id"));
    }
    let now = state.now();
    let day = match q.date.as_deref() {
        None => now.with_timezone(&cst()).date_naive(),
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| ApiError::bad_request("date must be YYYY-MM-DD").field("date"))?,
    };
    let start = cst()
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
        .single()
        .map(|t| t.with_timezone(&chrono::Utc))
        .ok_or_else(|| ApiError::bad_request("invalid date").field("date"))?;
    let end = start + chrono::Duration::days(1);
    let within: std::collections::HashSet<String> = tree.subtree_ids(&org_id).into_iter().collect();

    let st = state.clone();
    let w = within.clone();
    let (incidents, assignments, instructions) = blocking(move || {
        st.store.read(|c| {
            let (incs, _) = projections::list_incidents(
                c,
                &projections::IncidentFilter {
                    org_ids: w.iter().cloned().collect(),
                    from: Some(start),
                    to: Some(end),
                    limit: 1_000_000,
                    ..Default::default()
                },
            )?;
            let mut asg = Vec::new();
            for i in &incs {
                asg.push(projections::incident_assignments(c, i.id)?);
            }
            let ins = projections::list_instructions(c, None, 1_000_000)?;
            Ok((incs, asg, ins))
        })
    })
    .await?;
    // A call merged into another incident is the same event reported twice: it counts as a call
    // received, never as a second incident (nor in the type mix or the response times).
    let calls_received = incidents.len();
    let (incidents, assignments): (Vec<_>, Vec<_>) = incidents
        .into_iter()
        .zip(assignments)
        .filter(|(i, _)| i.merged_into.is_none())
        .unzip();
    let duplicate_calls = calls_received - incidents.len();

    let mut by_type: Vec<TypeCount> = codes::INCIDENT_TYPES
        .iter()
        .map(|t| TypeCount {
            code: t.code.into(),
            zh: t.zh.into(),
            en: t.en.into(),
            count: 0,
        })
        .collect();
    let mut c2d = Vec::new();
    let mut d2a = Vec::new();
    for (inc, asg) in incidents.iter().zip(&assignments) {
        if let Some(t) = by_type.iter_mut().find(|t| t.code == inc.kind) {
            t.count += 1;
        }
        if let Some(first) = asg.iter().map(|a| a.assigned_at).min() {
            c2d.push(secs(inc.received_at, first));
        }
        for a in asg {
            if let Some(on) = a.on_scene_at {
                d2a.push(secs(a.assigned_at, on));
            }
        }
    }

    let mut fig = InstructionFigures::default();
    for ins in instructions
        .iter()
        .filter(|i| i.issued_at >= start && i.issued_at < end)
    {
        let mine: Vec<_> = ins
            .recipients
            .iter()
            .filter(|r| within.contains(&r.org_id))
            .collect();
        if !within.contains(&ins.issuer_org_id) && mine.is_empty() {
            continue;
        }
        fig.issued += 1;
        if ins.status == InstructionStatus::Closed {
            fig.closed += 1;
        }
        for r in mine {
            fig.recipients += 1;
            if r.signed_at.is_some_and(|s| s <= ins.deadline) {
                fig.signed_in_time += 1;
            }
            let done_at = if ins.feedback_required {
                r.feedback_at
            } else {
                r.signed_at
            };
            let late = match done_at {
                Some(d) => d > ins.deadline,
                None => r.status != RecipientStatus::Done && now > ins.deadline,
            };
            if late {
                fig.overdue += 1;
            }
        }
    }
    Ok(Bulletin {
        org_name: org.name.clone(),
        org_id,
        date: day.format("%Y-%m-%d").to_string(),
        generated_at: now,
        instructions: fig,
        calls_received,
        duplicate_calls,
        incidents_total: incidents.len(),
        incidents_closed: incidents
            .iter()
            .filter(|i| i.status == zhihui_core::IncidentStatus::Closed)
            .count(),
        incidents_by_type: by_type,
        call_to_dispatch: Durations::of(c2d),
        dispatch_to_arrival: Durations::of(d2a),
    })
}

/// The daily bulletin as JSON.
#[utoipa::path(get, path = "/api/v1/bulletin",
    params(("date" = Option<String>, Query, description = "YYYY-MM-DD, local (UTC+8); default today"),
           ("org_id" = Option<String>, Query, description = "default: the caller's organisation")),
    responses((status = 200, body = Bulletin)), security(("bearer" = [])))]
pub async fn json(
    State(state): State<AppState>,
    auth: Authed,
    q: Result<Query<BulletinQuery>, QueryRejection>,
) -> ApiResult<Json<Bulletin>> {
    let Query(q) = q.map_err(|e| ApiError::bad_request(format!("bad query: {e}")))?;
    Ok(Json(compute(&state, &auth, q).await?))
}

fn fmt_s(v: Option<f64>) -> String {
    v.map(|s| format!("{:.0}", s)).unwrap_or_else(|| "—".into())
}

/// The daily bulletin as an XLSX workbook.
#[utoipa::path(get, path = "/api/v1/bulletin.xlsx",
    params(("date" = Option<String>, Query), ("org_id" = Option<String>, Query)),
    responses((status = 200, description = "XLSX workbook")), security(("bearer" = [])))]
pub async fn xlsx(
    State(state): State<AppState>,
    auth: Authed,
    q: Result<Query<BulletinQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let Query(q) = q.map_err(|e| ApiError::bad_request(format!("bad query: {e}")))?;
    let b = compute(&state, &auth, q).await?;
    let bytes = tokio::task::spawn_blocking(move || workbook(&b))
        .await
        .map_err(|_| ApiError::internal("worker failed"))?
        .map_err(|e| ApiError::internal(format!("could not write the workbook: {e}")))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"bulletin.xlsx\"".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response())
}

fn workbook(b: &Bulletin) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("当天通报")?;
    ws.set_column_width(0, 28)?;
    ws.set_column_width(1, 16)?;
    let mut row = 0u32;
    let mut line = |ws: &mut rust_xlsxwriter::Worksheet,
                    k: &str,
                    v: String,
                    f: Option<&Format>|
     -> Result<(), rust_xlsxwriter::XlsxError> {
        match f {
            Some(f) => ws.write_string_with_format(row, 0, k, f)?,
            None => ws.write_string(row, 0, k)?,
        };
        if let Ok(n) = v.parse::<f64>() {
            ws.write_number(row, 1, n)?;
        } else {
            ws.write_string(row, 1, &v)?;
        }
        row += 1;
        Ok(())
    };
    line(
        ws,
        &format!("{} 当天通报", b.org_name),
        b.date.clone(),
        Some(&bold),
    )?;
    line(ws, "指令 下达", b.instructions.issued.to_string(), None)?;
    line(
        ws,
        "指令 接收单位",
        b.instructions.recipients.to_string(),
        None,
    )?;
    line(
        ws,
        "指令 按时签收",
        b.instructions.signed_in_time.to_string(),
        None,
    )?;
    line(ws, "指令 逾期", b.instructions.overdue.to_string(), None)?;
    line(ws, "指令 办结", b.instructions.closed.to_string(), None)?;
    line(ws, "接警 总数", b.calls_received.to_string(), None)?;
    line(
        ws,
        "接警 重复报警(已并入)",
        b.duplicate_calls.to_string(),
        None,
    )?;
    line(ws, "警情 总数", b.incidents_total.to_string(), Some(&bold))?;
    line(ws, "警情 已结案", b.incidents_closed.to_string(), None)?;
    for t in &b.incidents_by_type {
        line(ws, &format!("警情 {}", t.zh), t.count.to_string(), None)?;
    }
    line(
        ws,
        "接警到派警 中位数(秒)",
        fmt_s(b.call_to_dispatch.median_s),
        Some(&bold),
    )?;
    line(
        ws,
        "接警到派警 P90(秒)",
        fmt_s(b.call_to_dispatch.p90_s),
        None,
    )?;
    line(
        ws,
        "派警到到场 中位数(秒)",
        fmt_s(b.dispatch_to_arrival.median_s),
        None,
    )?;
    line(
        ws,
        "派警到到场 P90(秒)",
        fmt_s(b.dispatch_to_arrival.p90_s),
        None,
    )?;
    line(
        ws,
        "生成时间",
        b.generated_at
            .with_timezone(&cst())
            .format("%Y-%m-%d %H:%M:%S")
            .to_string(),
        None,
    )?;
    wb.save_to_buffer()
}
