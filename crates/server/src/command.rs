//! The one shape of a command handler. A handler takes a [`Cmd`] (the state and who asks,
//! extracted like `State` + `Authed`) and says only what is its own: the action and record it
//! is audited under, and one closure over the store — a write in the writer's transaction, a
//! read, or a plan (a read with the road network, off the async threads). `Cmd` runs it, maps
//! the store's error to the API's (the field it names included) and audits a refusal. This
//! replaces handler pairs in which an outer function only audited what an inner one returned.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use zhihui_core::{OrgTree, Time};
use zhihui_roads::RoadNetwork;
use zhihui_store::commands::Actor;
use zhihui_store::{Connection, Registry, Store, StoreError, Tx};

use crate::api::audit_refusal;
use crate::error::{ApiError, ApiResult};
use crate::{map, AppState, Authed};

/// A request as a command: the server's state and the authenticated caller.
pub struct Cmd {
    pub state: AppState,
    pub auth: Authed,
}

impl FromRequestParts<AppState> for Cmd {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let auth = Authed::from_request_parts(parts, state).await?;
        Ok(Cmd {
            state: state.clone(),
            auth,
        })
    }
}

/// What a command's closure works with: who acts, in which organisation tree, at what time.
pub struct Ctx {
    pub actor: Actor,
    pub orgs: Arc<OrgTree>,
    pub now: Time,
    store: Store,
}

impl Ctx {
    /// The registry and the tree, as the planners take them.
    pub fn units(&self) -> (&Registry, &OrgTree) {
        (self.store.registry(), &self.orgs)
    }
}

impl Cmd {
    /// The caller.
    pub fn actor(&self) -> &Actor {
        &self.auth.actor
    }

    /// A snapshot for a closure: the caller, the organisation tree now, the time now.
    pub fn ctx(&self) -> Ctx {
        Ctx {
            actor: self.auth.actor.clone(),
            orgs: self.state.orgs(),
            now: self.state.now(),
            store: self.state.store.clone(),
        }
    }

    /// Passes `r` on, noting a refusal as `action` on `target` for the audit log.
    pub async fn audited<T>(&self, action: &str, target: &str, r: ApiResult<T>) -> ApiResult<T> {
        audit_refusal(&self.state, &self.auth.actor, action, target, r).await
    }

    /// Runs `f` in the writer, in one transaction with the request's events and audit entries.
    pub async fn write<T, F>(&self, action: &str, target: &str, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>, &Ctx) -> Result<T, StoreError> + Send + 'static,
    {
        let ctx = self.ctx();
        let r = self
            .state
            .store
            .write(move |tx| f(tx, &ctx))
            .await
            .map_err(ApiError::from);
        self.audited(action, target, r).await
    }

    /// Runs `f` on a reader, off the async threads.
    pub async fn read<T, F>(&self, action: &str, target: &str, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &Ctx) -> Result<T, StoreError> + Send + 'static,
    {
        let ctx = self.ctx();
        let r = crate::blocking(move || ctx.store.clone().read(|c| f(c, &ctx))).await;
        self.audited(action, target, r).await
    }

    /// Runs `f` on a reader with the road network, off the async threads: planning before a
    /// write. 503 when the server has no network.
    pub async fn plan<T, F>(&self, action: &str, target: &str, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &Ctx, &RoadNetwork) -> Result<T, StoreError> + Send + 'static,
    {
        let net = match map::network(&self.state) {
            Ok(n) => n,
            Err(e) => return self.audited(action, target, Err(e)).await,
        };
        self.read(action, target, move |c, ctx| f(c, ctx, &net))
            .await
    }

    /// The road network, if the server has one.
    pub fn network(&self) -> Option<Arc<RoadNetwork>> {
        map::network(&self.state).ok()
    }
}
