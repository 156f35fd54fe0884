//! Fake Bot API server (filled in below).
