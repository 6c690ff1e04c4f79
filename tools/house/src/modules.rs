//! A crate's module tree, read from its files: each module with its path
//! (`["http", "webchat"]`), the file it lives in and the paths it refers to
//! (see [`crate::references`]). Test-only modules (`#[cfg(test)]`) are left
//! out: what tests reach for is not the crate's structure.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use syn::{Attribute, Item, ItemMod};

use crate::references;

/// One module of a crate.
#[derive(Debug)]
pub struct Module {
    /// Its path from the crate root (empty for the root).
    pub path: Vec<String>,
    /// The file it is written in.
    pub file: PathBuf,
    /// What it refers to in its own items, as written (`crate::db::orders`,
    /// `super::events`), excluding its child modules' items.
    pub references: Vec<Vec<String>>,
}

/// Every module of the crate whose root file is `root` (`src/lib.rs`).
pub fn read_crate(root: &Path) -> anyhow::Result<Vec<Module>> {
    let mut modules = Vec::new();
    let dir = root.parent().context("a crate root has a folder")?;
    read_file(root, dir, Vec::new(), &mut modules)?;
    Ok(modules)
}

/// Reads the module in `file`, whose child modules' files are in `dir`.
fn read_file(
    file: &Path,
    dir: &Path,
    path: Vec<String>,
    modules: &mut Vec<Module>,
) -> anyhow::Result<()> {
    let source = std::fs::read_to_string(file)
        .with_context(|| format!("Failed to read {}", file.display()))?;
    let parsed =
        syn::parse_file(&source).with_context(|| format!("Failed to parse {}", file.display()))?;
    read_items(&parsed.items, file, dir, path, modules)
}

fn read_items(
    items: &[Item],
    file: &Path,
    dir: &Path,
    path: Vec<String>,
    modules: &mut Vec<Module>,
) -> anyhow::Result<()> {
    modules.push(Module {
        path: path.clone(),
        file: file.to_owned(),
        references: references::of_items(items),
    });
    for item in items {
        let Item::Mod(module) = item else { continue };
        if is_test_only(&module.attrs) {
            continue;
        }
        let name = module.ident.to_string();
        let mut child = path.clone();
        child.push(name.clone());
        match &module.content {
            Some((_, items)) => read_items(items, file, &dir.join(&name), child, modules)?,
            None => {
                let child_file = child_file(module, dir)?;
                let child_dir = child_file_dir(&child_file, &name, dir);
                read_file(&child_file, &child_dir, child, modules)?;
            }
        }
    }
    Ok(())
}

/// The file of `mod name;` declared by a module whose children live in `dir`.
fn child_file(module: &ItemMod, dir: &Path) -> anyhow::Result<PathBuf> {
    if let Some(path) = path_attribute(&module.attrs) {
        return Ok(dir.join(path));
    }
    let name = module.ident.to_string();
    let flat = dir.join(format!("{name}.rs"));
    if flat.exists() {
        return Ok(flat);
    }
    let nested = dir.join(&name).join("mod.rs");
    if nested.exists() {
        return Ok(nested);
    }
    anyhow::bail!("no file for module {name} in {}", dir.display())
}

/// Where the children of the module in `file` live.
fn child_file_dir(file: &Path, name: &str, dir: &Path) -> PathBuf {
    if file.file_name().is_some_and(|f| f == "mod.rs") {
        file.parent().map_or_else(|| dir.join(name), Path::to_owned)
    } else {
        dir.join(name)
    }
}

/// Whether the attributes say `#[cfg(test)]`.
fn is_test_only(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg")
            && attr
                .parse_args::<syn::Ident>()
                .is_ok_and(|ident| ident == "test")
    })
}

/// The value of `#[path = "…"]`.
fn path_attribute(attrs: &[Attribute]) -> Option<String> {
    attrs.iter().find_map(|attr| {
        let syn::Meta::NameValue(pair) = &attr.meta else {
            return None;
        };
        if !pair.path.is_ident("path") {
            return None;
        }
        match &pair.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(value),
                ..
            }) => Some(value.value()),
            _ => None,
        }
    })
}
