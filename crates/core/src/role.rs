//! Roles and what each may do. Jurisdiction (which organisations) is checked separately against the
//! organisation tree; this module answers only "may this role do this kind of thing at all".

use serde::{Deserialize, Serialize};

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// System administrator: users, organisations, plans.
    Admin,
    /// Duty leader (值班领导).
    Leader,
    /// Dispatcher (指挥员).
    Dispatcher,
    /// Intelligence analyst (情报研判).
    Analyst,
    /// Supervisor (督察).
    Supervisor,
    /// A unit or station terminal (警力终端).
    Unit,
    /// Grid worker or mediator (网格员).
    Grid,
}

/// The named capabilities a role has: what a request needs, checked by the store for the API and
/// the simulator alike, and sent to the console (`GET /api/v1/me`) so that it shows only what the
/// user may do without keeping its own copy of the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read records in jurisdiction.
    Read,
    /// Create or change incidents, dispatch units, issue instructions, run deployments.
    WriteIncident,
    /// Create units or change any unit.
    ManageUnit,
    /// Change the status or position of one's own units.
    UpdateOwnUnit,
    /// Plan interceptions and blockades and activate emergency plans (the duty leader and
    /// dispatchers; administrators write the plans but do not command with them).
    PlanOperations,
    /// Act on records others issued within one's jurisdiction (close their instructions,
    /// interceptions, deployments): the duty leader and administrators.
    Oversee,
    /// Sign for and answer instructions addressed to one's organisation or unit. Supervisors
    /// (督察) only watch.
    AnswerInstruction,
    /// Manage users, organisations and the plan library.
    Administer,
    /// Work intelligence: take and dismiss public-opinion alerts, feed posts, edit the screen's
    /// lexicons (analysts, and the duty leader and dispatchers who act on what they find).
    Analyse,
}

impl Action {
    /// Every capability, in a stable order.
    pub const ALL: [Action; 9] = [
        Action::Read,
        Action::WriteIncident,
        Action::ManageUnit,
        Action::UpdateOwnUnit,
        Action::PlanOperations,
        Action::Oversee,
        Action::AnswerInstruction,
        Action::Administer,
        Action::Analyse,
    ];

    /// The snake_case code the API and the console use.
    pub fn as_str(&self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::WriteIncident => "write_incident",
            Action::ManageUnit => "manage_unit",
            Action::UpdateOwnUnit => "update_own_unit",
            Action::PlanOperations => "plan_operations",
            Action::Oversee => "oversee",
            Action::AnswerInstruction => "answer_instruction",
            Action::Administer => "administer",
            Action::Analyse => "analyse",
        }
    }
}

impl Role {
    /// All roles, in display order.
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::Leader,
        Role::Dispatcher,
        Role::Analyst,
        Role::Supervisor,
        Role::Unit,
        Role::Grid,
    ];

    /// Parses the snake_case code.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The snake_case code.
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Leader => "leader",
            Role::Dispatcher => "dispatcher",
            Role::Analyst => "analyst",
            Role::Supervisor => "supervisor",
            Role::Unit => "unit",
            Role::Grid => "grid",
        }
    }

    /// Whether the role may perform `action` at all.
    pub fn may(&self, action: Action) -> bool {
        use Action::*;
        match action {
            Read => true,
            WriteIncident | ManageUnit => {
                matches!(self, Role::Admin | Role::Leader | Role::Dispatcher)
            }
            UpdateOwnUnit => matches!(
                self,
                Role::Admin | Role::Leader | Role::Dispatcher | Role::Unit
            ),
            PlanOperations => matches!(self, Role::Leader | Role::Dispatcher),
            Oversee => matches!(self, Role::Leader | Role::Admin),
            AnswerInstruction => !matches!(self, Role::Supervisor),
            Administer => matches!(self, Role::Admin),
            Analyse => matches!(self, Role::Analyst | Role::Leader | Role::Dispatcher),
        }
    }

    /// The codes of every capability the role has (see [`Action::as_str`]).
    pub fn capabilities(&self) -> Vec<&'static str> {
        Action::ALL
            .into_iter()
            .filter(|a| self.may(*a))
            .map(|a| a.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_round_trips() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn analysts_and_supervisors_only_read() {
        for r in [Role::Analyst, Role::Supervisor, Role::Grid] {
            assert!(r.may(Action::Read));
            assert!(!r.may(Action::WriteIncident));
            assert!(!r.may(Action::ManageUnit));
        }
        assert!(Role::Unit.may(Action::UpdateOwnUnit));
        assert!(!Role::Unit.may(Action::WriteIncident));
    }

    #[test]
    fn capabilities_name_what_each_role_may_do() {
        assert_eq!(
            Role::Dispatcher.capabilities(),
            [
                "read",
                "write_incident",
                "manage_unit",
                "update_own_unit",
                "plan_operations",
                "answer_instruction",
                "analyse"
            ]
        );
        assert_eq!(Role::Supervisor.capabilities(), ["read"]);
        let admin = Role::Admin.capabilities();
        assert!(admin.contains(&"administer") && admin.contains(&"oversee"));
        assert!(
            !admin.contains(&"plan_operations"),
            "administrators write plans, leaders command"
        );
        for r in Role::ALL {
            let codes = r.capabilities();
            for a in Action::ALL {
                assert_eq!(r.may(a), codes.contains(&a.as_str()), "{r:?} {a:?}");
            }
        }
    }
}
