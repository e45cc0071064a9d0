//! The warning list (预警名单): people at risk of being defrauded, as bank and telecom risk feeds
//! or analysts report them, one entry per person (deduplicated by the normalised phone number);
//! a second report of the same person merges into the first (the reasons and sources kept, the
//! higher priority wins). The outreach loop (SMS, calls, door visits) works from this list.

use rusqlite::{params, params_from_iter, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::json;
use zhihui_core::{Action, DomainError, Time};
use zhihui_link::{normalize, Kind};

use crate::commands::{audit_ok, Actor};
use crate::projections::in_clause;
use crate::{StoreError, Tx};

/// A person at risk, as reported.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewWarning {
    /// Phone number, any format.
    pub phone: String,
    /// Name, if known.
    #[serde(default)]
    pub name: Option<String>,
    /// Why they are at risk (a transfer to a flagged account, a call from a known scam number).
    pub reason: String,
    /// Suspected scam type (`fake_police`, `investment`, `loan`, `shopping_refund`, …).
    #[serde(default)]
    pub scam_type: Option<String>,
    /// 1 (most urgent) to 3.
    pub priority: u8,
    /// Who reported it (a bank's or a carrier's risk feed, an analyst).
    pub source: String,
}

/// A person on the warning list.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Warning {
    /// Id.
    pub id: i64,
    /// The phone number, normalised (personal data: masked in lists).
    pub phone: String,
    /// Name.
    pub name: Option<String>,
    /// Every reason reported, oldest first.
    pub reasons: Vec<String>,
    /// Suspected scam types.
    pub scam_types: Vec<String>,
    /// The most urgent priority reported.
    pub priority: u8,
    /// Every source.
    pub sources: Vec<String>,
    /// The organisation that took it.
    pub org_id: String,
    /// When first reported.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub first_at: Time,
    /// When last reported.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub last_at: Time,
    /// Reports merged into it.
    pub reports: u32,
}

/// What a delivery did.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WarningsAdded {
    /// New people on the list.
    pub created: usize,
    /// Reports merged into someone already on it.
    pub merged: usize,
}

fn check(field: &dyn Fn(&str) -> String, w: &NewWarning) -> Result<String, DomainError> {
    let phone = normalize(Kind::Phone, &w.phone)
        .ok()
        .filter(|n| n.value.len() >= 7)
        .ok_or_else(|| DomainError::invalid(field("phone"), "not a phone number"))?;
    if w.reason.trim().is_empty() || w.reason.chars().count() > 500 {
        return Err(DomainError::invalid(field("reason"), "1 to 500 characters"));
    }
    if !(1..=3).contains(&w.priority) {
        return Err(DomainError::invalid(
            field("priority"),
            "1 (most urgent) to 3",
        ));
    }
    if w.source.trim().is_empty() || w.source.chars().count() > 100 {
        return Err(DomainError::invalid(field("source"), "1 to 100 characters"));
    }
    if w.name.as_deref().is_some_and(|n| n.chars().count() > 50) {
        return Err(DomainError::invalid(field("name"), "at most 50 characters"));
    }
    if w.scam_type
        .as_deref()
        .is_some_and(|t| t.chars().count() > 50)
    {
        return Err(DomainError::invalid(
            field("scam_type"),
            "at most 50 characters",
        ));
    }
    Ok(phone.value)
}

fn get_by_phone(c: &rusqlite::Connection, phone: &str) -> Result<Option<Warning>, StoreError> {
    let doc: Option<String> = c
        .prepare_cached("SELECT doc FROM fraud_warnings WHERE phone = ?1")?
        .query_row([phone], |r| r.get(0))
        .optional()?;
    Ok(doc.map(|d| serde_json::from_str(&d)).transpose()?)
}

fn put(c: &rusqlite::Connection, w: &Warning) -> Result<(), StoreError> {
    c.prepare_cached(
        "INSERT INTO fraud_warnings(id, phone, org_id, priority, last_at, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(id) DO UPDATE SET priority = excluded.priority, last_at = excluded.last_at, doc = excluded.doc",
    )?
    .execute(params![
        w.id,
        w.phone,
        w.org_id,
        w.priority,
        crate::ts(&w.last_at),
        serde_json::to_string(w)?
    ])?;
    Ok(())
}

/// Adds warnings: all checked first (`fields(i)` names the entry: `warnings[i]` or `line N`),
/// then each creates a person or merges into the one with the same phone. Needs
/// [`Action::Analyse`]. Audited with the counts.
pub fn add(
    tx: &mut Tx<'_>,
    actor: &Actor,
    warnings: Vec<NewWarning>,
    fields: &dyn Fn(usize) -> String,
    now: Time,
) -> Result<WarningsAdded, StoreError> {
    actor.require(Action::Analyse, "add to the warning list")?;
    if warnings.is_empty() || warnings.len() > 10_000 {
        return Err(DomainError::invalid("warnings", "1 to 10,000 entries").into());
    }
    let mut phones = Vec::with_capacity(warnings.len());
    for (i, w) in warnings.iter().enumerate() {
        let base = fields(i);
        phones.push(check(&|f| format!("{base}.{f}"), w)?);
    }
    let mut done = WarningsAdded::default();
    for (w, phone) in warnings.into_iter().zip(phones) {
        let push = |v: &mut Vec<String>, s: Option<&str>| {
            if let Some(s) = s.map(str::trim).filter(|s| !s.is_empty()) {
                if !v.iter().any(|x| x == s) {
                    v.push(s.to_owned());
                }
            }
        };
        let entry = match get_by_phone(tx.conn(), &phone)? {
            Some(mut e) => {
                push(&mut e.reasons, Some(&w.reason));
                push(&mut e.scam_types, w.scam_type.as_deref());
                push(&mut e.sources, Some(&w.source));
                e.priority = e.priority.min(w.priority);
                if e.name.is_none() {
                    e.name = w.name.clone();
                }
                e.last_at = now;
                e.reports += 1;
                done.merged += 1;
                e
            }
            None => {
                let id = crate::ids::next(tx.conn(), "fraud_warning")?;
                let mut e = Warning {
                    id,
                    phone,
                    name: w.name.clone(),
                    reasons: Vec::new(),
                    scam_types: Vec::new(),
                    priority: w.priority,
                    sources: Vec::new(),
                    org_id: actor.org_id.clone(),
                    first_at: now,
                    last_at: now,
                    reports: 1,
                };
                push(&mut e.reasons, Some(&w.reason));
                push(&mut e.scam_types, w.scam_type.as_deref());
                push(&mut e.sources, Some(&w.source));
                done.created += 1;
                e
            }
        };
        put(tx.conn(), &entry)?;
    }
    tx.audit(audit_ok(
        actor,
        now,
        "fraud.warning.add",
        "fraud_warnings".into(),
        json!({ "created": done.created, "merged": done.merged }),
    ))?;
    Ok(done)
}

/// The warning list of the given organisations, most urgent first, then the latest.
pub fn list(
    c: &rusqlite::Connection,
    org_ids: &[String],
    limit: i64,
) -> Result<Vec<Warning>, StoreError> {
    let sql = format!(
        "SELECT doc FROM fraud_warnings WHERE {} ORDER BY priority, last_at DESC, id DESC LIMIT {}",
        in_clause("org_id", org_ids.len()),
        limit.max(0)
    );
    let mut s = c.prepare(&sql)?;
    let rows = s.query_map(params_from_iter(org_ids), |r| r.get::<_, String>(0))?;
    rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
}
