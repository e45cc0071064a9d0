//! What sources and analysts do: posts come in (screened beforehand, [`super::prepare`]), join
//! their cluster and open or feed alerts; analysts take, dismiss or turn alerts into incidents;
//! an unmasking of authors is allowed only for an alert that went to command. Each command
//! checks role and jurisdiction and writes projection, event and audit entry in the caller's
//! transaction.

use serde::{Deserialize, Serialize};
use serde_json::json;
use zhihui_core::opinion::{self as model, EvidencePost, OpinionAlert, Sighting};
use zhihui_core::{
    Action, DomainError, Incident, IncidentSource, LonLat, NewIncident, OrgTree, Time,
};

use super::prepare::Screened;
use super::projection as op;
use crate::commands::{audit_ok, Actor};
use crate::{StoreError, Tx};

const RECORD: &str = "opinion_alert";

fn save(
    tx: &mut Tx<'_>,
    actor: &str,
    a: &OpinionAlert,
    kind: &str,
    detail: serde_json::Value,
    now: Time,
) -> Result<(), StoreError> {
    op::put(tx.conn(), a)?;
    tx.record_event(actor, &a.org_id, RECORD, a.id, kind, a, detail, now)?;
    Ok(())
}

/// What a delivery of posts did.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ingested {
    /// Posts taken.
    pub accepted: usize,
    /// Posts already received before (by id): not taken again.
    pub duplicates: usize,
    /// Posts that read a public-safety risk.
    pub risky: usize,
    /// The alerts opened or changed, by id.
    pub alerts: Vec<i64>,
}

/// A repost's cluster growth is published while the cluster is small, then every tenth post, so
/// that a viral post does not flood the live feed (the count is always current in the list).
fn worth_publishing(size: u32) -> bool {
    size <= 10 || size.is_multiple_of(10)
}

/// Takes screened posts: each post not seen before joins its cluster of near-duplicates; each
/// risk it reads opens an alert about that cluster and category or feeds the open one; every
/// other open alert of the cluster counts the repost. The source's account needs
/// [`Action::Analyse`].
pub fn ingest(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    posts: Vec<Screened>,
    now: Time,
) -> Result<Ingested, StoreError> {
    actor.require(Action::Analyse, "feed public posts")?;
    let mut done = Ingested::default();
    for p in posts {
        if op::post_exists(tx.conn(), &p.id)? {
            done.duplicates += 1;
            continue;
        }
        let cluster = op::join_cluster(tx.conn(), &p.signature, &p.text, &now)?;
        op::put_post(tx.conn(), &p, cluster.id, &now)?;
        done.accepted += 1;
        if !p.risks.is_empty() {
            done.risky += 1;
        }
        let mut open = op::open_of_cluster(tx.conn(), cluster.id)?;
        for r in &p.risks {
            let sighting = Sighting {
                level: r.level,
                score: r.score,
                post: EvidencePost {
                    post_id: p.id.clone(),
                    text: p.text.clone(),
                    author: p.author_key.clone(),
                    posted_at: p.posted_at,
                    url: p.url.clone(),
                    terms: r.terms.clone(),
                    score: r.score,
                    model_score: r.model_score,
                },
                place: p.place.clone(),
            };
            if let Some(a) = open.iter_mut().find(|a| a.category == r.category) {
                a.sighted(sighting, now);
                a.spread(cluster.size, cluster.burst, now);
                let a = a.clone();
                save(
                    tx,
                    &actor.username,
                    &a,
                    "opinion_alert.sighted",
                    json!({ "post_id": p.id }),
                    now,
                )?;
                done.alerts.push(a.id);
                continue;
            }
            let org_id = p
                .place
                .as_ref()
                .and_then(|g| orgs.deepest_at(&g.location))
                .filter(|o| orgs.is_within(&o.id, &actor.org_id))
                .map(|o| o.id.clone())
                .unwrap_or_else(|| actor.org_id.clone());
            let id = crate::ids::next(tx.conn(), RECORD)?;
            let a = OpinionAlert::open(
                id,
                &org_id,
                &r.category,
                r.threshold,
                cluster.id,
                cluster.size,
                cluster.burst,
                sighting,
                now,
            )?;
            save(
                tx,
                &actor.username,
                &a,
                "opinion_alert.raised",
                json!({ "post_id": p.id }),
                now,
            )?;
            done.alerts.push(a.id);
            open.push(a);
        }
        // A repost that reads no risk of an alert's category still spreads it.
        for a in open.iter_mut() {
            if a.cluster_size >= cluster.size || p.risks.iter().any(|r| r.category == a.category) {
                continue;
            }
            a.spread(cluster.size, cluster.burst, now);
            if worth_publishing(cluster.size) {
                let a = a.clone();
                save(
                    tx,
                    &actor.username,
                    &a,
                    "opinion_alert.spread",
                    json!({ "post_id": p.id }),
                    now,
                )?;
                done.alerts.push(a.id);
            } else {
                op::put(tx.conn(), a)?;
            }
        }
    }
    done.alerts.sort_unstable();
    done.alerts.dedup();
    tx.audit(audit_ok(
        actor,
        now,
        "opinion.ingest",
        "opinion_posts".into(),
        json!({
            "accepted": done.accepted,
            "duplicates": done.duplicates,
            "risky": done.risky,
            "alerts": done.alerts,
        }),
    ))?;
    Ok(done)
}

