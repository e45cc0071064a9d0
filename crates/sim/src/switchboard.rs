//! The demo's telephone system: now and then a call rings on the 110 (or a 119/122 transfer)
//! line with a caller's number and a handset location, reported through the same telephony
//! commands the CTI gateway's `POST /api/v1/telephony/calls` uses. Nobody simulated answers it:
//! it is there for the person at the console (click 接听 or press F2). Unanswered, the caller
//! hangs up after 45 s (a missed call, to ring back); answered, the call ends after a couple of
//! minutes.

use rand::rngs::StdRng;
use rand::Rng;
use zhihui_core::{CallEvent, CallReport, CallState, Line, LonLat, OrgTree, Role};
use zhihui_store::commands::Actor;
use zhihui_store::telephony::{commands, projection};
use zhihui_store::Store;

use crate::{seed, write_or_log, CityMap};

/// Simulated seconds the caller waits for an answer.
const RINGS_FOR_S: f64 = 45.0;
/// Simulated seconds an answered call lasts.
const TALKS_FOR_S: f64 = 150.0;

struct Open {
    id: i64,
    external_id: String,
    rang_t: f64,
    answered_t: Option<f64>,
}

pub(crate) struct Switchboard {
    next_ring: f64,
    seq: u64,
    open: Vec<Open>,
}

/// The gateway's account (the command centre's CTI).
fn gateway() -> Actor {
    Actor {
        username: "cti-gateway".into(),
        role: Role::Dispatcher,
        org_id: "jz".into(),
        unit_id: None,
    }
}

impl Switchboard {
    pub(crate) fn new() -> Switchboard {
        Switchboard {
            next_ring: 20.0,
            seq: 0,
            open: Vec::new(),
        }
    }

    pub(crate) async fn tick(
        &mut self,
        store: &Store,
        tree: &std::sync::Arc<OrgTree>,
        city: &dyn CityMap,
        rng: &mut StdRng,
        t: f64,
        now: zhihui_core::Time,
    ) {
        if t >= self.next_ring {
            self.next_ring = t + rng.gen_range(90.0..240.0);
            self.seq += 1;
            let (at, _) = city.random_point(rng);
            // The network's fix is off the road by up to the accuracy it states.
            let accuracy = rng.gen_range(15.0..80.0);
            let off = accuracy * 0.5 / 111_320.0;
            let location = LonLat {
                lon: at.lon + rng.gen_range(-off..off),
                lat: at.lat + rng.gen_range(-off..off),
            };
            let line = match rng.gen_range(0..20) {
                0 => Line::Fire,
                1 | 2 => Line::Traffic,
                _ => Line::Police,
            };
            let external_id = format!("demo-{}-{}", now.timestamp(), self.seq);
            let report = CallReport {
                call_id: external_id.clone(),
                event: CallEvent::Ring,
                line: Some(line),
                caller_number: Some(seed::random_caller(rng).1),
                location: Some(location),
                accuracy_m: Some(accuracy.round()),
                agent: None,
                at: None,
            };
            let tr = tree.clone();
            if let Some(r) = write_or_log(store, "call", move |tx| {
                commands::report(tx, &tr, &gateway(), report, now)
            })
            .await
            {
                self.open.push(Open {
                    id: r.call.id,
                    external_id,
                    rang_t: t,
                    answered_t: None,
                });
            }
        }
        let mut keep = Vec::new();
        for mut o in std::mem::take(&mut self.open) {
            let id = o.id;
            let state = store
                .read(move |c| projection::get(c, id))
                .ok()
                .flatten()
                .map(|c| c.state);
            let hang_up = match state {
                Some(CallState::Ringing) => t >= o.rang_t + RINGS_FOR_S,
                Some(CallState::Answered) => {
                    let since = *o.answered_t.get_or_insert(t);
                    t >= since + TALKS_FOR_S
                }
                _ => continue,
            };
            if !hang_up {
                keep.push(o);
                continue;
            }
            let report = CallReport {
                call_id: o.external_id.clone(),
                event: CallEvent::End,
                line: None,
                caller_number: None,
                location: None,
                accuracy_m: None,
                agent: None,
                at: None,
            };
            let tr = tree.clone();
            write_or_log(store, "call end", move |tx| {
                commands::report(tx, &tr, &gateway(), report, now)
            })
            .await;
        }
        self.open = keep;
    }
}
