//! The fact bus and the module registry: how a domain plugs into the kernel without the kernel
//! knowing it.
//!
//! A command of the operations layer that changes a shared record emits a typed [`Fact`] into its
//! transaction ([`Tx::emit`]): the kernel appends the fact's event, then runs every [`Reactor`]
//! registered for that kind of fact, inside the same savepoint. A reactor's error fails the whole
//! request, which rolls back exactly as if the command itself had failed. Each domain lists what
//! it contributes in one [`Module`]; the binary hands the list to [`crate::Store::open_with`].
//!
//! Every domain that follows shared records does it through the bus: interception, major events
//! and response plans register reactors; the operations layer names none of them. Timers are
//! [`Sweep`]s a module registers; whoever owns the clock runs them ([`crate::Store::run_sweeps`]).

use rusqlite::Connection;
use zhihui_core::{Instruction, Time, Unit};

use crate::{StoreError, Tx};

/// How deep reactors may trigger further reactors before the request is refused: a cycle between
/// two domains must fail loudly, not spin inside the writer.
pub const MAX_REACTION_DEPTH: u8 = 8;

/// A change to a shared record that other parts of the system may follow.
#[derive(Debug, Clone, Copy)]
pub enum Fact<'a> {
    /// A unit reported a new position.
    UnitMoved {
        /// The unit after the move.
        unit: &'a Unit,
    },
    /// A recipient signed for an instruction (`feedback: None`) or fed back on it.
    InstructionAnswered {
        /// The instruction after the answer.
        instruction: &'a Instruction,
        /// The recipient that answered (`org:…` or `unit:…`).
        target: &'a str,
        /// The feedback text, `None` for signing.
        feedback: Option<&'a str>,
    },
    /// The issuer closed an instruction with its outcome.
    InstructionClosed {
        /// The instruction after closing.
        instruction: &'a Instruction,
    },
    /// An instruction passed its deadline with recipients not done, and escalated.
    InstructionOverdue {
        /// The instruction after escalating.
        instruction: &'a Instruction,
    },
}

/// The kinds of [`Fact`], for registering reactors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FactKind {
    /// [`Fact::UnitMoved`].
    UnitMoved,
    /// [`Fact::InstructionAnswered`].
    InstructionAnswered,
    /// [`Fact::InstructionClosed`].
    InstructionClosed,
    /// [`Fact::InstructionOverdue`].
    InstructionOverdue,
}

impl Fact<'_> {
    /// This fact's kind.
    pub fn kind(&self) -> FactKind {
        match self {
            Fact::UnitMoved { .. } => FactKind::UnitMoved,
            Fact::InstructionAnswered { .. } => FactKind::InstructionAnswered,
            Fact::InstructionClosed { .. } => FactKind::InstructionClosed,
            Fact::InstructionOverdue { .. } => FactKind::InstructionOverdue,
        }
    }

    /// The instruction this fact is about, if it is about one.
    pub fn instruction(&self) -> Option<&Instruction> {
        match self {
            Fact::InstructionAnswered { instruction, .. }
            | Fact::InstructionClosed { instruction }
            | Fact::InstructionOverdue { instruction } => Some(instruction),
            Fact::UnitMoved { .. } => None,
        }
    }

    /// Whether this fact is about an instruction issued by a record of `record_type`
    /// (`interception`, `event`, `plan_activation`): how a domain picks its own instructions.
    pub fn from_origin(&self, record_type: &str) -> bool {
        self.instruction()
            .and_then(|i| i.origin.as_deref())
            .and_then(|o| o.split_once(':'))
            .is_some_and(|(t, _)| t == record_type)
    }
}

/// A fact with who caused it and when: what a reactor receives.
#[derive(Debug, Clone, Copy)]
pub struct Emitted<'a> {
    /// Username of whoever made the change (`system` for timers).
    pub actor: &'a str,
    /// When (the domain clock).
    pub at: Time,
    /// What happened.
    pub fact: Fact<'a>,
}

