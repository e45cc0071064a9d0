//! What the clock makes due: checkpoints whose deadline passed without their unit.

use super::*;

/// Marks every checkpoint whose deadline passed without its unit there as late, once each (the
/// timer's work). Returns how many.
pub fn mark_late(tx: &mut Tx<'_>, now: Time) -> Result<usize, StoreError> {
    let due = due_points(tx.conn(), &now)?;
    let mut n = 0;
    for (id, index) in due {
        let Some(mut rec) = get_interception(tx.conn(), id)? else {
            continue;
        };
        if !rec.mark_late(index, now)? {
            continue;
        }
        put_interception(tx.conn(), &rec)?;
        let pt = &rec.points[index];
        let detail = json!({ "point": index, "unit_id": pt.unit_id, "deadline": pt.deadline });
        event(
            tx,
            "system",
            &rec,
            "interception.point_late",
            detail.clone(),
            now,
        )?;
        audit(tx, "system", "interception.point_late", id, detail, now)?;
        n += 1;
    }
    Ok(n)
}
