//! One integration-test binary per crate: Cargo links a binary for each
//! `tests/*.rs` file and each `tests/<dir>/main.rs`, and linking dozens of
//! them is most of a CI run's build. A crate keeps its integration tests in
//! `tests/it/main.rs` and the modules it declares.

use std::path::Path;

/// The integration-test binaries of the package in `package`: what Cargo
/// discovers under `tests/` plus the `[[test]]` targets of its manifest.
pub fn of_package(package: &Path) -> anyhow::Result<Vec<String>> {
    let mut binaries = Vec::new();
    let tests = package.join("tests");
    if let Ok(entries) = std::fs::read_dir(&tests) {
        for entry in entries {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "rs") || path.join("main.rs").exists() {
                binaries.push(name(&path));
            }
        }
    }
    let manifest = std::fs::read_to_string(package.join("Cargo.toml"))?;
    let declared = manifest.matches("[[test]]").count();
    binaries.extend((0..declared).map(|i| format!("[[test]] #{}", i + 1)));
    binaries.sort();
    Ok(binaries)
}

fn name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn files_and_folders_with_a_main_under_tests_are_binaries() {
        let dir = std::env::temp_dir().join(format!("house-tests-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("tests/it")).unwrap();
        std::fs::create_dir_all(dir.join("tests/fixtures")).unwrap();
        std::fs::write(dir.join("Cargo.toml"), "[package]\nname = \"x\"\n").unwrap();
        std::fs::write(dir.join("tests/it/main.rs"), "").unwrap();
        std::fs::write(dir.join("tests/extra.rs"), "").unwrap();

        let binaries = of_package(&dir).unwrap();

        assert_eq!(binaries, ["extra", "it"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
