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
use zhihui_core::{Incident, Instruction, Time, Unit};

use crate::{StoreError, Tx};

/// How deep reactors may trigger further reactors before the request is refused: a cycle between
/// two domains must fail loudly, not spin inside the writer.
pub const MAX_REACTION_DEPTH: u8 = 8;

/// A change to a shared record that other parts of the system may follow.
#[derive(Debug, Clone, Copy)]
pub enum Fact<'a> {
    /// An incident was recorded.
    IncidentCreated {
        /// The new incident.
        incident: &'a Incident,
    },
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
    /// [`Fact::IncidentCreated`].
    IncidentCreated,
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
            Fact::IncidentCreated { .. } => FactKind::IncidentCreated,
            Fact::UnitMoved { .. } => FactKind::UnitMoved,
            Fact::InstructionAnswered { .. } => FactKind::InstructionAnswered,
            Fact::InstructionClosed { .. } => FactKind::InstructionClosed,
            Fact::InstructionOverdue { .. } => FactKind::InstructionOverdue,
        }
    }

    /// The unit this fact is about, if it is about one.
    pub fn unit(&self) -> Option<&Unit> {
        match self {
            Fact::UnitMoved { unit } => Some(unit),
            _ => None,
        }
    }

    /// The instruction this fact is about, if it is about one.
    pub fn instruction(&self) -> Option<&Instruction> {
        match self {
            Fact::InstructionAnswered { instruction, .. }
            | Fact::InstructionClosed { instruction }
            | Fact::InstructionOverdue { instruction } => Some(instruction),
            Fact::UnitMoved { .. } | Fact::IncidentCreated { .. } => None,
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

/// How a kind of record travels: whether the live feed publishes its events, and where in the
/// record its personal data sits. The live feed and the lists mask from this declaration only, so
/// a new record type with a victim's phone or a bank account cannot go out unmasked by accident:
/// it declares the pointers, or it is not published at all.
#[derive(Debug, Clone, Copy)]
pub struct RecordKind {
    /// The events' `record_type`.
    pub record_type: &'static str,
    /// Whether the live feed carries its events (users and organisations, for one, it does not).
    pub published: bool,
    /// JSON pointers (RFC 6901) into the record of personal data; a `*` segment stands for every
    /// element of an array. A pointer may name a string or an object (every string inside it).
    pub personal: &'static [&'static str],
}

/// The shared records of the operations layer, always registered.
pub const SHARED_KINDS: &[RecordKind] = &[
    RecordKind {
        record_type: "incident",
        published: true,
        personal: &["/caller"],
    },
    RecordKind {
        record_type: "unit",
        published: true,
        personal: &[],
    },
    RecordKind {
        record_type: "assignment",
        published: true,
        personal: &[],
    },
    RecordKind {
        record_type: "alert",
        published: true,
        personal: &[],
    },
    RecordKind {
        record_type: "instruction",
        published: true,
        personal: &[],
    },
    RecordKind {
        record_type: "user",
        published: false,
        personal: &[],
    },
    RecordKind {
        record_type: "org",
        published: false,
        personal: &[],
    },
];

/// Masks the personal data at `pointers` in `v`, in place: a phone-like string keeps its first
/// three and last four digits (`138****8000`), any other string its first character (`张*`);
/// an object has every string inside it masked. Pointers that lead nowhere are skipped.
pub fn mask_personal(v: &mut serde_json::Value, pointers: &[&str]) {
    for p in pointers {
        let segs: Vec<&str> = p.split('/').skip(1).collect();
        mask_at(v, &segs);
    }
}

fn mask_at(v: &mut serde_json::Value, segs: &[&str]) {
    use serde_json::Value;
    let Some((first, rest)) = segs.split_first() else {
        mask_all(v);
        return;
    };
    match (first, v) {
        (&"*", Value::Array(items)) => {
            for item in items {
                mask_at(item, rest);
            }
        }
        (key, Value::Object(m)) => {
            let key = key.replace("~1", "/").replace("~0", "~");
            if let Some(child) = m.get_mut(&key) {
                mask_at(child, rest);
            }
        }
        (idx, Value::Array(items)) => {
            if let Some(child) = idx.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                mask_at(child, rest);
            }
        }
        _ => {}
    }
}