/// Loads an alert the actor may see (its organisation is within the actor's jurisdiction).
pub fn load(
    c: &rusqlite::Connection,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
) -> Result<OpinionAlert, StoreError> {
    op::get(c, id)?
        .filter(|a| orgs.is_within(&a.org_id, &actor.org_id))
        .ok_or_else(|| StoreError::NotFound(format!("opinion alert {id}")))
}

fn load_for_work(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
) -> Result<OpinionAlert, StoreError> {
    actor.require(Action::Analyse, "work public-opinion alerts")?;
    load(tx.conn(), orgs, actor, id)
}

fn conflict(e: DomainError) -> StoreError {
    // A move the loop does not allow is a conflict with the alert's state, not a bad field.
    match e {
        DomainError::Invalid(f) if f.field == "state" => StoreError::Conflict {
            field: "state".into(),
            message: f.message,
        },
        other => other.into(),
    }
}

/// The actor takes the alert: it is theirs, and the decision is due.
pub fn acknowledge(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
    now: Time,
) -> Result<OpinionAlert, StoreError> {
    let mut a = load_for_work(tx, orgs, actor, id)?;
    a.acknowledge(&actor.username, now).map_err(conflict)?;
    save(
        tx,
        &actor.username,
        &a,
        "opinion_alert.acknowledged",
        json!({}),
        now,
    )?;
    tx.audit(audit_ok(
        actor,
        now,
        "opinion.acknowledge",
        format!("{RECORD}:{id}"),
        json!({}),
    ))?;
    Ok(a)
}

/// The actor judges the alert needs no help, with the reason.
pub fn dismiss(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
    reason: &str,
    now: Time,
) -> Result<OpinionAlert, StoreError> {
    let mut a = load_for_work(tx, orgs, actor, id)?;
    if !a.state.is_open() {
        return Err(conflict(DomainError::invalid(
            "state",
            format!("the alert is already {}", a.state.as_str()),
        )));
    }
    a.dismiss(&actor.username, reason, now)?;
    let reason = reason.trim();
    save(
        tx,
        &actor.username,
        &a,
        "opinion_alert.dismissed",
        json!({ "reason": reason }),
        now,
    )?;
    tx.audit(audit_ok(
        actor,
        now,
        "opinion.dismiss",
        format!("{RECORD}:{id}"),
        json!({ "reason": reason }),
    ))?;
    Ok(a)
}

