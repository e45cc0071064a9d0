//! Public opinion over HTTP (舆情): sources deliver posts, which are screened off the async
//! threads and written in one transaction; analysts list, take, dismiss and unmask alerts, and
//! the command centre turns one into an incident. The domain is `store::opinion`.

use std::sync::{Arc, RwLock};

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;
use zhihui_core::opinion::{OpinionAlert, PublicPost, CATEGORIES};
use zhihui_core::Incident;
use zhihui_store::opinion::commands::{self, Ingested, ToIncident};
use zhihui_store::opinion::lexicon::{self as lexicon_store, LexiconVersion};
use zhihui_store::opinion::prepare::{self, Screening};
use zhihui_store::opinion::projection;

use crate::api::masked_records;
use crate::auth::audit;
use crate::command::Cmd;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, parse_json, ApiJson};
use crate::{blocking, AppState, Authed};

/// The screening the server runs: swapped whole when an analyst reloads the lexicon.
pub type SharedScreening = Arc<RwLock<Screening>>;

fn screening(state: &AppState) -> ApiResult<Screening> {
    let Some(s) = &state.opinion else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_screening",
            "this server screens no public posts (started without an opinion key)",
        ));
    };
    Ok(s.read()
        .map(|g| g.clone())
        .unwrap_or_else(|p| p.into_inner().clone()))
}

/// A delivery of posts.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostBatch {
    /// 1 to 1000 posts.
    posts: Vec<PublicPost>,
}

/// Deliver public posts: each is screened for public-safety risks, joins its cluster of reposts,
/// and opens or feeds alerts. Idempotent by post id: a post delivered again is counted as a
/// duplicate and changes nothing. A bad post refuses the whole delivery, naming
/// `posts[i].field`.
#[utoipa::path(post, path = "/api/v1/opinion/posts", request_body = PostBatch,
    responses((status = 200, body = Ingested), (status = 403), (status = 422, description = "invalid field")),
    security(("bearer" = [])))]
pub async fn ingest(cmd: Cmd, ApiJson(b): ApiJson<PostBatch>) -> ApiResult<Json<Ingested>> {
    let s = screening(&cmd.state)?;
    let now = cmd.state.now();
    let prepared = blocking(move || prepare::prepare(&s, b.posts, now)).await;
    let prepared = cmd
        .audited("opinion.ingest", "opinion_posts", prepared)
        .await?;
    let done = cmd
        .write("opinion.ingest", "opinion_posts", move |tx, ctx| {
            commands::ingest(tx, &ctx.orgs, &ctx.actor, prepared, ctx.now)
        })
        .await?;
    Ok(Json(done))
}

#[derive(Serialize, ToSchema)]
pub struct OpinionAlertList {
    /// Open alerts first (high before elevated, nearest deadline first), then those of the last
    /// 24 hours that ended; the posts' addresses masked.
    #[schema(value_type = Vec<OpinionAlert>)]
    items: Vec<Value>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    state: Option<String>,
}

/// The public-opinion alerts of the caller's jurisdiction.
#[utoipa::path(get, path = "/api/v1/opinion/alerts",
    params(("state" = Option<String>, Query, description = "new, acknowledged, incident or dismissed")),
    responses((status = 200, body = OpinionAlertList)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Authed,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult<Json<OpinionAlertList>> {
    let Query(q) = q.map_err(|e| ApiError::bad_request(format!("bad query: {e}")))?;
    let filter = match q.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            zhihui_core::OpinionState::parse(s)
                .ok_or_else(|| {
                    ApiError::invalid("state", "one of new, acknowledged, incident, dismissed")
                })?
                .as_str(),
        ),
    };
    let orgs = state.orgs().subtree_ids(&auth.actor.org_id);
    let since = state.now() - chrono::Duration::hours(24);
    let st = state.clone();
    let items = blocking(move || {
        st.store
            .read(|c| projection::list(c, &orgs, filter, &since, 300))
    })
    .await?;
    Ok(Json(OpinionAlertList {
        items: masked_records(&state, "opinion_alert", &items)?,
    }))
}

/// One alert in full, the posts' addresses included (the read is audited).
#[utoipa::path(get, path = "/api/v1/opinion/alerts/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = OpinionAlert), (status = 404)), security(("bearer" = [])))]
pub async fn get_one(cmd: Cmd, Path(id): Path<String>) -> ApiResult<Json<OpinionAlert>> {
    let id = parse_id(&id)?;
    let target = format!("opinion_alert:{id}");
    let a = cmd
        .read("opinion.read", &target, move |c, ctx| {
            commands::load(c, &ctx.orgs, &ctx.actor, id)
        })
        .await?;
    audit(
        &cmd.state,
        &cmd.actor().username,
        "opinion.read",
        &target,
        "ok",
        json!({ "personal_data": ["evidence.url"] }),
    )
    .await;
    Ok(Json(a))
}

