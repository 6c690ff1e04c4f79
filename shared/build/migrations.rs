//! The build script of every crate with migrations (each names this file
//! with `build = ` in its `Cargo.toml`): rebuilds the crate when a
//! migration is added or changed. `sqlx::migrate!` embeds `migrations/` at
//! compile time, and cargo does not watch a folder the source only names
//! inside a macro. Cargo runs a build script in its package's folder, so
//! `migrations` is that package's.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
