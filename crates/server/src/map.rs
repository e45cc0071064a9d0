//! The base map and the road engine's queries: the network drawn as GeoJSON (prepared once at
//! start-up), routes, matrices, nearest points by travel time, isochrones and road-name search.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;
use zhihui_roads::{Profile, RoadNetwork, Snap};

use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::{AppState, Authed};

/// What the console and the planners need of the city's roads.
pub struct MapData {
    info: Value,
    roads: Bytes,
    net: Option<Arc<RoadNetwork>>,
    /// House numbers and points of interest for the address search.
    places: Option<Arc<zhihui_roads::Places>>,
}

impl MapData {
    /// Prepares the base map of `net`. `source` names where it came from; `generated` is true for
    /// a synthetic city (no OpenStreetMap attribution then).
    pub fn from_network(net: Arc<RoadNetwork>, source: &str, generated: bool) -> Self {
        let mut m = Self::new(net.bbox(), source, generated, net.roads_geojson());
        m.net = Some(net);
        m
    }

    /// The road network, if one is loaded.
    pub fn network(&self) -> Option<Arc<RoadNetwork>> {
        self.net.clone()
    }

    /// The city's house numbers and points of interest, if any.
    pub fn places(&self) -> Option<Arc<zhihui_roads::Places>> {
        self.places.clone()
    }

    /// Adds the city's house numbers and points of interest to the address search.
    pub fn with_places(mut self, places: zhihui_roads::Places) -> Self {
        self.places = Some(Arc::new(places));
        self
    }

    fn new(bbox: [f64; 4], source: &str, generated: bool, roads_geojson: String) -> Self {
        let attribution = if generated {
            ""
        } else {
            "© OpenStreetMap contributors"
        };
        Self {
            info: json!({
                "bbox": bbox,
                "center": [(bbox[0] + bbox[2]) / 2.0, (bbox[1] + bbox[3]) / 2.0],
                "source": source,
                "generated": generated,
                "attribution": attribution,
            }),
            roads: Bytes::from(roads_geojson),
            net: None,
            places: None,
        }
    }

    /// No road network loaded: an empty map around a default centre; routing answers 503.
    pub fn empty() -> Self {
        Self::new(
            [112.18, 30.29, 112.30, 30.37],
            "none",
            true,
            r#"{"type":"FeatureCollection","features":[]}"#.into(),
        )
    }
}

/// Map metadata: bounding box, centre, source and attribution.
#[utoipa::path(get, path = "/api/v1/map", responses((status = 200, description = "map metadata")), security(("bearer" = [])))]
pub async fn info(State(state): State<AppState>, _auth: Authed) -> Json<Value> {
    Json(state.map.info.clone())
}

/// The road network as GeoJSON LineStrings (`highway`, `name`).
#[utoipa::path(get, path = "/api/v1/map/roads.geojson", responses((status = 200, description = "GeoJSON FeatureCollection")), security(("bearer" = [])))]
pub async fn roads(State(state): State<AppState>, _auth: Authed) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/geo+json"),
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        state.map.roads.clone(),
    )
        .into_response()
}

pub(crate) fn network(state: &AppState) -> ApiResult<Arc<RoadNetwork>> {
    state.map.net.clone().ok_or_else(|| {
        ApiError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "no_road_network",
            "the server was started without a road network (--roads FILE)",
        )
    })
}

fn parse_profile(s: Option<&str>) -> ApiResult<Profile> {
    match s {
        None => Ok(Profile::Police),
        Some(s) => Profile::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                ApiError::invalid(
                    "profile",
                    format!("unknown profile `{s}`; police, car or foot"),
                )
            }),
    }
}

fn parse_point(field: &str, v: [f64; 2]) -> ApiResult<[f64; 2]> {
    let [lon, lat] = v;
    if !lon.is_finite() || !lat.is_finite() || lon.abs() > 180.0 || lat.abs() > 90.0 {
        return Err(ApiError::invalid(
            field,
            "expected [lon, lat] with lon in -180..180 and lat in -90..90",
        ));
    }
    Ok(v)
}