/// Take an alert: the caller owns it, and the decision is due (10 minutes for high, an hour for
/// elevated).
#[utoipa::path(post, path = "/api/v1/opinion/alerts/{id}/acknowledge", params(("id" = i64, Path)),
    responses((status = 200, body = OpinionAlert), (status = 403), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn acknowledge(cmd: Cmd, Path(id): Path<String>) -> ApiResult<Json<OpinionAlert>> {
    let id = parse_id(&id)?;
    let a = cmd
        .write(
            "opinion.acknowledge",
            &format!("opinion_alert:{id}"),
            move |tx, ctx| commands::acknowledge(tx, &ctx.orgs, &ctx.actor, id, ctx.now),
        )
        .await?;
    Ok(Json(a))
}

/// Why an alert needs no help.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Dismissal {
    /// 1 to 500 characters.
    reason: String,
}

/// End an alert as needing no help, with the reason.
#[utoipa::path(post, path = "/api/v1/opinion/alerts/{id}/dismiss", params(("id" = i64, Path)), request_body = Dismissal,
    responses((status = 200, body = OpinionAlert), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn dismiss(
    cmd: Cmd,
    Path(id): Path<String>,
    ApiJson(d): ApiJson<Dismissal>,
) -> ApiResult<Json<OpinionAlert>> {
    let id = parse_id(&id)?;
    let a = cmd
        .write(
            "opinion.dismiss",
            &format!("opinion_alert:{id}"),
            move |tx, ctx| commands::dismiss(tx, &ctx.orgs, &ctx.actor, id, &d.reason, ctx.now),
        )
        .await?;
    Ok(Json(a))
}

#[derive(Serialize, ToSchema)]
pub struct AlertIncident {
    /// The alert, ended as `incident`.
    alert: OpinionAlert,
    /// The incident created (source `public_opinion`).
    incident: Incident,
}

/// Create the incident an alert calls for, at its place guess or at the place given
/// (`{"location": {"lon", "lat"}, "address"}`; the body is optional), and end the alert with it.
/// The console then offers the nearest units (`GET /api/v1/incidents/{id}/recommendations`).
#[utoipa::path(post, path = "/api/v1/opinion/alerts/{id}/incident", params(("id" = i64, Path)), request_body = Option<ToIncident>,
    responses((status = 201, body = AlertIncident), (status = 403), (status = 404), (status = 409), (status = 422, description = "no place known: give location")),
    security(("bearer" = [])))]
pub async fn to_incident(
    cmd: Cmd,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<AlertIncident>)> {
    let id = parse_id(&id)?;
    let b: ToIncident = if body.iter().all(u8::is_ascii_whitespace) {
        ToIncident::default()
    } else {
        parse_json(&body)?
    };
    let (alert, incident) = cmd
        .write(
            "opinion.incident",
            &format!("opinion_alert:{id}"),
            move |tx, ctx| commands::to_incident(tx, &ctx.orgs, &ctx.actor, id, b, ctx.now),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(AlertIncident { alert, incident })))
}

#[derive(Serialize, ToSchema)]
pub struct PostAuthor {
    /// The evidence post.
    post_id: String,
    /// The pseudonym shown elsewhere.
    pseudonym: String,
    /// The author's handle.
    handle: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Unmasked {
    /// The authors of the alert's evidence posts.
    authors: Vec<PostAuthor>,
}

/// Unmask the authors of an alert's evidence posts: only for an alert that went to command (an
/// incident) or escalated, to analysts and the command centre; every unmasking is audited.
#[utoipa::path(post, path = "/api/v1/opinion/alerts/{id}/unmask", params(("id" = i64, Path)),
    responses((status = 200, body = Unmasked), (status = 403), (status = 404), (status = 403, description = "still pseudonymous, or the role may not")),
    security(("bearer" = [])))]
pub async fn unmask(cmd: Cmd, Path(id): Path<String>) -> ApiResult<Json<Unmasked>> {
    let id = parse_id(&id)?;
    let target = format!("opinion_alert:{id}");
    let s = screening(&cmd.state)?;
    let sealed = cmd
        .read("opinion.unmask", &target, move |c, ctx| {
            commands::sealed_authors_of(c, &ctx.orgs, &ctx.actor, id)
        })
        .await?;
    let authors: Vec<PostAuthor> = sealed
        .into_iter()
        .map(|(post_id, pseudonym, seal)| PostAuthor {
            handle: seal.and_then(|b| s.keys.unseal(&b).ok()),
            post_id,
            pseudonym,
        })
        .collect();
    audit(
        &cmd.state,
        &cmd.actor().username,
        "opinion.unmask",
        &target,
        "ok",
        json!({
            "personal_data": ["author"],
            "posts": authors.iter().map(|a| &a.post_id).collect::<Vec<_>>(),
        }),
    )
    .await;
    Ok(Json(Unmasked { authors }))
}

