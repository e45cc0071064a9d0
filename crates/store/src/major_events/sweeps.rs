//! What the clock makes due: posts turning late or empty, one alert per lapse.

use super::*;

/// Refreshes every post whose next check has come (the timers' work): a status the clock changed
/// is written with a `post.status` event; a lapse that began raises its alert. Returns how many
/// alerts were new.
pub fn sweep(tx: &mut Tx<'_>, now: Time) -> Result<usize, StoreError> {
    let due = due_posts(tx.conn(), &now)?;
    let mut events: HashMap<i64, MajorEvent> = HashMap::new();
    let mut raised = 0;
    for id in due {
        let Some(mut post) = get_post(tx.conn(), id)? else {
            continue;
        };
        if !events.contains_key(&post.event_id) {
            match get_event(tx.conn(), post.event_id)? {
                Some(e) => {
                    events.insert(e.id, e);
                }
                None => continue,
            }
        }
        let ev = &events[&post.event_id];
        let r = post.refresh(now);
        put_post(tx.conn(), &post, now)?;
        if !r.changed {
            continue;
        }
        let detail = json!({ "from": r.from.as_str(), "to": post.status.as_str() });
        post_event(tx, "system", ev, &post, "post.status", detail.clone(), now)?;
        if r.lapse_started {
            if raise_lapse_alert(tx, ev, &post, now)? {
                raised += 1;
            }
            audit(
                tx,
                "system",
                "event.post_lapse",
                ev.id,
                json!({ "post": post.id, "status": post.status.as_str(), "lapse": post.lapses }),
                now,
            )?;
        }
    }
    Ok(raised)
}