fn parse_point_text(field: &str, s: &str) -> ApiResult<[f64; 2]> {
    let mut it = s.split(',').map(|x| x.trim().parse::<f64>());
    match (it.next(), it.next(), it.next()) {
        (Some(Ok(lon)), Some(Ok(lat)), None) => parse_point(field, [lon, lat]),
        _ => Err(ApiError::bad_request(format!("{field} must be LON,LAT")).field(field)),
    }
}

fn snap(net: &RoadNetwork, p: Profile, field: &str, pt: [f64; 2]) -> ApiResult<Snap> {
    net.snap_for(p, pt[0], pt[1])
        .ok_or_else(|| ApiError::invalid(field, "this point cannot be placed on the road network"))
}

async fn compute<T: Send + 'static>(
    f: impl FnOnce() -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| ApiError::internal("routing worker failed"))?
}

#[derive(Deserialize)]
pub struct SnapQuery {
    at: String,
    profile: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SnapResponse {
    /// The nearest point on a road the profile may use.
    lon: f64,
    lat: f64,
    /// How far `at` is from that road, meters.
    distance_m: f64,
    /// The road's name, if it has one (for the address field).
    name: Option<String>,
}

/// The nearest point on the road network to `at` (`LON,LAT`), e.g. to place a call clicked on the
/// map onto the street it came from.
#[utoipa::path(get, path = "/api/v1/roads/snap",
    params(("at" = String, Query, description = "LON,LAT"), ("profile" = Option<String>, Query, description = "police (default), car or foot")),
    responses((status = 200, body = SnapResponse), (status = 422, description = "no road for this profile")), security(("bearer" = [])))]
pub async fn snap_point(
    State(state): State<AppState>,
    _auth: Authed,
    q: Result<Query<SnapQuery>, QueryRejection>,
) -> ApiResult<Json<SnapResponse>> {
    let Query(q) = q.map_err(|e| ApiError::bad_request(format!("bad query: {e}")).field("at"))?;
    let net = network(&state)?;
    let p = parse_profile(q.profile.as_deref())?;
    let at = parse_point_text("at", &q.at)?;
    compute(move || {
        let s = snap(&net, p, "at", at)?;
        Ok(Json(SnapResponse {
            lon: round6(s.lon),
            lat: round6(s.lat),
            distance_m: (s.distance_m * 10.0).round() / 10.0,
            name: s.name,
        }))
    })
    .await
}

/// Micro-degrees (about 0.1 m): what the console shows and stores.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

#[derive(Deserialize)]
pub struct RouteQuery {
    from: String,
    to: String,
    profile: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RouteResponse {
    seconds: f64,
    meters: f64,
    /// `[lon, lat]` polyline from the snapped start to the snapped end.
    geometry: Vec<[f64; 2]>,
}

/// Fastest route between two points (`from`, `to` as `LON,LAT`), with its geometry.
#[utoipa::path(get, path = "/api/v1/roads/route",
    params(("from" = String, Query, description = "LON,LAT"), ("to" = String, Query, description = "LON,LAT"),
           ("profile" = Option<String>, Query, description = "police (default), car or foot")),
    responses((status = 200, body = RouteResponse), (status = 404, description = "unreachable")), security(("bearer" = [])))]
