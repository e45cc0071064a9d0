//! Public posts from NATS JetStream (舆情 at scale): a durable pull consumer on a stream of posts,
//! one JSON post per message (the shape of `POST /api/v1/opinion/posts`'s items). A batch is
//! screened, written in one transaction, and only then acknowledged: a crash of Zhihui before
//! the commit gets the batch again (redelivered after the ack wait), a crash after it gets
//! duplicates that the post id makes harmless — so a restart of either side loses and duplicates
//! nothing. A message that is not a valid post is terminated (never redelivered), logged and
//! audited, and does not hold up the rest.

use std::time::Duration;

use async_nats::jetstream::{self, consumer::pull, consumer::AckPolicy, stream, AckKind};
use futures_util::StreamExt;
use serde_json::json;
use zhihui_core::opinion::PublicPost;
use zhihui_store::commands::Actor;
use zhihui_store::opinion::{commands, prepare};

use crate::auth::audit;
use crate::AppState;

/// Where the posts come from.
#[derive(Debug, Clone)]
pub struct NatsIntake {
    /// Server URL (`nats://127.0.0.1:4222`).
    pub url: String,
    /// The stream (created with file storage if missing).
    pub stream: String,
    /// The subject the stream takes (`opinion.posts`).
    pub subject: String,
    /// The durable consumer's name: it keeps its place across restarts.
    pub durable: String,
    /// The account the posts are written as (it needs the `analyse` capability).
    pub actor: Actor,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Most messages taken per batch (one transaction).
const BATCH: usize = 500;

/// Runs the intake until the process ends, reconnecting after a failure.
pub fn start(state: AppState, cfg: NatsIntake) {
    tokio::spawn(async move {
        let mut backoff = Duration::from_millis(250);
        loop {
            match session(&state, &cfg).await {
                Ok(()) => backoff = Duration::from_millis(250),
                Err(e) => {
                    tracing::warn!(error = %e, url = %cfg.url, "NATS intake interrupted; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
    });
}

async fn session(state: &AppState, cfg: &NatsIntake) -> Result<(), BoxError> {
    let client = async_nats::connect(&cfg.url).await?;
    let js = jetstream::new(client);
    let stream = js
        .get_or_create_stream(stream::Config {
            name: cfg.stream.clone(),
            subjects: vec![cfg.subject.clone()],
            storage: stream::StorageType::File,
            ..Default::default()
        })
        .await?;
    let consumer = stream
        .get_or_create_consumer(
            &cfg.durable,
            pull::Config {
                durable_name: Some(cfg.durable.clone()),
                ack_policy: AckPolicy::Explicit,
                ack_wait: Duration::from_secs(30),
                max_ack_pending: 20_000,
                filter_subject: cfg.subject.clone(),
                ..Default::default()
            },
        )
        .await?;
    tracing::info!(stream = %cfg.stream, durable = %cfg.durable, "NATS intake consuming");
    loop {
        let mut batch = consumer
            .fetch()
            .max_messages(BATCH)
            .expires(Duration::from_millis(500))
            .messages()
            .await?;
        let mut msgs = Vec::new();
        while let Some(m) = batch.next().await {
            msgs.push(m?);
        }
        if msgs.is_empty() {
            continue;
        }
        take(state, cfg, msgs).await?;
    }
}

async fn take(
    state: &AppState,
    cfg: &NatsIntake,
    msgs: Vec<jetstream::Message>,
) -> Result<(), BoxError> {
    let now = state.now();
    let mut posts = Vec::with_capacity(msgs.len());
    let mut good = Vec::with_capacity(msgs.len());
    let mut bad = Vec::new();
    for m in msgs {
        let parsed = serde_json::from_slice::<PublicPost>(&m.payload)
            .map_err(|e| e.to_string())
            .and_then(|p| p.validate(0, now).map(|_| p).map_err(|e| e.to_string()));
        match parsed {
            Ok(p) => {
                posts.push(p);
                good.push(m);
            }
            Err(why) => bad.push((m, why)),
        }
    }
    if !posts.is_empty() {
        let Some(screening) = state.opinion_screening() else {
            return Err("this server screens no public posts".into());
        };
        let prepared =
            tokio::task::spawn_blocking(move || prepare::prepare(&screening, posts, now)).await??;
        let orgs = state.orgs();
        let actor = cfg.actor.clone();
        state
            .store
            .write(move |tx| commands::ingest(tx, &orgs, &actor, prepared, now))
            .await?;
        // Acknowledged only once committed: a crash before this line gets the batch again.
        for m in &good {
            m.ack().await?;
        }
    }
    for (m, why) in bad {
        tracing::warn!(subject = %m.subject, error = %why, "NATS message is not a post; terminated");
        audit(
            state,
            &cfg.actor.username,
            "opinion.ingest",
            "opinion_posts",
            "refused",
            json!({ "source": "nats", "stream": cfg.stream, "error": why }),
        )
        .await;
        m.ack_with(AckKind::Term).await?;
    }
    Ok(())
}
