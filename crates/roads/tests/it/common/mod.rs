#![allow(dead_code)]

pub mod random;
use std::path::PathBuf;

/// The shared data folder, or `None` (with a message) when it is absent so tests skip.
pub fn shared_roads() -> Option<PathBuf> {
    let base = std::env::var_os("ZHIHUI_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let dir = base.join("roads");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipping: shared road data not found at {}", dir.display());
        None
    }
}

/// Deterministic xorshift for picking test points without a rand dependency.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}
