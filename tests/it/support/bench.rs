//! What the benchmarks share: the size they run at.

/// `PEYGIR_BENCH_SCALE` (1 unless set): a quick run at 0.1, the full one at 1.
pub fn scale() -> f64 {
    std::env::var("PEYGIR_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0)
}

/// `n` at the run's scale, and never below `at_least`.
pub fn scaled(n: usize, at_least: usize) -> usize {
    ((n as f64 * scale()) as usize).max(at_least)
}
