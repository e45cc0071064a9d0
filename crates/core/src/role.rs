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

/// Kinds of action a request performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read records in jurisdiction.
    Read,
    /// Create or change incidents.
    WriteIncident,
    /// Create units or change any unit.
    ManageUnit,
    /// Change the status or position of one's own units.
    UpdateOwnUnit,
    /// Manage users and organisations.
    Administer,
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
            Administer => matches!(self, Role::Admin),
        }
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
}
