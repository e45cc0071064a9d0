//! The live feed: every committed event the user may see, in order, over a WebSocket, with resume.
//!
//! One hub task turns each committed event into its wire text once; each socket only filters by
//! jurisdiction and forwards, so fan-out to hundreds of consoles costs one serialisation per event.

use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use base64::Engine;
use futures_util::SinkExt;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::broadcast;
use utoipa::ToSchema;
use zhihui_core::Time;
use zhihui_store::{Event, Registry, Store};

use crate::error::{ApiError, ApiResult};
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

/// The wire text of one event, if its kind of record is published, with the personal data its
/// kind declares masked (the declaration is the only source: see `store::RecordKind`).
fn to_msg(e: &Event, registry: &Registry) -> LiveMsg {
    let text = match registry.record_kind(&e.record_type) {
        Some(kind) if kind.published => {
            let mut data = e.payload.get("record").cloned().unwrap_or_default();
            // The feed reaches every console in the jurisdiction: personal data stays masked.
            zhihui_store::mask_personal(&mut data, kind.personal);
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
        let store = store.clone();
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(e) => {
                        let _ = out.send(Arc::new(to_msg(&e, store.registry())));
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
#[serde(deny_unknown_fields)]
pub struct LiveQuery {
    ticket: Option<String>,
    /// Refused with a pointer to tickets: a session token in a URL ends up in proxy logs.
    token: Option<String>,
    since: Option<i64>,
}

/// How long a live-feed ticket may wait for its handshake.
pub const TICKET_TTL_S: i64 = 30;

/// A single-use pass for one live-feed handshake.
#[derive(Serialize, ToSchema)]
pub struct LiveTicket {
    /// Pass as `?ticket=` to `/api/v1/live`; good for one handshake.
    ticket: String,
    /// The ticket is refused after this time (RFC 3339).
    expires_at: String,
}

/// Tickets not yet redeemed: SHA-256 of the ticket → (the session's token hash, expiry).
pub(crate) type Tickets = std::sync::Mutex<HashMap<String, (String, Time)>>;

/// A ticket for the live feed: browsers cannot set headers on a WebSocket, and the 12-hour
/// session token must not travel in a URL (it lands in proxy and server logs). The ticket is
/// good for one handshake within 30 seconds, and only while the session stands.
#[utoipa::path(post, path = "/api/v1/live/ticket",
    responses((status = 201, body = LiveTicket), (status = 401, body = crate::error::ErrorBody, description = "not logged in")),
    security(("bearer" = [])))]
pub async fn ticket(State(state): State<AppState>, auth: Authed) -> (StatusCode, Json<LiveTicket>) {
    let mut raw = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut raw);
    let ticket = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
    let now = state.now();
    let expires = now + chrono::Duration::seconds(TICKET_TTL_S);
    if let Ok(mut t) = state.tickets.lock() {
        // Unredeemed tickets expire; keep the table small.
        t.retain(|_, (_, exp)| *exp > now);
        t.insert(
            crate::auth::token_hash(&ticket),
            (auth.token_hash.clone(), expires),
        );
    }
    (
        StatusCode::CREATED,
        Json(LiveTicket {
            ticket,
            expires_at: expires.to_rfc3339(),
        }),
    )
}

/// A browser's handshake must come from a page of this server: a foreign page cannot open the
/// feed with the user's cookies or tickets. Clients that send no `Origin` (not browsers) pass.
fn check_origin(headers: &HeaderMap) -> ApiResult<()> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or_default();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let authority = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .unwrap_or_default();
    if host.is_empty() || !authority.eq_ignore_ascii_case(host) {
        return Err(ApiError::forbidden(format!(
            "origin `{origin}` may not open this server's live feed"
        )));
    }
    Ok(())
}

