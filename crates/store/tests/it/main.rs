//! The store's tests, one binary: the kernel (`kernel`: writer, event log, audit chain, fact bus,
//! sweeps, track store, migrations, the architecture rule), the operations layer's timers, and
//! each domain's reactors at store level (`reactors`) over a small kit (`kit`: a store with the
//! program's domains, a test clock, a city and its people) — no HTTP.

mod alerts;
mod kernel;
mod kit;
mod reactors;