/// Follows a fact inside the transaction that emitted it.
pub type Reactor = fn(&mut Tx<'_>, &Emitted<'_>) -> Result<(), StoreError>;

/// Work the clock makes due (a deadline passing), run by whoever owns the clock: the server's
/// timer every second, or a test moving its clock.
#[derive(Clone, Copy)]
pub struct Sweep {
    /// Name, for logs (e.g. `interception.points_late`).
    pub name: &'static str,
    /// A cheap read: is anything due at `now`? Lets the timer skip the write when idle.
    pub due: fn(&Connection, Time) -> Result<bool, StoreError>,
    /// Does the due work in the writer's transaction; returns how many alerts it raised.
    pub run: fn(&mut Tx<'_>, Time) -> Result<usize, StoreError>,
}

/// What one domain contributes to the kernel.
#[derive(Clone)]
pub struct Module {
    /// The domain's name, e.g. `interception`.
    pub name: &'static str,
    /// Reactors by the fact kind they follow, run in registration order.
    pub reactors: Vec<(FactKind, Reactor)>,
    /// Timers.
    pub sweeps: Vec<Sweep>,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module")
            .field("name", &self.name)
            .field("reactors", &self.reactors.len())
            .field(
                "sweeps",
                &self.sweeps.iter().map(|s| s.name).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Module {
    /// An empty module named `name`.
    pub fn new(name: &'static str) -> Module {
        Module {
            name,
            reactors: Vec::new(),
            sweeps: Vec::new(),
        }
    }

    /// Registers a timer.
    pub fn sweep(mut self, s: Sweep) -> Module {
        self.sweeps.push(s);
        self
    }

    /// Registers a reactor for `kind`.
    pub fn react(mut self, kind: FactKind, r: Reactor) -> Module {
        self.reactors.push((kind, r));
        self
    }
}

/// Every module of the running program, as the kernel consults them.
#[derive(Debug, Default)]
pub struct Registry {
    modules: Vec<Module>,
}

impl Registry {
    /// The registry of `modules`, in the order given. Refuses two modules of the same name.
    pub fn new(modules: Vec<Module>) -> Result<Registry, StoreError> {
        for (i, m) in modules.iter().enumerate() {
            if modules[..i].iter().any(|o| o.name == m.name) {
                return Err(StoreError::Config(format!(
                    "module `{}` is listed twice",
                    m.name
                )));
            }
        }
        Ok(Registry { modules })
    }

    /// The modules, in registration order.
    pub fn modules(&self) -> &[Module] {
        &self.modules
    }

    /// Every sweep of every module, in registration order.
    pub fn sweeps(&self) -> impl Iterator<Item = &Sweep> {
        self.modules.iter().flat_map(|m| &m.sweeps)
    }

    pub(crate) fn reactors(&self, kind: FactKind) -> impl Iterator<Item = Reactor> + '_ {
        self.modules
            .iter()
            .flat_map(|m| &m.reactors)
            .filter(move |(k, _)| *k == kind)
            .map(|(_, r)| *r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_domain_picks_its_own_instructions_by_origin() {
        let new: zhihui_core::NewInstruction = serde_json::from_value(serde_json::json!({
            "title": "设卡", "targets": [], "deadline": "2026-12-06T12:00:00Z"
        }))
        .unwrap();
        let mut ins = new.into_instruction(1, "boss", "city", vec![], chrono::Utc::now());
        let closed =
            |i: &Instruction| Fact::InstructionClosed { instruction: i }.from_origin("event");
        assert!(!closed(&ins), "written by hand: nobody's");
        ins.origin = Some("event:3".into());
        assert!(closed(&ins));
        assert!(!Fact::InstructionOverdue { instruction: &ins }.from_origin("interception"));
        ins.origin = Some("eventual:3".into());
        assert!(!closed(&ins), "the whole type, not a prefix");
    }
}
