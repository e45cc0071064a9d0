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
}