pub async fn route(
    State(state): State<AppState>,
    _auth: Authed,
    q: Result<Query<RouteQuery>, QueryRejection>,
) -> ApiResult<Json<RouteResponse>> {
    let Query(q) = q.map_err(|e| ApiError::bad_request(format!("bad query: {e}")))?;
    let net = network(&state)?;
    let p = parse_profile(q.profile.as_deref())?;
    let (a, b) = (
        parse_point_text("from", &q.from)?,
        parse_point_text("to", &q.to)?,
    );
    compute(move || {
        let (sa, sb) = (snap(&net, p, "from", a)?, snap(&net, p, "to", b)?);
        let r = net
            .route(p, &sa, &sb)
            .ok_or_else(|| ApiError::not_found("no route between these points"))?;
        Ok(Json(RouteResponse {
            seconds: r.seconds,
            meters: r.meters,
            geometry: r.geometry,
        }))
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatrixRequest {
    /// Row points as `[lon, lat]`.
    from: Vec<[f64; 2]>,
    /// Column points as `[lon, lat]`.
    to: Vec<[f64; 2]>,
    /// police (default), car or foot.
    profile: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MatrixResponse {
    /// `seconds[i][j]` from `from[i]` to `to[j]`; null where unreachable or off the network.
    seconds: Vec<Vec<Option<f64>>>,
    /// Same for meters.
    meters: Vec<Vec<Option<f64>>>,
}

/// Largest matrix side accepted in one request.
pub const MAX_MATRIX_SIDE: usize = 2000;

/// Travel-time and distance matrix (contraction hierarchies, bucket many-to-many).
#[utoipa::path(post, path = "/api/v1/roads/matrix", request_body = MatrixRequest,
    responses((status = 200, body = MatrixResponse)), security(("bearer" = [])))]
pub async fn matrix(
    State(state): State<AppState>,
    _auth: Authed,
    ApiJson(req): ApiJson<MatrixRequest>,
) -> ApiResult<Json<MatrixResponse>> {
    let net = network(&state)?;
    let p = parse_profile(req.profile.as_deref())?;
    for (field, pts) in [("from", &req.from), ("to", &req.to)] {
        if pts.is_empty() || pts.len() > MAX_MATRIX_SIDE {
            return Err(ApiError::invalid(
                field,
                format!("1 to {MAX_MATRIX_SIDE} points"),
            ));
        }
        for (i, pt) in pts.iter().enumerate() {
            parse_point(&format!("{field}[{i}]"), *pt)?;
        }
    }
    compute(move || {
        // A point off the network gives a row or column of nulls, not a failed request: a table
        // query over many units should not fail because one of them is in a field.
        let snaps = |pts: &[[f64; 2]]| -> Vec<Option<Snap>> {
            pts.iter().map(|q| net.snap_for(p, q[0], q[1])).collect()
        };
        let (fs, ts) = (snaps(&req.from), snaps(&req.to));
        let fi: Vec<usize> = (0..fs.len()).filter(|&i| fs[i].is_some()).collect();
        let ti: Vec<usize> = (0..ts.len()).filter(|&j| ts[j].is_some()).collect();
        let fsn: Vec<Snap> = fs.into_iter().flatten().collect();
        let tsn: Vec<Snap> = ts.into_iter().flatten().collect();
        let m = net.matrix(p, &fsn, &tsn);
        let mut seconds = vec![vec![None; req.to.len()]; req.from.len()];
        let mut meters = seconds.clone();
        for (a, &i) in fi.iter().enumerate() {
            for (b, &j) in ti.iter().enumerate() {
                seconds[i][j] = m.seconds[a][b];
                meters[i][j] = m.meters[a][b];
            }
        }
        Ok(Json(MatrixResponse { seconds, meters }))
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NearestRequest {
    /// Target `[lon, lat]`.
    at: [f64; 2],
    /// Candidate points `[lon, lat]`, e.g. unit positions.
    points: Vec<[f64; 2]>,
    /// How many to return.
    k: usize,
    /// police (default), car or foot.
    profile: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct NearestItem {
    /// Index into `points`.
    index: usize,
    seconds: f64,
    meters: f64,
}

/// The `k` points that reach `at` fastest by road, sorted by seconds.
#[utoipa::path(post, path = "/api/v1/roads/nearest", request_body = NearestRequest,
    responses((status = 200, body = Vec<NearestItem>)), security(("bearer" = [])))]
pub async fn nearest(
    State(state): State<AppState>,
    _auth: Authed,
    ApiJson(req): ApiJson<NearestRequest>,
) -> ApiResult<Json<Vec<NearestItem>>> {
    let net = network(&state)?;
    let p = parse_profile(req.profile.as_deref())?;
    let at = parse_point("at", req.at)?;
    if req.points.len() > 10 * MAX_MATRIX_SIDE {
        return Err(ApiError::invalid("points", "too many points"));
    }
    for (i, pt) in req.points.iter().enumerate() {
        parse_point(&format!("points[{i}]"), *pt)?;
    }
    compute(move || {
        let target = snap(&net, p, "at", at)?;
        let (idx, cands): (Vec<usize>, Vec<Snap>) = req
            .points
            .iter()
            .enumerate()
            .filter_map(|(i, q)| net.snap_for(p, q[0], q[1]).map(|s| (i, s)))
            .unzip();
        let best = net.nearest_k(p, &target, &cands, req.k);
        Ok(Json(
            best.into_iter()
                .map(|(i, seconds, meters)| NearestItem {
                    index: idx[i],
                    seconds,
                    meters,
                })
                .collect(),
        ))
    })
    .await
}

#[derive(Deserialize)]
pub struct IsochroneQuery {
    at: String,
    seconds: f64,
    profile: Option<String>,
}

/// Everything reachable from `at` within `seconds`: a polygon and the number of nodes.
#[utoipa::path(get, path = "/api/v1/roads/isochrone",
    params(("at" = String, Query, description = "LON,LAT"), ("seconds" = f64, Query), ("profile" = Option<String>, Query)),
    responses((status = 200, description = "{polygon: [[lon,lat]…], nodes: n}")), security(("bearer" = [])))]
pub async fn isochrone(
    State(state): State<AppState>,
    _auth: Authed,
    q: Result<Query<IsochroneQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    let Query(q) = q.map_err(|e| ApiError::bad_request(format!("bad query: {e}")))?;
    let net = network(&state)?;
    let p = parse_profile(q.profile.as_deref())?;
    let at = parse_point_text("at", &q.at)?;
    if !(q.seconds.is_finite() && q.seconds > 0.0 && q.seconds <= 4.0 * 3600.0) {
        return Err(ApiError::invalid("seconds", "between 0 and 14400"));
    }
    compute(move || {
        let s = snap(&net, p, "at", at)?;
        let iso = net.isochrone(p, &s, q.seconds);
        Ok(Json(
            json!({ "polygon": iso.polygon, "nodes": iso.nodes.len() }),
        ))
    })
    .await
}

#[derive(Deserialize)]
pub struct SearchQuery {
    q: String,
}

/// The address search of intake: house numbers and points of interest (`kind: "address"`,
/// `"poi"` with its `category`) and road names (`kind: "road"`, a point on the road) containing
/// `q`. A query with a digit puts the house numbers first; otherwise the roads come first.
#[utoipa::path(get, path = "/api/v1/roads/search", params(("q" = String, Query)),
    responses((status = 200, description = "[{name, kind, lon, lat, category?}]")), security(("bearer" = [])))]
