//! The only Zhihui crate that speaks HTTP: the JSON API under `/api/v1`, the live WebSocket feed,
//! the OpenAPI document and the embedded web console.

mod alerts;
mod api;
mod auth;
mod bulletin;
mod command;
pub mod dispatch;
mod duplicates;
mod eido;
mod error;
mod extract;
pub mod fraud;
mod headers;
mod instructions;
mod live;
mod major_events;
pub mod map;
pub mod nats;
mod openapi;
pub mod opinion;
mod plans;
mod positions;
mod refusals;
mod response_plans;
mod telephony;
pub mod throttle;
mod watchdog;
mod web;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use axum::Router;
use tower_http::compression::CompressionLayer;
use zhihui_core::{OrgTree, Time};
use zhihui_store::commands::Actor;
use zhihui_store::projections::{self, UserRecord};
use zhihui_store::{Store, StoreError};

pub use auth::{check_new_password, hash_password, MIN_PASSWORD_CHARS};
pub use error::ApiError;
pub use map::MapData;

/// Largest accepted request body. Incidents are small; this refuses junk early.
pub const BODY_LIMIT: usize = 64 * 1024;
/// Routing tables carry up to thousands of points.
pub const MATRIX_BODY_LIMIT: usize = 1024 * 1024;

/// Where "now" comes from. Real servers use the system clock; tests may substitute their own.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> Time + Send + Sync>);

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Clock(Arc::new(chrono::Utc::now))
    }
    /// A clock driven by a function.
    pub fn from_fn(f: impl Fn() -> Time + Send + Sync + 'static) -> Self {
        Clock(Arc::new(f))
    }
    /// The current time.
    pub fn now(&self) -> Time {
        (self.0)()
    }
}

/// Shared state of the running server.
#[derive(Clone)]
pub struct AppState {
    /// Persistence.
    pub store: Store,
    orgs: Arc<RwLock<Arc<OrgTree>>>,
    sessions: Arc<Mutex<HashMap<String, (UserRecord, Time)>>>,
    throttle: Arc<Mutex<throttle::LoginThrottle>>,
    tickets: Arc<live::Tickets>,
    /// Token hashes of sessions just ended: their live feeds close at once.
    logouts: tokio::sync::broadcast::Sender<String>,
    /// Whether this server speaks TLS (HSTS is sent only then).
    pub https: bool,
    /// The road network and the base map drawn from it.
    pub map: Arc<MapData>,
    clock: Clock,
    live: live::Hub,
    /// Set by [`AppState::enable_test_clock`]: milliseconds added to the system clock.
    test_clock: Option<Arc<std::sync::atomic::AtomicI64>>,
    /// Unit positions snapped onto the roads, for recommendations.
    snaps: Arc<zhihui_store::fleet::SnapCache>,
    /// The command centre's time zone: the console shows every time in it and a bulletin's day
    /// runs from its midnight (`--time-zone`, default Asia/Shanghai).
    pub time_zone: chrono_tz::Tz,
    /// Public-opinion screening (the screen and the author keys); `None` answers 503.
    opinion: Option<opinion::SharedScreening>,
    /// The fraud reports' linker, built from the store on first use.
    fraud: fraud::SharedLinker,
}

