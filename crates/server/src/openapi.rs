//! The OpenAPI document, generated from the handlers' annotations.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{
    api, auth, bulletin, dispatch, duplicates, eido, events, instructions, live, map, plans,
    positions, response_plans, watchdog,
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

#[derive(OpenApi)]
#[openapi(
    info(title = "Zhihui API", description = "Integrated command platform: incidents, units, live feed. The live feed is a WebSocket at /api/v1/live?ticket=TICKET&since=SEQ, with a single-use ticket from POST /api/v1/live/ticket."),
    paths(
        auth::login, auth::logout, auth::me, live::ticket,
        api::list_orgs, api::codes,
        api::list_incidents, api::create_incident, api::get_incident, api::update_incident, api::incident_timeline, duplicates::for_call, duplicates::for_incident, duplicates::merge, dispatch::recommendations, dispatch::assign, dispatch::incident_assignments, dispatch::unit_assignments, dispatch::advance,
        api::list_units, api::create_unit, api::get_unit, api::update_unit,
        watchdog::list, eido::export, bulletin::json, bulletin::xlsx, positions::report, positions::bulk, instructions::issue, instructions::list, instructions::get_one, instructions::sign, instructions::feedback, instructions::close, map::info, map::roads, map::route, map::matrix, map::nearest, map::isochrone, map::search, map::snap_point,
        plans::intercept, plans::blockade, plans::create, plans::list, plans::get_one, plans::timeline, plans::close, plans::arrive,
        response_plans::list, response_plans::create, response_plans::get_one, response_plans::versions, response_plans::update, response_plans::retire,
        response_plans::activate, response_plans::preview, response_plans::incident_activations, response_plans::get_activation, response_plans::timeline, response_plans::close,
        events::create, events::list, events::get_one, events::board, events::deploy, events::assign, events::arrived, events::relief, events::post_timeline, events::close,
    ),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

/// The OpenAPI 3.1 document (no login needed).
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