#[derive(Serialize, ToSchema)]
pub struct OpinionCategory {
    code: &'static str,
    zh: &'static str,
    en: &'static str,
    incident_type: &'static str,
    incident_subtype: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct OpinionCategoryList {
    /// The closed list of public-safety categories (no other can be added).
    items: Vec<OpinionCategory>,
}

/// The categories the screen reads.
#[utoipa::path(get, path = "/api/v1/opinion/categories", responses((status = 200, body = OpinionCategoryList)), security(("bearer" = [])))]
pub async fn categories(_auth: Authed) -> Json<OpinionCategoryList> {
    Json(OpinionCategoryList {
        items: CATEGORIES
            .iter()
            .map(|c| OpinionCategory {
                code: c.code,
                zh: c.zh,
                en: c.en,
                incident_type: c.incident_type,
                incident_subtype: c.incident_subtype,
            })
            .collect(),
    })
}

#[derive(Serialize, ToSchema)]
pub struct LexiconDoc {
    /// The version in force (0: the built-in default).
    version: i64,
    /// Terms in it.
    terms: usize,
    /// Who saved it.
    by: String,
    /// When.
    #[schema(value_type = String, format = DateTime)]
    at: zhihui_core::Time,
    /// Why.
    note: String,
    /// The lexicon: lines `category<TAB>term<TAB>weight<TAB>act|sign`, `#` comments.
    text: String,
}

/// The screen's lexicon in force.
#[utoipa::path(get, path = "/api/v1/opinion/lexicon", responses((status = 200, body = LexiconDoc), (status = 403)), security(("bearer" = [])))]
pub async fn lexicon(cmd: Cmd) -> ApiResult<Json<LexiconDoc>> {
    let (v, text) = cmd
        .read("opinion.lexicon.read", "opinion_lexicon", |c, ctx| {
            ctx.actor
                .require(zhihui_core::Action::Analyse, "read the lexicon")?;
            lexicon_store::current(c)
        })
        .await?;
    Ok(Json(LexiconDoc {
        version: v.version,
        terms: v.terms,
        by: v.by,
        at: v.at,
        note: v.note,
        text,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct LexiconVersions {
    /// Every saved version, newest first.
    items: Vec<LexiconVersion>,
}

/// The lexicon's saved versions.
#[utoipa::path(get, path = "/api/v1/opinion/lexicon/versions", responses((status = 200, body = LexiconVersions), (status = 403)), security(("bearer" = [])))]
pub async fn lexicon_versions(cmd: Cmd) -> ApiResult<Json<LexiconVersions>> {
    let items = cmd
        .read("opinion.lexicon.read", "opinion_lexicon", |c, ctx| {
            ctx.actor
                .require(zhihui_core::Action::Analyse, "read the lexicon")?;
            lexicon_store::versions(c)
        })
        .await?;
    Ok(Json(LexiconVersions { items }))
}

/// A new version of the lexicon.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LexiconEdit {
    /// The whole lexicon.
    text: String,
    /// Why (at most 500 characters).
    #[serde(default)]
    note: String,
    /// The version it was edited from (409 when another was saved since).
    base_version: i64,
}

/// Save a new version of the lexicon: compiled first (a bad line, or a category outside the
/// closed list, is refused naming `text` and its line), then screened with at once, without a
/// restart; audited with the lines added and removed.
#[utoipa::path(put, path = "/api/v1/opinion/lexicon", request_body = LexiconEdit,
    responses((status = 200, body = LexiconVersion), (status = 403), (status = 409, description = "saved by someone else since base_version"), (status = 422)),
    security(("bearer" = [])))]
pub async fn save_lexicon(
    cmd: Cmd,
    ApiJson(e): ApiJson<LexiconEdit>,
) -> ApiResult<Json<LexiconVersion>> {
    let (v, screener) = cmd
        .write("opinion.lexicon", "opinion_lexicon", move |tx, ctx| {
            lexicon_store::save(tx, &ctx.actor, &e.text, &e.note, e.base_version, ctx.now)
        })
        .await?;
    cmd.state.replace_screener(screener);
    tracing::info!(version = v.version, terms = v.terms, by = %v.by, "screen lexicon reloaded");
    Ok(Json(v))
}

/// The cluster of reposts an alert is about: size, burst, and its latest posts (pseudonyms only).
#[utoipa::path(get, path = "/api/v1/opinion/alerts/{id}/cluster", params(("id" = i64, Path)),
    responses((status = 200, body = projection::ClusterView), (status = 404)), security(("bearer" = [])))]
pub async fn cluster(cmd: Cmd, Path(id): Path<String>) -> ApiResult<Json<projection::ClusterView>> {
    let id = parse_id(&id)?;
    let view = cmd
        .read(
            "opinion.read",
            &format!("opinion_alert:{id}"),
            move |c, ctx| {
                let a = commands::load(c, &ctx.orgs, &ctx.actor, id)?;
                projection::cluster(c, a.cluster_id, &ctx.now)?.ok_or_else(|| {
                    zhihui_store::StoreError::NotFound(format!("cluster of opinion alert {id}"))
                })
            },
        )
        .await?;
    Ok(Json(view))
}