impl AppState {
    /// Builds the state; loads the organisation tree from the store.
    pub fn new(store: Store, map: MapData, clock: Clock) -> Result<Self, StoreError> {
        let orgs = store.read(projections::org_tree)?;
        let live = live::Hub::start(&store);
        let state = Self {
            store,
            orgs: Arc::new(RwLock::new(Arc::new(orgs))),
            sessions: Arc::new(Mutex::new(HashMap::new())),
            throttle: Arc::default(),
            tickets: Arc::default(),
            logouts: tokio::sync::broadcast::channel(256).0,
            https: false,
            map: Arc::new(map),
            clock,
            live,
            test_clock: None,
            snaps: Arc::new(zhihui_store::fleet::SnapCache::new()),
            time_zone: chrono_tz::Asia::Shanghai,
            opinion: None,
            fraud: Arc::default(),
        };
        // Organisations are added with `zhihui org add` beside the running server; pick them up.
        let st = state.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(30));
            loop {
                every.tick().await;
                let s = st.clone();
                if let Ok(Err(e)) = tokio::task::spawn_blocking(move || s.reload_orgs()).await {
                    tracing::warn!(error = %e, "could not reload organisations");
                }
            }
        });
        Ok(state)
    }

    /// Lets tests move time forward (`POST /api/v1/test/clock`); never for production servers.
    pub fn enable_test_clock(&mut self) {
        let offset = Arc::new(std::sync::atomic::AtomicI64::new(0));
        let base = self.clock.clone();
        let o = offset.clone();
        self.clock = Clock::from_fn(move || {
            base.now() + chrono::Duration::milliseconds(o.load(std::sync::atomic::Ordering::SeqCst))
        });
        self.test_clock = Some(offset);
    }

    /// The screening of public posts, if this server does it.
    pub fn opinion_screening(&self) -> Option<zhihui_store::opinion::prepare::Screening> {
        self.opinion.as_ref().map(|s| {
            s.read()
                .map(|g| g.clone())
                .unwrap_or_else(|p| p.into_inner().clone())
        })
    }

    /// Screens with `screener` from now on (an analyst saved a lexicon), keeping the trained
    /// model of the one it replaces.
    pub fn replace_screener(&self, screener: zhihui_screen::Screener) {
        let Some(s) = &self.opinion else { return };
        let mut g = s.write().unwrap_or_else(|p| p.into_inner());
        let next = match g.screener.model() {
            Some(m) => screener.with_model(m.clone()),
            None => screener,
        };
        g.screener = Arc::new(next);
    }

    /// Screens public posts with `screening` (`/api/v1/opinion/*`).
    pub fn enable_opinion(&mut self, screening: zhihui_store::opinion::prepare::Screening) {
        self.opinion = Some(Arc::new(RwLock::new(screening)));
    }

    /// Starts the closed-loop timers (unsigned and late dispatch orders).
    pub fn start_timers(&self) {
        watchdog::start(self.clone());
    }

    /// The current time from the server's clock.
    pub fn now(&self) -> Time {
        self.clock.now()
    }

    /// A snapshot of the organisation tree.
    pub fn orgs(&self) -> Arc<OrgTree> {
        self.orgs
            .read()
            .map(|g| g.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// Reloads the organisation tree after organisations were added.
    pub fn reload_orgs(&self) -> Result<(), StoreError> {
        let tree = self.store.read(projections::org_tree)?;
        if let Ok(mut g) = self.orgs.write() {
            *g = Arc::new(tree);
        }
        Ok(())
    }
}

/// An authenticated request's user.
#[derive(Clone)]
pub struct Authed {
    /// Who acts, as the domain sees it.
    pub actor: Actor,
    /// The account.
    pub user: UserRecord,
    token_hash: String,
}

/// Runs blocking store work off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(ApiError::from),
        Err(_) => Err(ApiError::internal("worker failed")),
    }
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/session", post(auth::login).delete(auth::logout))
        .route("/me", get(auth::me))
        .route("/health", get(api::health))
        .route("/orgs", get(api::list_orgs))
        .route("/orgs/areas", get(api::org_areas))
        .route("/orgs/{id}/area", put(api::set_org_area))
        .route("/codes", get(api::codes))
        .route(
            "/incidents",
            get(api::list_incidents).post(api::create_incident),
        )
        .route("/incidents/duplicates", get(duplicates::for_call))
        .route(
            "/incidents/{id}",
            get(api::get_incident).patch(api::update_incident),
        )
        .route("/incidents/{id}/duplicates", get(duplicates::for_incident))
        .route("/incidents/{id}/merge", post(duplicates::merge))
        .route("/incidents/{id}/handover", post(api::hand_over))
        .route("/incidents/history", get(api::premise_history))
        .route("/incidents/{id}/timeline", get(api::incident_timeline))
        .route(
            "/incidents/{id}/recommendations",
            get(dispatch::recommendations),
        )
        .route(
            "/incidents/{id}/assignments",
            get(dispatch::incident_assignments).post(dispatch::assign),
        )
        .route("/incidents/{id}/eido", get(eido::export))
        .route("/incidents/{id}/notes", post(api::add_note))
        .route("/units/{id}/assignments", get(dispatch::unit_assignments))
        .route("/units/{id}/positions", post(positions::report))
        .route("/units/{id}/track", get(positions::track))
        .route(
            "/positions",
            post(positions::bulk).layer(DefaultBodyLimit::max(MATRIX_BODY_LIMIT)),
        )
        .route("/assignments/{id}/status", post(dispatch::advance))
        .route("/units", get(api::list_units).post(api::create_unit))
        .route("/units/{id}", get(api::get_unit).patch(api::update_unit))
        .route(
            "/telephony/calls",
            get(telephony::list).post(telephony::report),
        )
        .route("/telephony/calls/{id}", get(telephony::get_one))
        .route("/telephony/calls/{id}/answer", post(telephony::answer))
        .route("/opinion/posts", post(opinion::ingest))
        .route("/opinion/categories", get(opinion::categories))
        .route("/opinion/alerts", get(opinion::list))
        .route("/opinion/alerts/{id}", get(opinion::get_one))
        .route(
            "/opinion/alerts/{id}/acknowledge",
            post(opinion::acknowledge),
        )
        .route("/opinion/alerts/{id}/dismiss", post(opinion::dismiss))
        .route("/opinion/alerts/{id}/incident", post(opinion::to_incident))
        .route("/opinion/alerts/{id}/unmask", post(opinion::unmask))
        .route("/opinion/alerts/{id}/cluster", get(opinion::cluster))
        .route(
            "/opinion/lexicon",
            get(opinion::lexicon).put(opinion::save_lexicon),
        )
        .route("/opinion/lexicon/versions", get(opinion::lexicon_versions))
        .route("/fraud/reports", post(fraud::add))
        .route("/fraud/reports/{id}/cluster", get(fraud::cluster))
        .route("/fraud/links/reject", post(fraud::reject))
        .route(
            "/fraud/warnings",
            get(fraud::list_warnings).post(fraud::add_warnings),
        )
        .route("/fraud/warnings.csv", post(fraud::add_warnings_csv))
        .route("/alerts", get(alerts::list))
        .route("/alerts/{id}/acknowledge", post(alerts::acknowledge))
        .route("/alerts/{id}/resolve", post(alerts::resolve))
        .route("/bulletin", get(bulletin::json))
        .route("/bulletin.xlsx", get(bulletin::xlsx))
        .route(
            "/instructions",
            get(instructions::list).post(instructions::issue),
        )
        .route("/instructions/{id}", get(instructions::get_one))
        .route("/instructions/{id}/sign", post(instructions::sign))
        .route("/instructions/{id}/feedback", post(instructions::feedback))
        .route("/instructions/{id}/close", post(instructions::close))
        .route(
            "/plans/intercept",
            post(plans::intercept).layer(DefaultBodyLimit::max(MATRIX_BODY_LIMIT)),
        )
        .route(
            "/plans/blockade",
            post(plans::blockade).layer(DefaultBodyLimit::max(MATRIX_BODY_LIMIT)),
        )
        .route("/interceptions", get(plans::list).post(plans::create))
        .route("/interceptions/{id}", get(plans::get_one))
        .route("/interceptions/{id}/timeline", get(plans::timeline))
        .route("/interceptions/{id}/close", post(plans::close))
        .route(
            "/interceptions/{id}/points/{index}/arrived",
            post(plans::arrive),
        )
        .route(
            "/events",
            get(major_events::list)
                .post(major_events::create)
                .layer(DefaultBodyLimit::max(MATRIX_BODY_LIMIT)),
        )
        .route("/events/{id}", get(major_events::get_one))
        .route("/events/{id}/board", get(major_events::board))
        .route("/events/{id}/deploy", post(major_events::deploy))
        .route(
            "/events/{id}/assignments",
            post(major_events::assign).layer(DefaultBodyLimit::max(MATRIX_BODY_LIMIT)),
        )
        .route("/events/{id}/close", post(major_events::close))
        .route(
            "/events/{id}/posts/{post}/arrived",
            post(major_events::arrived),
        )
        .route(
            "/events/{id}/posts/{post}/relief",
            post(major_events::relief),
        )
        .route(
            "/events/{id}/posts/{post}/timeline",
            get(major_events::post_timeline),
        )
        .route(
            "/response-plans",
            get(response_plans::list).post(response_plans::create),
        )
        .route(
            "/response-plans/{id}",
            get(response_plans::get_one).put(response_plans::update),
        )
        .route(
            "/response-plans/{id}/versions",
            get(response_plans::versions),
        )
        .route("/response-plans/{id}/retire", post(response_plans::retire))
        .route(
            "/incidents/{id}/activate-plan",
            post(response_plans::activate),
        )
        .route(
            "/incidents/{id}/activate-plan/preview",
            post(response_plans::preview),
        )
        .route(
            "/incidents/{id}/plan-activations",
            get(response_plans::incident_activations),
        )
        .route(
            "/plan-activations/{id}",
            get(response_plans::get_activation),
        )
        .route(
            "/plan-activations/{id}/timeline",
            get(response_plans::timeline),
        )
        .route("/plan-activations/{id}/close", post(response_plans::close))
        .route("/test/clock", post(watchdog::advance_clock))
        .route("/map", get(map::info))
        .route("/map/roads.geojson", get(map::roads))
        .route("/roads/route", get(map::route))
        .route(
            "/roads/matrix",
            post(map::matrix).layer(DefaultBodyLimit::max(MATRIX_BODY_LIMIT)),
        )
        .route(
            "/roads/nearest",
            post(map::nearest).layer(DefaultBodyLimit::max(MATRIX_BODY_LIMIT)),
        )
        .route("/roads/isochrone", get(map::isochrone))
        .route("/roads/search", get(map::search))
        .route("/roads/snap", get(map::snap_point))
        .route("/live", get(live::handler))
        .route("/live/ticket", post(live::ticket))
        .route("/openapi.json", get(openapi::document))
        .fallback(api::not_found)
        // Around every route and the fallback: a refusal no handler audited is audited here.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            refusals::audit_refusals,
        ));
    Router::new()
        .nest("/api/v1", api)
        .fallback(web::serve)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            headers::security_headers,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(CompressionLayer::new())
        .with_state(state)
}

