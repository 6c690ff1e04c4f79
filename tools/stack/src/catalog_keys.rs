//! The catalog's API keys, saved in `catalog-api-keys.txt` (mode 0600).
//!
//! The catalog's `seed` prints a tenant's key only when it creates the
//! tenant (`tenant demo: 12 products, API key …`); on a later start it
//! says `(existing API keys kept)`. So the saved file is merged, tenant by
//! tenant, with what each seed printed: a restart keeps every key, a
//! tenant added later is saved beside the others, a tenant created again
//! (after `--reset`) gets its new key.

use std::collections::BTreeMap;

/// The file's name in the state directory.
pub const FILE: &str = "catalog-api-keys.txt";

/// The file's new content: the key lines of `saved`, each replaced by the
/// line of the same tenant in `seed_output` when the seed printed one.
pub fn merge(saved: &str, seed_output: &str) -> String {
    let mut lines: BTreeMap<&str, &str> = BTreeMap::new();
    for line in saved.lines().chain(seed_output.lines()) {
        if let Some(tenant) = key_line_tenant(line) {
            lines.insert(tenant, line);
        }
    }
    lines.values().map(|line| format!("{line}\n")).collect()
}

/// The tenant of a line that carries a key
/// (`tenant <id>: … API key <key>`).
fn key_line_tenant(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("tenant ")?;
    let (tenant, tail) = rest.split_once(':')?;
    let (_, key) = tail.rsplit_once(", API key ")?;
    (!tenant.is_empty() && !key.trim().is_empty()).then_some(tenant)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_lines_with_a_key_count() {
        assert_eq!(
            key_line_tenant("tenant demo: 1 products, API key k"),
            Some("demo")
        );
        assert_eq!(
            key_line_tenant("tenant demo: 1 products (existing API keys kept)"),
            None
        );
        assert_eq!(key_line_tenant("seeding…"), None);
    }
}
