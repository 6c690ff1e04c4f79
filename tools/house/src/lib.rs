//! The house rules that CI checks over the whole workspace:
//! - [`cycles`]: no module cycles in any crate (read from [`modules`] and
//!   their [`references`]);
//! - [`deps`]: no service crate depends on another;
//! - [`test_binaries`]: at most one integration-test binary per crate.

pub mod cycles;
pub mod deps;
pub mod modules;
pub mod references;
pub mod test_binaries;

use std::path::{Path, PathBuf};

/// Every package folder of the workspace (under `services/`, `shared/`,
/// `tools/`, and `tests/` itself).
pub fn packages(workspace: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut packages = Vec::new();
    for group in ["services", "shared", "tools", "tests"] {
        let dir = workspace.join(group);
        if dir.join("Cargo.toml").exists() {
            packages.push(dir);
            continue;
        }
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.join("Cargo.toml").exists() {
                packages.push(path);
            }
        }
    }
    packages.sort();
    Ok(packages)
}

/// Every crate root of the workspace: each package's `src/lib.rs`,
/// `src/main.rs` and `src/bin/*.rs`.
pub fn crate_roots(workspace: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut roots = Vec::new();
    for package in packages(workspace)? {
        let src = package.join("src");
        for file in ["lib.rs", "main.rs"] {
            if src.join(file).exists() {
                roots.push(src.join(file));
            }
        }
        if let Ok(bins) = std::fs::read_dir(src.join("bin")) {
            roots.extend(
                bins.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "rs")),
            );
        }
    }
    roots.sort();
    Ok(roots)
}
