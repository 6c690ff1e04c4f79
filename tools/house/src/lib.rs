//! The house rules that CI checks over the whole workspace:
//! - [`cycles`]: no module cycles in any crate (read from [`modules`] and
//!   their [`references`]);
//! - [`deps`]: no service crate depends on another.

pub mod cycles;
pub mod deps;
pub mod modules;
pub mod references;

use std::path::{Path, PathBuf};

/// Every crate root of the workspace: each package's `src/lib.rs`,
/// `src/main.rs` and `src/bin/*.rs`.
pub fn crate_roots(workspace: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut roots = Vec::new();
    for group in ["services", "shared", "tools", "tests"] {
        let dir = workspace.join(group);
        let packages: Vec<PathBuf> = if dir.join("Cargo.toml").exists() {
            vec![dir]
        } else {
            std::fs::read_dir(&dir)?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.join("Cargo.toml").exists())
                .collect()
        };
        for package in packages {
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
    }
    roots.sort();
    Ok(roots)
}