/// The body of `POST /api/v1/opinion/alerts/{id}/incident`: a correction of the place guess.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ToIncident {
    /// Where, when the guess is wrong or missing.
    #[serde(default)]
    pub location: Option<LonLat>,
    /// The address text.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub address: Option<String>,
}

/// Creates the incident an alert calls for (source `public_opinion`, the place, the evidence
/// in its description and the alert linked as `source_ref`) and closes the alert with it, in one
/// transaction. Needs [`Action::WriteIncident`]: the command centre sends help.
pub fn to_incident(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
    body: ToIncident,
    now: Time,
) -> Result<(OpinionAlert, Incident), StoreError> {
    actor.require(Action::WriteIncident, "create incidents from public posts")?;
    let mut a = load(tx.conn(), orgs, actor, id)?;
    if !a.state.is_open() {
        return Err(conflict(DomainError::invalid(
            "state",
            format!("the alert is already {}", a.state.as_str()),
        )));
    }
    let address = body
        .address
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    if let Some(loc) = body.location {
        loc.validate("location")?;
        a.place_at(address.as_deref().unwrap_or("分析员标注"), loc);
    }
    let Some(place) = a.place.clone() else {
        return Err(
            DomainError::invalid("location", "no place is known for this alert: give one").into(),
        );
    };
    let cat = model::category(&a.category)
        .ok_or_else(|| StoreError::Corrupt(format!("alert {id}: category {}", a.category)))?;
    let first = &a.evidence[0];
    let excerpt: String = first.text.chars().take(300).collect();
    let address = address.unwrap_or_else(|| {
        if place.source == "text" {
            place.text.clone()
        } else {
            String::new()
        }
    });
    let new = NewIncident {
        source: Some(IncidentSource::PublicOpinion),
        source_ref: Some(format!("{RECORD}:{id}")),
        caller: None,
        location: place.location,
        address,
        kind: cat.incident_type.into(),
        subtype: Some(cat.incident_subtype.into()),
        priority: None,
        priority_reason: None,
        hazards: if a.category == "self_harm" {
            vec!["mental_health".into()]
        } else {
            Vec::new()
        },
        description: format!(
            "舆情预警 #{id}（{}，{}，相关帖文 {} 条）：{excerpt}",
            cat.zh,
            if a.level == model::OpinionLevel::High {
                "高"
            } else {
                "中"
            },
            a.cluster_size
        ),
        org_id: Some(a.org_id.clone()),
        received_at: Some(a.first_seen),
        merge_into: None,
    };
    let incident = crate::commands::create_incident(tx, orgs, actor, new, now)?;
    a.to_incident(&actor.username, incident.id, now)
        .map_err(conflict)?;
    save(
        tx,
        &actor.username,
        &a,
        "opinion_alert.incident",
        json!({ "incident_id": incident.id }),
        now,
    )?;
    tx.audit(audit_ok(
        actor,
        now,
        "opinion.incident",
        format!("{RECORD}:{id}"),
        json!({ "incident_id": incident.id }),
    ))?;
    Ok((a, incident))
}

/// The sealed handles of an alert's evidence posts, for an unmasking: allowed only when the alert
/// went to command (an incident) or escalated, to an account that works alerts or commands. The
/// caller opens the seals with the key it holds and audits the read.
pub fn sealed_authors_of(
    c: &rusqlite::Connection,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
) -> Result<Vec<op::SealedAuthor>, StoreError> {
    if !(actor.role.may(Action::Analyse) || actor.role.may(Action::WriteIncident)) {
        return Err(StoreError::Denied(format!(
            "role {} may not unmask authors",
            actor.role.as_str()
        )));
    }
    let a = load(c, orgs, actor, id)?;
    if !a.may_unmask() {
        // A refusal of access (audited as such), not a state conflict to retry.
        return Err(StoreError::Denied(
            "authors stay pseudonymous until the alert goes to command or escalates".into(),
        ));
    }
    let ids: Vec<String> = a.evidence.iter().map(|e| e.post_id.clone()).collect();
    op::sealed_authors(c, &ids)
}
