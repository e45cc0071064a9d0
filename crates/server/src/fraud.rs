//! Anti-fraud over HTTP (反诈, 96110), first part: fraud reports in, and the rings they form
//! (串并案) out, with the evidence of every link; an analyst's rejection of a link sticks. The
//! linker (`zhihui-link`) is rebuilt from the store on first use and fed each committed report.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::extract::Path;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use zhihui_link::{Evidence, Linker, Report};
use zhihui_store::fraud::{commands, projection, warnings};

use crate::auth::audit;
use crate::command::Cmd;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::{blocking, AppState};

/// The linker, built from the store on first use.
pub type SharedLinker = Arc<Mutex<Option<Linker>>>;

/// The linker, built if needed, locked.
async fn with_linker<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&mut Linker) -> T + Send + 'static,
) -> ApiResult<T> {
    let shared = state.fraud.clone();
    let st = state.clone();
    blocking(move || {
        let mut g = shared.lock().unwrap_or_else(|p| p.into_inner());
        if g.is_none() {
            let (reports, rejections) = st
                .store
                .read(|c| Ok((projection::reports(c)?, projection::rejections(c)?)))?;
            let mut l = Linker::default();
            for (r, _) in &reports {
                // Stored reports were checked on the way in; a duplicate cannot be stored.
                let _ = l.add(r);
            }
            for (report, kind, value) in rejections {
                l.reject(&report, kind, &value);
            }
            *g = Some(l);
        }
        Ok(f(g.as_mut().expect("just built")))
    })
    .await
}

/// A delivery of reports.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportBatch {
    /// 1 to 1000 reports: `{"id", "province"?, "identifiers": [{"kind", "value"}], "amount"?, "reported_at"?}`.
    #[schema(value_type = Vec<Object>)]
    reports: Vec<Report>,
}

#[derive(Serialize, ToSchema)]
pub struct ReportClusters {
    /// Reports taken.
    accepted: usize,
    /// Reports received before (by id).
    duplicates: usize,
    /// Each report taken and the cluster it is in now (named after the cluster's first report).
    #[schema(value_type = Vec<Object>)]
    clusters: Vec<serde_json::Value>,
}

/// Add fraud reports (idempotent by id; one bad report refuses the delivery, naming
/// `reports[i].field`); they are linked at once.
#[utoipa::path(post, path = "/api/v1/fraud/reports", request_body = ReportBatch,
    responses((status = 200, body = ReportClusters), (status = 403), (status = 422)), security(("bearer" = [])))]
