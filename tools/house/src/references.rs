//! The paths a module's own items refer to: its `use` trees, flattened, and
//! every path in its code that starts with `crate`, `super` or `self`.
//! Child modules' items are theirs, not the parent's; macro bodies are not
//! parsed (their paths are not seen).

use syn::{Item, UseTree, visit::Visit};

/// Every path the items refer to, as segments (`["crate", "db", "orders"]`).
pub fn of_items(items: &[Item]) -> Vec<Vec<String>> {
    let mut collector = Collector::default();
    for item in items {
        match item {
            // A child module is read as a module of its own.
            Item::Mod(_) => {}
            Item::Use(item) => flatten(&item.tree, &mut Vec::new(), &mut collector.paths),
            other => collector.visit_item(other),
        }
    }
    collector.paths
}

#[derive(Default)]
struct Collector {
    paths: Vec<Vec<String>>,
}

impl<'ast> Visit<'ast> for Collector {
    fn visit_item_mod(&mut self, _: &'ast syn::ItemMod) {
        // Modules inside functions or impls are rare; their items are not
        // this module's structure either way.
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        flatten(&item.tree, &mut Vec::new(), &mut self.paths);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if segments
            .first()
            .is_some_and(|first| matches!(first.as_str(), "crate" | "super" | "self"))
        {
            self.paths.push(segments);
        }
        syn::visit::visit_path(self, path);
    }
}

/// Every leaf of a use tree, with the prefix that leads to it.
fn flatten(tree: &UseTree, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match tree {
        UseTree::Path(path) => {
            prefix.push(path.ident.to_string());
            flatten(&path.tree, prefix, out);
            prefix.pop();
        }
        UseTree::Name(name) => {
            let mut path = prefix.clone();
            path.push(name.ident.to_string());
            out.push(path);
        }
        UseTree::Rename(rename) => {
            let mut path = prefix.clone();
            path.push(rename.ident.to_string());
            out.push(path);
        }
        UseTree::Glob(_) => out.push(prefix.clone()),
        UseTree::Group(group) => {
            for tree in &group.items {
                flatten(tree, prefix, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn use_trees_are_flattened_and_crate_paths_in_code_are_seen() {
        let file: syn::File = syn::parse_str(
            "use crate::{db::{orders, outbox as o}, domain::*};\n\
             use std::sync::Arc;\n\
             fn f() { super::events::publish(); let _ = Arc::new(1); }\n\
             mod child { use crate::http::router; }",
        )
        .unwrap();

        let paths = of_items(&file.items);

        let written: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
        assert_eq!(
            written,
            [
                "crate::db::orders",
                "crate::db::outbox",
                "crate::domain",
                "std::sync::Arc",
                "super::events::publish",
            ]
        );
    }
}
