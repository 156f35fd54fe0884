//! The migrations are embedded in the binary (`sqlx::migrate!`), and a macro cannot tell cargo
//! to watch a directory: without this, a new migration alone would not rebuild the crate, and
//! the binary would run without it.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
