//! The live feed: every committed event the user may see, in order, over a WebSocket, with resume.
//!
//! One hub task turns each committed event into its wire text once; each socket only filters by
//! jurisdiction and forwards, so fan-out to hundreds of consoles costs one serialisation per event.

use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use futures_util::SinkExt;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::broadcast;
use zhihui_core::Caller;
use zhihui_store::{Event, Store};

use crate::error::ApiResult;
use crate::{AppState, Authed};

#[derive(Debug)]
pub(crate) struct LiveMsg {
    seq: i64,
    org_id: String,
    /// Further organisations concerned (an instruction's recipients): visible above and below them.
    also: Vec<String>,
    /// `None` for events that are not published (users, organisations).
    text: Option<Arc<str>>,
}

fn to_msg(e: &Event) -> LiveMsg {
    let text = match e.record_type.as_str() {
        "incident" | "unit" | "assignment" | "alert" | "instruction" | "interception"
        | "plan_activation" | "major_event" | "post" => {
            let mut data = e.payload.get("record").cloned().unwrap_or_default();
            if let Some(c) = data.get_mut("caller") {
                // The feed reaches every console in the jurisdiction: personal data stays masked.
                let masked = serde_json::from_value::<Caller>(c.clone())
                    .map(|c| c.masked())
                    .ok();
                *c = serde_json::to_value(masked).unwrap_or_default();
            }
            let msg = json!({
                "type": "event",
                "seq": e.seq,
                "at": e.at,
                "kind": e.kind,
                "record_type": e.record_type,
                "record_id": e.record_id,
                "org_id": e.org_id,
                "actor": e.actor,
                "data": data,
                "changes": e.payload.get("changes"),
            });
            Some(Arc::from(msg.to_string()))
        }
        _ => None,
    };
    let also = e
        .payload
        .get("orgs")
        .and_then(|o| serde_json::from_value::<Vec<String>>(o.clone()).ok())
        .unwrap_or_default();
    LiveMsg {
        seq: e.seq,
        org_id: e.org_id.clone(),
        also,
        text,
    }
}

#[derive(Clone)]
pub(crate) struct Hub {
    tx: broadcast::Sender<Arc<LiveMsg>>,
}

impl Hub {
    pub(crate) fn start(store: &Store) -> Hub {
        let (tx, _) = broadcast::channel(16_384);
        let mut events = store.subscribe();
        let out = tx.clone();
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(e) => {
                        let _ = out.send(Arc::new(to_msg(&e)));
                    }
                    // Subscribers notice the gap in sequence numbers and read it from the log.
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        });
        Hub { tx }
    }
}

#[derive(Deserialize)]
pub struct LiveQuery {
    token: Option<String>,
    since: Option<i64>,
}

/// Upgrade to the live feed (`?token=…&since=N`).
pub async fn handler(
    State(state): State<AppState>,
    Query(q): Query<LiveQuery>,
    ws: WebSocketUpgrade,
) -> ApiResult<Response> {
    // Browsers cannot set headers on a WebSocket, hence the token in the query.
    let auth = crate::auth::authenticate(&state, q.token.as_deref(), "/api/v1/live").await?;
    Ok(ws.on_upgrade(move |socket| async move {
        if let Err(e) = run(socket, state, auth, q.since).await {
            tracing::debug!(error = %e, "live feed closed");
        }
    }))
}

/// How often an open feed checks that its session still stands.
const SESSION_RECHECK: std::time::Duration = std::time::Duration::from_secs(10);

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn run(
    mut socket: WebSocket,
    state: AppState,
    auth: Authed,
    since: Option<i64>,
) -> Result<(), BoxError> {
    // Subscribe before reading history, so nothing committed in between is lost.
    let mut rx = state.live.tx.subscribe();
    let store = state.store.clone();
    let head = {
        let s = store.clone();
        tokio::task::spawn_blocking(move || s.head()).await??
    };
    socket
        .send(Message::Text(
            json!({ "type": "hello", "head": head }).to_string().into(),
        ))
        .await?;
    let mut last = since.unwrap_or(head).max(0);
    catch_up(&mut socket, &state, &auth, &mut last).await?;
    let mut recheck = tokio::time::interval(SESSION_RECHECK);
    recheck.tick().await;
    loop {
        tokio::select! {
            _ = recheck.tick() => {
                if !crate::auth::still_valid(&state, &auth.token_hash).await {
                    // Logged out or expired: the feed stops with the session.
                    let _ = socket.send(Message::Close(None)).await;
                    return Ok(());
                }
            }
            m = rx.recv() => {
                // Everything already committed goes out in one flush: the events of one commit
                // (two posts turning late on one clock step) reach the console together, not
                // one network write apart.
                let mut next = Some(m);
                while let Some(m) = next.take() {
                    match m {
                        Ok(m) => forward(&mut socket, &state, &auth, &mut last, &m).await?,
                        Err(broadcast::error::RecvError::Lagged(_)) => {
                            catch_up(&mut socket, &state, &auth, &mut last).await?
                        }
                        Err(broadcast::error::RecvError::Closed) => {
                            socket.flush().await?;
                            return Ok(());
                        }
                    }
                    next = match rx.try_recv() {
                        Ok(m) => Some(Ok(m)),
                        Err(broadcast::error::TryRecvError::Lagged(n)) => {
                            Some(Err(broadcast::error::RecvError::Lagged(n)))
                        }
                        Err(_) => None,
                    };
                }
                socket.flush().await?;
            },
            incoming = socket.recv() => match incoming {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Ok(()),
                Some(Ok(_)) => {}
            },
        }
    }
}

/// Queues one message for this socket (after reading any gap from the log); the caller flushes.
async fn forward(
    socket: &mut WebSocket,
    state: &AppState,
    auth: &Authed,
    last: &mut i64,
    m: &LiveMsg,
) -> Result<(), BoxError> {
    if m.seq <= *last {
        return Ok(());
    }
    if m.seq > *last + 1 {
        catch_up(socket, state, auth, last).await?;
        if m.seq <= *last {
            return Ok(());
        }
    }
    send_if_visible(socket, state, auth, m).await?;
    *last = m.seq;
    Ok(())
}

async fn send_if_visible(
    socket: &mut WebSocket,
    state: &AppState,
    auth: &Authed,
    m: &LiveMsg,
) -> Result<(), BoxError> {
    if let Some(text) = &m.text {
        let tree = state.orgs();
        let me = &auth.actor.org_id;
        let visible = tree.is_within(&m.org_id, me)
            || m.also
                .iter()
                .any(|o| tree.is_within(o, me) || tree.is_within(me, o));
        if visible {
            // Queued, not flushed: the caller flushes once per burst.
            socket.feed(Message::Text(text.as_ref().into())).await?;
        }
    }
    Ok(())
}

async fn catch_up(
    socket: &mut WebSocket,
    state: &AppState,
    auth: &Authed,
    last: &mut i64,
) -> Result<(), BoxError> {
    const BATCH: usize = 1000;
    loop {
        let s = state.store.clone();
        let after = *last;
        let events = tokio::task::spawn_blocking(move || s.events_after(after, BATCH)).await??;
        let n = events.len();
        for e in &events {
            send_if_visible(socket, state, auth, &to_msg(e)).await?;
            *last = e.seq;
        }
        socket.flush().await?;
        if n < BATCH {
            return Ok(());
        }
    }
}
