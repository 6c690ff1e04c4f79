//! `house`: checks the house rules over the workspace and exits non-zero
//! when one is broken. `house cycles [CRATE_ROOT…]` (default: every crate),
//! `house deps`, `house tests`, or `house` for all three.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use house::{cycles, deps, modules, test_binaries};

fn main() -> anyhow::Result<()> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .context("Failed to find the workspace")?;
    // Paths are printed relative to the workspace.
    std::env::set_current_dir(&workspace).context("Failed to enter the workspace")?;
    let workspace = Path::new(".");
    let args: Vec<String> = std::env::args().skip(1).collect();
    let broken = match args.first().map(String::as_str) {
        Some("cycles") => check_cycles(workspace, &args[1..])?,
        Some("deps") => check_deps(workspace)?,
        Some("tests") => check_test_binaries(workspace)?,
        None => {
            check_cycles(workspace, &[])? + check_deps(workspace)? + check_test_binaries(workspace)?
        }
        Some(other) => anyhow::bail!("unknown check {other:?}: use cycles, deps or tests"),
    };
    if broken > 0 {
        eprintln!("{broken} house rule(s) broken");
        std::process::exit(1);
    }
    Ok(())
}

/// Prints every module cycle; returns how many there are.
fn check_cycles(workspace: &Path, roots: &[String]) -> anyhow::Result<usize> {
    let roots = if roots.is_empty() {
        house::crate_roots(workspace)?
    } else {
        roots.iter().map(PathBuf::from).collect()
    };
    let mut found = 0;
    for root in &roots {
        let modules = modules::read_crate(root)
            .with_context(|| format!("Failed to read the crate {}", root.display()))?;
        for cycle in cycles::find(&modules) {
            found += 1;
            println!("cycle in {}: {}", root.display(), cycle.modules.join(" ↔ "));
            for why in cycle.because {
                println!("    {why}");
            }
        }
    }
    println!("module cycles: {found} in {} crates", roots.len());
    Ok(found)
}

/// Prints every service that depends on another; returns how many do.
fn check_deps(workspace: &Path) -> anyhow::Result<usize> {
    let services = deps::services(workspace)?;
    let mut found = 0;
    for service in &services {
        let linked = deps::service_dependencies(workspace, service, &services)?;
        if !linked.is_empty() {
            found += 1;
            println!("{service} depends on other services: {}", linked.join(", "));
        }
    }
    println!(
        "service crates depending on another: {found} of {}",
        services.len()
    );
    Ok(found)
}

/// Prints every crate with more than one integration-test binary; returns
/// how many there are.
fn check_test_binaries(workspace: &Path) -> anyhow::Result<usize> {
    let packages = house::packages(workspace)?;
    let mut found = 0;
    for package in &packages {
        let binaries = test_binaries::of_package(package)?;
        if binaries.len() > 1 {
            found += 1;
            println!(
                "{} has {} integration-test binaries: {} (keep one, tests/it/main.rs)",
                package.display(),
                binaries.len(),
                binaries.join(", ")
            );
        }
    }
    println!(
        "crates with more than one integration-test binary: {found} of {}",
        packages.len()
    );
    Ok(found)
}
