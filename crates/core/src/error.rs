use serde::Serialize;

/// A rejected value, naming the field (dotted path, e.g. `caller.phone`) so clients can point at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Dotted path of the offending field.
    pub field: String,
    /// Human-readable reason.
    pub message: String,
}

impl FieldError {
    /// Builds a field error.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Everything the domain can refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// A field has an invalid value.
    #[error("{}: {}", .0.field, .0.message)]
    Invalid(FieldError),
    /// The requested state change is not allowed from the current state.
    #[error("cannot move {record} from {from} to {to}")]
    Transition {
        /// Record kind, e.g. `incident`.
        record: &'static str,
        /// Current state.
        from: String,
        /// Requested state.
        to: String,
    },
    /// The change is well-formed but the state of a record it names does not allow it, e.g. a
    /// merge into a closed incident; `field` names the request field that points at that record.
    #[error("{}: {}", .0.field, .0.message)]
    Conflict(FieldError),
}

impl DomainError {
    /// Shorthand for an invalid field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(FieldError::new(field, message))
    }

    /// Shorthand for a state conflict naming a field.
    pub fn conflict(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Conflict(FieldError::new(field, message))
    }

    /// The field this error names, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Invalid(f) | Self::Conflict(f) => Some(&f.field),
            Self::Transition { .. } => Some("status"),
        }
    }
}
