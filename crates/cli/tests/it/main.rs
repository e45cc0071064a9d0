//! Integration tests of the `zhihui` binary: each module starts the real binary (on
//! `127.0.0.1:0`) or runs its commands and talks HTTP, WebSocket or the shell to it. One test
//! binary for the crate (issue 5b step 7): linking one binary instead of seven is most of what
//! a warm `cargo test` spends here. Shared fixtures are in `common`.

mod common;

mod alerts;
mod api;
mod areas;
mod cli;
mod crash;
mod event;
mod fraud;
mod intake;
mod interception;
mod nats;
mod opinion;
mod plan_cli;
mod response_plans;
mod telephony;