fn mask_all(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::String(s) => *s = mask_str(s),
        Value::Array(items) => items.iter_mut().for_each(mask_all),
        Value::Object(m) => m.values_mut().for_each(mask_all),
        _ => {}
    }
}

fn mask_str(s: &str) -> String {
    let t = s.trim();
    let digits = t.chars().filter(char::is_ascii_digit).count();
    let phone_like = digits >= 3
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')'));
    let chars: Vec<char> = t.chars().collect();
    if phone_like || digits * 2 > chars.len().max(1) {
        if chars.len() >= 7 {
            let head: String = chars[..3].iter().collect();
            let tail: String = chars[chars.len() - 4..].iter().collect();
            return format!("{head}****{tail}");
        }
        return "****".to_owned();
    }
    match chars.first() {
        Some(c) => format!("{c}*"),
        None => String::new(),
    }
}

/// Tells whether a record of the module holds a unit (a checkpoint, a post): a unit held by one
/// domain is not free for another. Returns what holds it, as the end of a sentence
/// ("holds a checkpoint of interception 4").
pub type UnitClaim = fn(&Connection, i64) -> Result<Option<String>, StoreError>;

/// Where a domain holds a unit: the place it must be, the instruction that sent it there.
#[derive(Debug, Clone, PartialEq)]
pub struct Hold {
    /// The unit.
    pub unit_id: i64,
    /// Where it must be.
    pub at: zhihui_core::LonLat,
    /// The instruction that sent it.
    pub instruction_id: i64,
    /// What holds it, e.g. `post` or `checkpoint`.
    pub what: &'static str,
    /// Whether it is recorded there.
    pub on_site: bool,
}

