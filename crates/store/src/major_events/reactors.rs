//! What a post follows on the fact bus: its units' moves and their answers to the post instructions.

use super::*;

/// Notices a unit reaching or leaving its post from a position report, in the report's
/// transaction (the module's reactor to [`crate::Fact::UnitMoved`]). One indexed lookup for
/// units holding none.
pub(super) fn on_unit_moved(
    tx: &mut Tx<'_>,
    unit: &Unit,
    actor: &str,
    now: Time,
) -> Result<(), StoreError> {
    let Some(pos) = unit.position else {
        return Ok(());
    };
    let hits: Vec<(i64, bool)> = {
        let mut s = tx.conn().prepare_cached(
            "SELECT post_id, lon, lat, on_site FROM post_units WHERE unit_id = ?1 AND active = 1",
        )?;
        let rows = s.query_map([unit.id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, f64>(1)?,
                r.get::<_, f64>(2)?,
                r.get::<_, bool>(3)?,
            ))
        })?;
        let mut v = Vec::new();
        for row in rows {
            let (post_id, lon, lat, on_site) = row?;
            let d = pos.distance_m(&LonLat { lon, lat });
            if (!on_site && d <= ARRIVED_WITHIN_M) || (on_site && d > LEFT_BEYOND_M) {
                v.push((post_id, !on_site));
            }
        }
        v
    };
    for (post_id, arriving) in hits {
        let Some(mut post) = get_post(tx.conn(), post_id)? else {
            continue;
        };
        let Some(ev) = get_event(tx.conn(), post.event_id)? else {
            continue;
        };
        let (changed, kind) = if arriving {
            (post.mark_arrived(unit.id, now), "post.arrived")
        } else {
            (post.mark_left(unit.id, now), "post.left")
        };
        if changed {
            let detail = json!({ "unit_id": unit.id, "by": "position" });
            after_change(tx, actor, &ev, &mut post, kind, detail, now)?;
        }
    }
    Ok(())
}

/// Follows a unit signing for (or feeding back on) its post instruction onto the post, in the
/// same transaction (the module's reactor to [`crate::Fact::InstructionAnswered`]).
pub(super) fn on_instruction_answered(
    tx: &mut Tx<'_>,
    instruction_id: i64,
    actor: &str,
    now: Time,
) -> Result<(), StoreError> {
    let hit: Option<i64> = tx
        .conn()
        .prepare_cached("SELECT post_id FROM post_units WHERE instruction_id = ?1 AND active = 1")?
        .query_row([instruction_id], |r| r.get(0))
        .optional()?;
    let Some(post_id) = hit else {
        return Ok(());
    };
    let Some(mut post) = get_post(tx.conn(), post_id)? else {
        return Ok(());
    };
    if !post.mark_signed(instruction_id, now) {
        return Ok(());
    }
    let Some(ev) = get_event(tx.conn(), post.event_id)? else {
        return Ok(());
    };
    after_change(
        tx,
        actor,
        &ev,
        &mut post,
        "post.signed",
        json!({ "instruction_id": instruction_id }),
        now,
    )
}