pub async fn search(
    State(state): State<AppState>,
    _auth: Authed,
    q: Result<Query<SearchQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    let Query(q) = q.map_err(|e| ApiError::bad_request(format!("bad query: {e}")).field("q"))?;
    let net = network(&state)?;
    let places = state.map.places.clone();
    let text = q.q.trim().to_owned();
    if text.is_empty() || text.chars().count() > 50 {
        return Err(ApiError::invalid("q", "1 to 50 characters"));
    }
    compute(move || {
        let roads = net.find_by_name(&text).into_iter().take(20).map(
            |(name, lon, lat)| json!({ "name": name, "kind": "road", "lon": lon, "lat": lat }),
        );
        let doors: Vec<Value> = places
            .as_deref()
            .map(|p| p.search(&text, 20))
            .unwrap_or_default()
            .into_iter()
            .map(|p| {
                let mut v =
                    json!({ "name": p.label, "kind": p.kind.as_str(), "lon": p.lon, "lat": p.lat });
                if !p.category.is_empty() {
                    v["category"] = json!(p.category);
                }
                v
            })
            .collect();
        let hits: Vec<Value> = if text.chars().any(|c| c.is_ascii_digit()) {
            doors.into_iter().chain(roads).take(20).collect()
        } else {
            let roads: Vec<Value> = roads.collect();
            let n = roads.len().min(10);
            roads.into_iter().take(n).chain(doors).take(20).collect()
        };
        Ok(Json(Value::Array(hits)))
    })
    .await
}