impl Hold {
    /// The holds a query lists, its columns being `unit_id, lon, lat, instruction_id, on_site`
    /// (how a module writes its [`HoldList`] over its own table).
    pub fn query(c: &Connection, sql: &str, what: &'static str) -> Result<Vec<Hold>, StoreError> {
        let mut s = c.prepare_cached(sql)?;
        let rows = s.query_map([], |r| {
            Ok(Hold {
                unit_id: r.get(0)?,
                at: zhihui_core::LonLat {
                    lon: r.get(1)?,
                    lat: r.get(2)?,
                },
                instruction_id: r.get(3)?,
                what,
                on_site: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Lists every unit a module holds and where ([`Registry::holds`]): what the simulator drives
/// units to, without knowing the domains.
pub type HoldList = fn(&Connection) -> Result<Vec<Hold>, StoreError>;

/// What one domain contributes to the kernel.
#[derive(Clone)]
pub struct Module {
    /// The domain's name, e.g. `interception`.
    pub name: &'static str,
    /// Reactors by the fact kind they follow, run in registration order.
    pub reactors: Vec<(FactKind, Reactor)>,
    /// Timers.
    pub sweeps: Vec<Sweep>,
    /// The kinds of record it writes, and how they travel.
    pub kinds: Vec<RecordKind>,
    /// Its holds on units.
    pub unit_claims: Vec<UnitClaim>,
    /// Where it holds units.
    pub holds: Vec<HoldList>,
    /// Its schema migrations, applied in order after the kernel's and recorded per module
    /// (`module_migrations`); like the kernel's, only ever appended to.
    pub migrations: &'static [&'static str],
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
            .field("migrations", &self.migrations.len())
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
            kinds: Vec::new(),
            unit_claims: Vec::new(),
            holds: Vec::new(),
            migrations: &[],
        }
    }

    /// Sets the module's schema migrations (its own tables and indexes). Append only: a released
    /// migration never changes, because databases in the field have applied it.
    pub fn migrations(mut self, m: &'static [&'static str]) -> Module {
        self.migrations = m;
        self
    }

    /// Registers a hold on units.
    pub fn claims_units(mut self, c: UnitClaim) -> Module {
        self.unit_claims.push(c);
        self
    }

    /// Registers the list of where it holds units.
    pub fn lists_holds(mut self, h: HoldList) -> Module {
        self.holds.push(h);
        self
    }

    /// Declares a kind of record the module writes.
    pub fn record_kind(mut self, k: RecordKind) -> Module {
        self.kinds.push(k);
        self
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
            for k in &m.kinds {
                let taken = SHARED_KINDS.iter().any(|s| s.record_type == k.record_type)
                    || modules[..i]
                        .iter()
                        .flat_map(|o| &o.kinds)
                        .any(|o| o.record_type == k.record_type);
                if taken {
                    return Err(StoreError::Config(format!(
                        "module `{}`: record kind `{}` is declared twice",
                        m.name, k.record_type
                    )));
                }
            }
        }
        Ok(Registry { modules })
    }

    /// The modules, in registration order.
    pub fn modules(&self) -> &[Module] {
        &self.modules
    }

    /// How records of `record_type` travel (the shared ones, then every module's); `None` for a
    /// kind nobody declared, which the live feed does not publish.
    pub fn record_kind(&self, record_type: &str) -> Option<&RecordKind> {
        SHARED_KINDS
            .iter()
            .chain(self.modules.iter().flat_map(|m| &m.kinds))
            .find(|k| k.record_type == record_type)
    }

    /// What holds `unit_id`, if any module holds it.
    pub fn unit_claim(&self, c: &Connection, unit_id: i64) -> Result<Option<String>, StoreError> {
        for claim in self.modules.iter().flat_map(|m| &m.unit_claims) {
            if let Some(why) = claim(c, unit_id)? {
                return Ok(Some(why));
            }
        }
        Ok(None)
    }

    /// Every unit any module holds, and where (modules in registration order).
    pub fn holds(&self, c: &Connection) -> Result<Vec<Hold>, StoreError> {
        let mut out = Vec::new();
        for list in self.modules.iter().flat_map(|m| &m.holds) {
            out.extend(list(c)?);
        }
        Ok(out)
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
    fn personal_data_is_masked_at_the_declared_pointers_only() {
        let mut v = serde_json::json!({
            "caller": {"name": "张三", "phone": "13800138000"},
            "victim": {"name": "李四", "phone": "+86 139 0000 1234", "age": 71},
            "accounts": [{"holder": "王五", "number": "6222021234567890123"}, {"holder": "赵六"}],
            "address": "中山路1号",
            "short": "110"
        });
        mask_personal(
            &mut v,
            &[
                "/caller",
                "/victim/phone",
                "/accounts/*/holder",
                "/accounts/0/number",
                "/short",
                "/nowhere/x",
            ],
        );
        assert_eq!(
            v["caller"],
            serde_json::json!({"name": "张*", "phone": "138****8000"})
        );
        assert_eq!(v["victim"]["phone"], "+86****1234");
        assert_eq!(v["victim"]["name"], "李四", "not declared, not masked");
        assert_eq!(v["victim"]["age"], 71);
        assert_eq!(v["accounts"][0]["holder"], "王*");
        assert_eq!(v["accounts"][1]["holder"], "赵*");
        assert_eq!(v["accounts"][0]["number"], "622****0123");
        assert_eq!(v["address"], "中山路1号");
        assert_eq!(v["short"], "****");
        // The same as the caller's own masking.
        let c = zhihui_core::Caller {
            name: "欧阳娜娜".into(),
            phone: "13912345678".into(),
        };
        let mut cv = serde_json::json!({"caller": c});
        mask_personal(&mut cv, &["/caller"]);
        assert_eq!(cv["caller"], serde_json::to_value(c.masked()).unwrap());
    }

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