/// The server's certificate chain and private key, PEM files (reloaded on SIGHUP).
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// Certificate chain, leaf first.
    pub cert: std::path::PathBuf,
    /// Private key (PKCS#8, PKCS#1 or SEC1).
    pub key: std::path::PathBuf,
}

/// Serves over TLS until the process is stopped (rustls; HTTP/1.1 and HTTP/2). SIGHUP reloads
/// the certificate and key from their files without dropping connections; a pair that does not
/// load is logged and the running one kept. `on_bound` learns the real address.
pub async fn serve_tls(
    mut state: AppState,
    listen: SocketAddr,
    tls: TlsFiles,
    on_bound: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    // One crypto provider for the process, whatever other crates compiled into rustls. ring, not
    // aws-lc-rs (which rustls now prefers for its post-quantum key exchange): aws-lc needs cmake
    // and a long C build that the two-command setup cannot assume. Classical X25519/P-256 only.
    #[allow(deprecated)]
    let provider = rustls::crypto::ring::default_provider();
    let _ = provider.install_default();
    let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(&tls.cert, &tls.key).await?;
    state.https = true;
    let listener = std::net::TcpListener::bind(listen)?;
    listener.set_nonblocking(true)?;
    on_bound(listener.local_addr()?);
    #[cfg(unix)]
    {
        let cfg = config.clone();
        let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
        tokio::spawn(async move {
            while hup.recv().await.is_some() {
                match cfg.reload_from_pem_file(&tls.cert, &tls.key).await {
                    Ok(()) => {
                        tracing::info!(cert = %tls.cert.display(), "TLS certificate reloaded")
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "TLS certificate not reloaded; keeping the running one")
                    }
                }
            }
        });
    }
    axum_server::from_tcp_rustls(listener, config)?
        .serve(router(state).into_make_service_with_connect_info::<SocketAddr>())
        .await
}

/// Serves until the process is stopped. `on_bound` learns the real address (for port 0).
pub async fn serve(
    state: AppState,
    listen: SocketAddr,
    on_bound: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    on_bound(listener.local_addr()?);
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
}
