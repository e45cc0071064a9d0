/// Everything the store can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused or failed.
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored document did not parse.
    #[error("stored JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Filesystem trouble.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// The database is set up in a way the store cannot guarantee durability with.
    #[error("configuration: {0}")]
    Config(String),
    /// Stored data is inconsistent.
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// The writer thread has stopped; the process is shutting down or crashed.
    #[error("store is closed")]
    Closed,
    /// The domain refused the change (invalid field, forbidden transition).
    #[error(transparent)]
    Domain(#[from] zhihui_core::DomainError),
    /// No such record (or none the actor may know of).
    #[error("{0} not found")]
    NotFound(String),
    /// The actor's role or jurisdiction does not allow this.
    #[error("forbidden: {0}")]
    Denied(String),
    /// The change conflicts with existing data (e.g. a call sign in use).
    #[error("{field}: {message}")]
    Conflict {
        /// The field in conflict.
        field: String,
        /// Why.
        message: String,
    },
    /// The request needs the road network and the server runs without one.
    #[error("no road network: {0}")]
    NoRoadNetwork(String),
    /// The road engine's planner failed on valid input.
    #[error("planner: {0}")]
    Planner(String),
    /// An error caused by one field of the request: the field travels with the error, so that
    /// a refusal (a 403 included) names what the caller should change.
    #[error("{field}: {error}")]
    AtField {
        /// The request field, dotted (`items[3].unit_id`).
        field: String,
        /// What went wrong there.
        error: Box<StoreError>,
    },
}

impl StoreError {
    /// This error, as caused by `field`. An error that already names a field of its own (a
    /// domain validation, a conflict) keeps it: it is the more precise one.
    pub fn at(self, field: &str) -> StoreError {
        match self {
            StoreError::AtField { .. } => self,
            other => StoreError::AtField {
                field: field.to_owned(),
                error: Box::new(other),
            },
        }
    }
}
