//! What an interception follows on the fact bus: answers to its instructions, its units' moves.

use super::*;

/// Follows a recipient's answer to an instruction onto the interception it belongs to, in the
/// same transaction (the module's reactor to [`crate::Fact::InstructionAnswered`]). `feedback`
/// is the text of a feedback, `None` for signing.
pub(super) fn on_instruction_answered(
    tx: &mut Tx<'_>,
    instruction_id: i64,
    feedback: Option<&str>,
    actor: &str,
    now: Time,
) -> Result<(), StoreError> {
    let hit: Option<(i64, i64)> = tx
        .conn()
        .prepare_cached(
            "SELECT interception_id, idx FROM interception_points WHERE instruction_id = ?1 AND active = 1",
        )?
        .query_row([instruction_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((id, index)) = hit else {
        return Ok(());
    };
    let Some(mut rec) = get_interception(tx.conn(), id)? else {
        return Ok(());
    };
    let index = index as usize;
    let (changed, kind) = match feedback {
        None => (rec.mark_signed(index, now)?, "interception.point_signed"),
        Some(t) => (
            rec.mark_feedback(index, t.trim(), now)?,
            "interception.point_feedback",
        ),
    };
    if changed {
        put_interception(tx.conn(), &rec)?;
        event(
            tx,
            actor,
            &rec,
            kind,
            json!({ "point": index, "instruction_id": instruction_id }),
            now,
        )?;
    }
    Ok(())
}

/// Notices a unit reaching its checkpoint from a position report, in the report's transaction
/// (the module's reactor to [`crate::Fact::UnitMoved`]). Costs one indexed lookup for units
/// holding none.
pub(super) fn on_unit_moved(
    tx: &mut Tx<'_>,
    unit: &Unit,
    actor: &str,
    now: Time,
) -> Result<(), StoreError> {
    let Some(pos) = unit.position else {
        return Ok(());
    };
    let near: Vec<(i64, usize)> = {
        let mut s = tx.conn().prepare_cached(
            "SELECT interception_id, idx, lon, lat FROM interception_points WHERE unit_id = ?1 AND active = 1 AND arrived = 0",
        )?;
        let rows = s.query_map([unit.id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)? as usize,
                r.get::<_, f64>(2)?,
                r.get::<_, f64>(3)?,
            ))
        })?;
        let mut v = Vec::new();
        for row in rows {
            let (id, idx, lon, lat) = row?;
            if pos.distance_m(&LonLat { lon, lat }) <= ARRIVED_WITHIN_M {
                v.push((id, idx));
            }
        }
        v
    };
    for (id, index) in near {
        let Some(mut rec) = get_interception(tx.conn(), id)? else {
            continue;
        };
        if rec.mark_arrived(index, now)? {
            put_interception(tx.conn(), &rec)?;
            event(
                tx,
                actor,
                &rec,
                "interception.point_arrived",
                json!({ "point": index, "by": "position" }),
                now,
            )?;
        }
    }
    Ok(())
}
