//! Services talk only through events, so no service crate may depend on
//! another, for its build or its tests: `cargo tree -p <service> -e
//! normal,dev` must list no other service.

use std::{path::Path, process::Command};

use anyhow::Context as _;

/// The package names of the crates under `services/`.
pub fn services(workspace: &Path) -> anyhow::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in
        std::fs::read_dir(workspace.join("services")).context("Failed to list services/")?
    {
        let manifest = entry?.path().join("Cargo.toml");
        if !manifest.exists() {
            continue;
        }
        let text = std::fs::read_to_string(&manifest)
            .with_context(|| format!("Failed to read {}", manifest.display()))?;
        let name = package_name(&text)
            .with_context(|| format!("{} names no package", manifest.display()))?;
        names.push(name);
    }
    names.sort();
    Ok(names)
}

/// `name` in the `[package]` table of a manifest.
fn package_name(manifest: &str) -> Option<String> {
    let package = manifest.split("[package]").nth(1)?;
    let table = package.split("\n[").next()?;
    table.lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        (key.trim() == "name").then(|| value.trim().trim_matches('"').to_owned())
    })
}

/// The other services `service` depends on, directly or not, as `cargo tree
/// -p <service> -e normal,dev` lists them.
pub fn service_dependencies(
    workspace: &Path,
    service: &str,
    services: &[String],
) -> anyhow::Result<Vec<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .current_dir(workspace)
        .args(["tree", "--offline", "-p", service, "-e", "normal,dev"])
        .args(["--prefix", "none", "--format", "{p}"])
        .output()
        .context("Failed to run cargo tree")?;
    if !output.status.success() {
        anyhow::bail!(
            "cargo tree -p {service} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let listed = String::from_utf8_lossy(&output.stdout);
    let mut found: Vec<String> = listed
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != service && services.iter().any(|s| s == name))
        .map(str::to_owned)
        .collect();
    found.sort();
    found.dedup();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_package_name_is_read_from_the_package_table() {
        let manifest = "[package]\nname = \"order-processor\"\nversion = \"1\"\n\n[dependencies]\nname = \"x\"\n";

        assert_eq!(package_name(manifest).as_deref(), Some("order-processor"));
    }
}
