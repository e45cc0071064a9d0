//! What an activation follows on the fact bus: every change of the instructions carrying its steps.

use super::*;

/// Follows a change of an instruction onto the activation it carries a step of, in the same
/// transaction (the module's reactor to the instruction facts). Costs one indexed lookup for
/// instructions that belong to no plan.
pub(super) fn on_instruction_changed(
    tx: &mut Tx<'_>,
    ins: &Instruction,
    change: InstructionChange,
    target: Option<&str>,
    actor: &str,
    now: Time,
) -> Result<(), StoreError> {
    let hit: Option<i64> = tx
        .conn()
        .prepare_cached(
            "SELECT activation_id FROM plan_activation_steps WHERE instruction_id = ?1",
        )?
        .query_row([ins.id], |r| r.get(0))
        .optional()?;
    let Some(id) = hit else {
        return Ok(());
    };
    let Some(mut rec) = get_activation(tx.conn(), id)? else {
        return Ok(());
    };
    if rec.status == ActivationStatus::Closed {
        return Ok(());
    }
    let Some(index) = rec.follow(ins) else {
        return Ok(());
    };
    put_activation(tx.conn(), &rec)?;
    let kind = match change {
        InstructionChange::Signed => "plan_activation.step_signed",
        InstructionChange::FedBack => "plan_activation.step_fed_back",
        InstructionChange::Overdue => "plan_activation.step_overdue",
        InstructionChange::Closed => "plan_activation.step_closed",
    };
    let name = target.and_then(|t| {
        ins.recipients
            .iter()
            .find(|r| r.target == t)
            .map(|r| r.name.clone())
    });
    activation_event(
        tx,
        actor,
        &rec,
        kind,
        json!({ "step": index, "instruction_id": ins.id, "target": target, "name": name }),
        now,
    )?;
    Ok(())
}
