//! The OpenAPI document, generated from the handlers' annotations.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{
    alerts, api, auth, bulletin, dispatch, duplicates, eido, fraud, instructions, live,
    major_events, map, opinion, plans, positions, response_plans, telephony,
};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// Documents the error answers every operation can give, in one place (the handlers document
/// their own successes and domain-specific conflicts): 400 for a malformed query or body, 401
/// and 403 where a login is needed, 404 where a path names a record, 413/415/422 where a body is
/// read, 429 for a throttled login. Each answer has the [`ErrorBody`] shape.
struct ErrorResponses;

impl Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::Operation;
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let error = |what: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(what)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build(),
            )
        };
        let add = |op: &mut Operation, code: &str, what: &str| {
            op.responses
                .responses
                .entry(code.to_owned())
                .and_modify(|r| {
                    // A handler's bare `(status = 403)` gets the shared description and body.
                    if let RefOr::T(resp) = r {
                        if resp.content.is_empty() {
                            let desc = if resp.description.is_empty() {
                                what.to_owned()
                            } else {
                                resp.description.clone()
                            };
                            *r = error(&desc);
                        }
                    }
                })
                .or_insert_with(|| error(what));
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let has_id = path.contains('{');
            for op in [
                item.get.as_mut(),
                item.post.as_mut(),
                item.put.as_mut(),
                item.patch.as_mut(),
                item.delete.as_mut(),
            ] {
                let Some(op) = op else { continue };
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let body = op.request_body.is_some();
                let query = op.parameters.as_ref().is_some_and(|ps| {
                    ps.iter()
                        .any(|p| p.parameter_in == utoipa::openapi::path::ParameterIn::Query)
                });
                if body || query || has_id {
                    add(
                        op,
                        "400",
                        "malformed request: bad query string, path or JSON syntax",
                    );
                }
                if secured {
                    add(op, "401", "not logged in, or the session has ended");
                    add(
                        op,
                        "403",
                        "outside the caller's role or jurisdiction (audited)",
                    );
                }
                if has_id {
                    add(op, "404", "no such record (or none the caller may know of)");
                }
                if body {
                    add(op, "413", "request body too large");
                    add(op, "415", "the body must be application/json");
                    add(op, "422", "a field is invalid: `error.field` names it");
                }
            }
        }
    }
}

/// Code lists that live in data, not in Rust enums: the incident types.
struct CodeLists;

impl Modify for CodeLists {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{RefOr, Schema};
        let types: Vec<serde_json::Value> = zhihui_core::codes::INCIDENT_TYPES
            .iter()
            .map(|t| serde_json::Value::from(t.code))
            .collect();
        let Some(c) = openapi.components.as_mut() else {
            return;
        };
        for name in ["NewIncident", "IncidentPatch"] {
            if let Some(RefOr::T(Schema::Object(o))) = c.schemas.get_mut(name) {
                if let Some(RefOr::T(Schema::Object(t))) = o.properties.get_mut("type") {
                    t.enum_values = Some(types.clone());
                }
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Zhihui API", description = "Integrated command platform: incidents, units, live feed. The live feed is a WebSocket at /api/v1/live?ticket=TICKET&since=SEQ, with a single-use ticket from POST /api/v1/live/ticket."),
    paths(
        auth::login, auth::logout, auth::me, live::ticket,
        api::list_orgs, api::org_areas, api::set_org_area, api::hand_over, api::add_note, api::premise_history, api::codes,
        api::list_incidents, api::create_incident, api::get_incident, api::update_incident, api::incident_timeline, duplicates::for_call, duplicates::for_incident, duplicates::merge, dispatch::recommendations, dispatch::assign, dispatch::incident_assignments, dispatch::unit_assignments, dispatch::advance,
        api::list_units, api::create_unit, api::get_unit, api::update_unit,
        alerts::list, alerts::acknowledge, alerts::resolve, telephony::report, telephony::list, telephony::get_one, telephony::answer, opinion::ingest, opinion::list, opinion::get_one, opinion::acknowledge, opinion::dismiss, opinion::to_incident, opinion::unmask, opinion::cluster, fraud::add, fraud::cluster, fraud::reject, fraud::add_warnings, fraud::add_warnings_csv, fraud::list_warnings, opinion::categories, opinion::lexicon, opinion::lexicon_versions, opinion::save_lexicon, eido::export, bulletin::json, bulletin::xlsx, positions::report, positions::bulk, positions::track, instructions::issue, instructions::list, instructions::get_one, instructions::sign, instructions::feedback, instructions::close, map::info, map::roads, map::route, map::matrix, map::nearest, map::isochrone, map::search, map::snap_point,
        plans::intercept, plans::blockade, plans::create, plans::list, plans::get_one, plans::timeline, plans::close, plans::arrive,
        response_plans::list, response_plans::create, response_plans::get_one, response_plans::versions, response_plans::update, response_plans::retire,
        response_plans::activate, response_plans::preview, response_plans::incident_activations, response_plans::get_activation, response_plans::timeline, response_plans::close,
        major_events::create, major_events::list, major_events::get_one, major_events::board, major_events::deploy, major_events::assign, major_events::arrived, major_events::relief, major_events::post_timeline, major_events::close,
    ),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail)),
    modifiers(&BearerAuth, &ErrorResponses, &CodeLists)
)]
struct ApiDoc;

/// The OpenAPI 3.1 document (no login needed).
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    /// utoipa names a schema after its Rust type alone: two documented types of one name in
    /// different modules would silently show one body for both (as two `AssignRequest`s once did).
    #[test]
    fn no_two_documented_types_share_a_name() {
        let root = env!("CARGO_MANIFEST_DIR");
        let mut seen: HashMap<String, String> = HashMap::new();
        let mut count = 0;
        for dir in [format!("{root}/src"), format!("{root}/../core/src")] {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let mut pending = false;
                for line in text.lines() {
                    let l = line.trim();
                    if l.starts_with("#[") && l.contains("ToSchema") {
                        pending = true;
                        continue;
                    }
                    if !pending || l.starts_with("#[") || l.starts_with("///") {
                        continue;
                    }
                    pending = false;
                    let name = l
                        .trim_start_matches("pub ")
                        .trim_start_matches("struct ")
                        .trim_start_matches("enum ")
                        .split(|c: char| !c.is_alphanumeric() && c != '_')
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                    count += 1;
                    let file = path.display().to_string();
                    if let Some(other) = seen.insert(name.clone(), file.clone()) {
                        panic!("two documented types named {name}: {other} and {file}");
                    }
                }
            }
        }
        assert!(count > 50, "found only {count} documented types");
    }
}
