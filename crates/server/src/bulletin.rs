//! The daily bulletin (当天通报) of an organisation: instructions issued, signed in time, overdue and
//! closed; incidents by type; call-to-dispatch and dispatch-to-arrival times. As JSON for the
//! console and as an XLSX workbook to send on.
//!
//! A day is the command center's local calendar day in its time zone (`--time-zone`, default
//! Asia/Shanghai: UTC+8, no daylight saving). Definitions:
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
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhihui_core::figures::Figures;
use zhihui_core::{local_time, Time};
use zhihui_store::projections;

use crate::error::{ApiError, ApiResult};
use crate::{blocking, AppState, Authed};

#[derive(Deserialize)]
pub struct BulletinQuery {
    date: Option<String>,
    org_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Bulletin {
    org_id: String,
    org_name: String,
    /// The local day, YYYY-MM-DD (UTC+8).
    date: String,
    #[schema(value_type = String, format = DateTime)]
    generated_at: Time,
    /// The day's figures, as the operations layer defines them (`zhihui_core::figures`).
    #[serde(flatten)]
    figures: Figures,
}

/// The first instant of calendar day `d` in zone `tz` (the earliest, should midnight repeat; the
/// first existing minute, should it be skipped).
fn day_start(tz: chrono_tz::Tz, d: NaiveDate) -> Time {
    use chrono::TimeZone;
    (0..=120)
        .find_map(|m| {
            let t = d.and_hms_opt(0, 0, 0)? + chrono::Duration::minutes(m);
            tz.from_local_datetime(&t).earliest()
        })
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_else(|| local_time::day_start(d))
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
    let tz = state.time_zone;
    let day = match q.date.as_deref() {
        None => now.with_timezone(&tz).date_naive(),
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| ApiError::bad_request("date must be YYYY-MM-DD").field("date"))?,
    };
    // The day runs from the centre's midnight to the next (23 or 25 hours on a zone's clock
    // change).
    let start = day_start(tz, day);
    let end = day_start(tz, day.succ_opt().unwrap_or(day));
    let within: std::collections::HashSet<String> = tree.subtree_ids(&org_id).into_iter().collect();

    let ids: Vec<String> = within.iter().cloned().collect();
    let st = state.clone();
    let (incidents, instructions) = blocking(move || {
        st.store
            .read(|c| projections::period_records(c, &ids, start, end))
    })
    .await?;
    Ok(Bulletin {
        org_name: org.name.clone(),
        org_id,
        date: day.format("%Y-%m-%d").to_string(),
        generated_at: now,
        figures: Figures::compute(&incidents, &instructions, &within, now),
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
    line(
        ws,
        "指令 下达",
        b.figures.instructions.issued.to_string(),
        None,
    )?;
    line(
        ws,
        "指令 接收单位",
        b.figures.instructions.recipients.to_string(),
        None,
    )?;
    line(
        ws,
        "指令 按时签收",
        b.figures.instructions.signed_in_time.to_string(),
        None,
    )?;
    line(
        ws,
        "指令 逾期",
        b.figures.instructions.overdue.to_string(),
        None,
    )?;
    line(
        ws,
        "指令 办结",
        b.figures.instructions.closed.to_string(),
        None,
    )?;
    line(ws, "接警 总数", b.figures.calls_received.to_string(), None)?;
    line(
        ws,
        "接警 重复报警(已并入)",
        b.figures.duplicate_calls.to_string(),
        None,
    )?;
    line(
        ws,
        "警情 总数",
        b.figures.incidents_total.to_string(),
        Some(&bold),
    )?;
    line(
        ws,
        "警情 已结案",
        b.figures.incidents_closed.to_string(),
        None,
    )?;
    for t in &b.figures.incidents_by_type {
        line(ws, &format!("警情 {}", t.zh), t.count.to_string(), None)?;
    }
    line(
        ws,
        "接警到派警 中位数(秒)",
        fmt_s(b.figures.call_to_dispatch.median_s),
        Some(&bold),
    )?;
    line(
        ws,
        "接警到派警 P90(秒)",
        fmt_s(b.figures.call_to_dispatch.p90_s),
        None,
    )?;
    line(
        ws,
        "派警到到场 中位数(秒)",
        fmt_s(b.figures.dispatch_to_arrival.median_s),
        None,
    )?;
    line(
        ws,
        "派警到到场 P90(秒)",
        fmt_s(b.figures.dispatch_to_arrival.p90_s),
        None,
    )?;
    line(
        ws,
        "生成时间",
        local_time::local(&b.generated_at)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string(),
        None,
    )?;
    wb.save_to_buffer()
}