pub async fn add(cmd: Cmd, ApiJson(b): ApiJson<ReportBatch>) -> ApiResult<Json<ReportClusters>> {
    let added = cmd
        .write("fraud.report.add", "fraud_reports", move |tx, ctx| {
            commands::add(tx, &ctx.actor, b.reports, ctx.now)
        })
        .await?;
    let new = added.new.clone();
    let clusters = with_linker(&cmd.state, move |l| {
        let mut out = Vec::new();
        for r in &new {
            // Already in when the linker was just built from the store.
            let _ = l.add(r);
        }
        for r in &new {
            out.push(json!({ "id": r.id, "cluster": l.cluster(&r.id) }));
        }
        out
    })
    .await?;
    Ok(Json(ReportClusters {
        accepted: added.accepted,
        duplicates: added.duplicates,
        clusters,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ClusterView {
    /// The cluster (its first report).
    cluster: String,
    /// Its reports, in the order they came.
    #[schema(value_type = Vec<Object>)]
    reports: Vec<Report>,
    /// Why each report is in it: the identifier it shares, and with whom.
    #[schema(value_type = Object)]
    evidence: BTreeMap<String, Vec<Evidence>>,
    /// Victims by province.
    provinces: BTreeMap<String, usize>,
    /// The money lost, in yuan.
    amount: f64,
}

/// The ring a report belongs to: its reports (identifiers in full: the read is audited), the
/// evidence of every link, victims by province, the money lost.
#[utoipa::path(get, path = "/api/v1/fraud/reports/{id}/cluster", params(("id" = String, Path)),
    responses((status = 200, body = ClusterView), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn cluster(cmd: Cmd, Path(id): Path<String>) -> ApiResult<Json<ClusterView>> {
    if !cmd.actor().role.may(zhihui_core::Action::Analyse) {
        return cmd
            .audited(
                "fraud.cluster.read",
                &format!("fraud_report:{id}"),
                Err(ApiError::forbidden(
                    "only those who work intelligence read fraud rings",
                )),
            )
            .await;
    }
    let key = id.clone();
    let found = with_linker(&cmd.state, move |l| {
        let cluster = l.cluster(&key)?;
        let members = l.members_of(&key);
        let evidence: BTreeMap<String, Vec<Evidence>> =
            members.iter().map(|m| (m.clone(), l.evidence(m))).collect();
        Some((cluster, members, evidence))
    })
    .await?;
    let Some((cluster, members, evidence)) = found else {
        return Err(ApiError::not_found(format!("fraud report {id} not found")));
    };
    let st = cmd.state.clone();
    let reports =
        blocking(move || st.store.read(|c| projection::reports_by_ids(c, &members))).await?;
    let mut provinces = BTreeMap::new();
    for r in &reports {
        *provinces
            .entry(r.province.clone().unwrap_or_else(|| "—".into()))
            .or_insert(0) += 1;
    }
    let amount = reports.iter().filter_map(|r| r.amount).sum();
    audit(
        &cmd.state,
        &cmd.actor().username,
        "fraud.cluster.read",
        &format!("fraud_report:{id}"),
        "ok",
        json!({ "personal_data": ["identifiers"], "reports": reports.len() }),
    )
    .await;
    Ok(Json(ClusterView {
        cluster,
        reports,
        evidence,
        provinces,
        amount,
    }))
}

/// A link an analyst rejects.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rejection {
    /// The report whose link goes.
    report: String,
    /// The identifier's kind.
    kind: String,
    /// The identifier (any format; normalised).
    value: String,
    /// Why (1 to 500 characters).
    note: String,
}

/// Reject a link: `report` no longer joins others through this identifier, for good (audited).
/// Answers the report's cluster after it.
#[utoipa::path(post, path = "/api/v1/fraud/links/reject", request_body = Rejection,
    responses((status = 200, description = "{report, cluster}"), (status = 403), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn reject(
    cmd: Cmd,
    ApiJson(r): ApiJson<Rejection>,
) -> ApiResult<Json<serde_json::Value>> {
    let report = r.report.trim().to_owned();
    let target = format!("fraud_report:{report}");
    let rep = report.clone();
    let (kind, value) = cmd
        .write("fraud.link.reject", &target, move |tx, ctx| {
            commands::reject(tx, &ctx.actor, &rep, &r.kind, &r.value, &r.note, ctx.now)
        })
        .await?;
    let rep = report.clone();
    let cluster = with_linker(&cmd.state, move |l| {
        l.reject(&rep, kind, &value);
        l.cluster(&rep)
    })
    .await?;
    Ok(Json(json!({ "report": report, "cluster": cluster })))
}

/// A delivery of warnings.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WarningBatch {
    /// 1 to 10,000 people at risk.
    warnings: Vec<warnings::NewWarning>,
}

/// Add people at risk to the warning list (deduplicated by the normalised phone: a second report
/// merges into the first). A bad entry refuses the delivery, naming `warnings[i].field`.
#[utoipa::path(post, path = "/api/v1/fraud/warnings", request_body = WarningBatch,
    responses((status = 200, body = warnings::WarningsAdded), (status = 403), (status = 422)), security(("bearer" = [])))]
pub async fn add_warnings(
    cmd: Cmd,
    ApiJson(b): ApiJson<WarningBatch>,
) -> ApiResult<Json<warnings::WarningsAdded>> {
    let done = cmd
        .write("fraud.warning.add", "fraud_warnings", move |tx, ctx| {
            warnings::add(
                tx,
                &ctx.actor,
                b.warnings,
                &|i| format!("warnings[{i}]"),
                ctx.now,
            )
        })
        .await?;
    Ok(Json(done))
}

/// The same from a CSV file (a bank's or a carrier's export): a header row naming `phone`,
/// `reason`, `priority`, `source` and optionally `name`, `scam_type`; errors name the line
/// (`line 3.phone`).
#[utoipa::path(post, path = "/api/v1/fraud/warnings.csv", request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = warnings::WarningsAdded), (status = 403), (status = 422)), security(("bearer" = [])))]
pub async fn add_warnings_csv(
    cmd: Cmd,
    body: axum::body::Bytes,
) -> ApiResult<Json<warnings::WarningsAdded>> {
    let mut rd = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(body.as_ref());
    let headers = rd
        .headers()
        .map_err(|e| ApiError::invalid("line 1", format!("not a CSV header: {e}")))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (phone, reason, priority, source) =
        (col("phone"), col("reason"), col("priority"), col("source"));
    let (Some(phone), Some(reason), Some(priority), Some(source)) =
        (phone, reason, priority, source)
    else {
        return Err(ApiError::invalid(
            "line 1",
            "the header needs phone, reason, priority and source (name and scam_type optional)",
        ));
    };
    let (name, scam) = (col("name"), col("scam_type"));
    let mut list = Vec::new();
    for (i, rec) in rd.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| ApiError::invalid(format!("line {line}"), e.to_string()))?;
        let get = |c: usize| rec.get(c).unwrap_or("").to_owned();
        let opt = |c: Option<usize>| c.map(get).filter(|s| !s.is_empty());
        let prio = get(priority).parse::<u8>().map_err(|_| {
            ApiError::invalid(format!("line {line}.priority"), "1 (most urgent) to 3")
        })?;
        list.push(warnings::NewWarning {
            phone: get(phone),
            name: opt(name),
            reason: get(reason),
            scam_type: opt(scam),
            priority: prio,
            source: get(source),
        });
    }
    let done = cmd
        .write("fraud.warning.add", "fraud_warnings", move |tx, ctx| {
            warnings::add(
                tx,
                &ctx.actor,
                list,
                &|i| format!("line {}", i + 2),
                ctx.now,
            )
        })
        .await?;
    Ok(Json(done))
}

#[derive(Serialize, ToSchema)]
pub struct WarningList {
    /// Most urgent first, then the latest; phone numbers and names masked.
    #[schema(value_type = Vec<warnings::Warning>)]
    items: Vec<serde_json::Value>,
}

/// The warning list of the caller's jurisdiction.
#[utoipa::path(get, path = "/api/v1/fraud/warnings", responses((status = 200, body = WarningList), (status = 403)), security(("bearer" = [])))]
pub async fn list_warnings(cmd: Cmd) -> ApiResult<Json<WarningList>> {
    let items = cmd
        .read("fraud.warning.list", "fraud_warnings", |c, ctx| {
            ctx.actor
                .require(zhihui_core::Action::Analyse, "read the warning list")?;
            warnings::list(c, &ctx.orgs.subtree_ids(&ctx.actor.org_id), 500)
        })
        .await?;
    Ok(Json(WarningList {
        items: crate::api::masked_records(&cmd.state, "fraud_warning", &items)?,
    }))
}