/// Upgrade to the live feed (`?ticket=…&since=N`).
pub async fn handler(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<LiveQuery>, QueryRejection>,
    ws: WebSocketUpgrade,
) -> ApiResult<Response> {
    check_origin(&headers)?;
    let Query(q) = q.map_err(|e| ApiError::bad_request(format!("bad query string: {e}")))?;
    if q.token.is_some() {
        return Err(ApiError::bad_request(
            "the live feed takes a single-use `ticket` from POST /api/v1/live/ticket, not the session token",
        )
        .field("token"));
    }
    let found = q
        .ticket
        .as_deref()
        .filter(|t| !t.is_empty())
        .and_then(|t| {
            // Redeemed at the first attempt, whatever follows: a ticket is never good twice.
            state
                .tickets
                .lock()
                .ok()
                .and_then(|mut m| m.remove(&crate::auth::token_hash(t)))
        })
        .filter(|(_, exp)| *exp > state.now());
    let auth = match found {
        Some((session, _)) => {
            crate::auth::authenticate_hash(&state, session, "/api/v1/live").await?
        }
        None => {
            crate::auth::audit(
                &state,
                "anonymous",
                "request",
                "/api/v1/live",
                "unauthenticated",
                json!({"reason": "missing, used or expired live-feed ticket"}),
            )
            .await;
            return Err(ApiError::unauthorized(
                "live-feed ticket missing, already used or expired: get one from POST /api/v1/live/ticket",
            ));
        }
    };
    // Subscribed and the head read before the handshake is answered: whatever the client
    // writes once connected (a feed opened without `since=`) comes after the head and reaches it.
    let start = Start {
        rx: state.live.tx.subscribe(),
        logouts: state.logouts.subscribe(),
        head: {
            let s = state.store.clone();
            crate::blocking(move || s.head()).await?
        },
    };
    Ok(ws.on_upgrade(move |socket| async move {
        if let Err(e) = run(socket, state, auth, q.since, start).await {
            tracing::debug!(error = %e, "live feed closed");
        }
    }))
}

/// What a feed holds from before its handshake: the subscriptions and the log's head then.
struct Start {
    rx: broadcast::Receiver<std::sync::Arc<LiveMsg>>,
    logouts: broadcast::Receiver<String>,
    head: i64,
}

/// How often an open feed checks that its session still stands.
const SESSION_RECHECK: std::time::Duration = std::time::Duration::from_secs(10);

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn run(
    mut socket: WebSocket,
    state: AppState,
    auth: Authed,
    since: Option<i64>,
    start: Start,
) -> Result<(), BoxError> {
    // Subscribed before the history is read (in the handler), so nothing committed in between is
    // lost.
    let Start {
        mut rx,
        mut logouts,
        head,
    } = start;
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
            bye = logouts.recv() => {
                let ended = match bye {
                    Ok(th) => th == auth.token_hash,
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        !crate::auth::still_valid(&state, &auth.token_hash).await
                    }
                    Err(broadcast::error::RecvError::Closed) => false,
                };
                if ended {
                    // Logged out: this session's feeds close at once.
                    let _ = socket.send(Message::Close(None)).await;
                    return Ok(());
                }
            }
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
    if m.seq == 0 {
        // Telemetry (a position report): not in the log, so it neither advances the resume
        // point nor can be read back after a gap; the unit's record holds its latest position.
        return send_if_visible(socket, state, auth, m).await;
    }
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
            send_if_visible(socket, state, auth, &to_msg(e, state.store.registry())).await?;
            *last = e.seq;
        }
        socket.flush().await?;
        if n < BATCH {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zhihui_store::{Module, RecordKind};

    fn event(record_type: &str, record: serde_json::Value) -> Event {
        Event {
            seq: 1,
            at: chrono::Utc::now(),
            actor: "t".into(),
            org_id: "s1".into(),
            record_type: record_type.into(),
            record_id: 1,
            kind: format!("{record_type}.created"),
            payload: json!({ "record": record }),
        }
    }

    #[test]
    fn the_feed_masks_what_a_record_kind_declares_and_publishes_no_undeclared_kind() {
        let registry = Registry::new(vec![Module::new("fraud").record_kind(RecordKind {
            record_type: "stop_payment",
            published: true,
            personal: &["/victim", "/accounts/*/number"],
        })])
        .unwrap();
        let rec = json!({
            "victim": {"name": "张三", "phone": "13800138000"},
            "accounts": [{"bank": "工商银行", "number": "6222021234567890123"}],
            "amount": 200000
        });
        let m = to_msg(&event("stop_payment", rec), &registry);
        let text = m.text.expect("published");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["data"]["victim"]["name"], "张*");
        assert_eq!(v["data"]["victim"]["phone"], "138****8000");
        assert_eq!(v["data"]["accounts"][0]["number"], "622****0123");
        assert_eq!(v["data"]["accounts"][0]["bank"], "工商银行");
        assert_eq!(v["data"]["amount"], 200000);
        assert!(!text.contains("13800138000") && !text.contains("张三"));
        // The shared incident kind masks its caller; a kind nobody declared is not sent at all.
        let inc = to_msg(
            &event(
                "incident",
                json!({"caller": {"name": "李四", "phone": "13912345678"}}),
            ),
            &registry,
        );
        assert!(inc.text.unwrap().contains("139****5678"));
        assert!(to_msg(
            &event("victim_file", json!({"phone": "13800138000"})),
            &registry
        )
        .text
        .is_none());
        assert!(to_msg(&event("user", json!({})), &registry).text.is_none());
    }
}
