//! Module cycles: module `a` depends on module `b` when it refers to
//! anything in `b` (or below it). A dependency between two modules that are
//! not each other's ancestors is lifted to the two children of their lowest
//! common ancestor (`http::webchat::events → state` makes `http → state`),
//! so a cycle is found at whatever level it closes, between files as well
//! as between folders. A module's references to its own ancestors and
//! descendants are not dependencies between siblings and are left out.

use std::collections::{BTreeMap, BTreeSet};

use crate::modules::Module;

/// A cycle: sibling modules that depend on each other, with, for each
/// dependency in it, one reference that makes it.
#[derive(Debug, PartialEq, Eq)]
pub struct Cycle {
    /// The modules in the cycle (`http`, `state`, `events`).
    pub modules: Vec<String>,
    /// `from → to: the path written in from's file`, one per dependency.
    pub because: Vec<String>,
}

/// Every cycle among the modules of one crate.
pub fn find(modules: &[Module]) -> Vec<Cycle> {
    let known: BTreeSet<&[String]> = modules.iter().map(|m| m.path.as_slice()).collect();
    // Lifted dependencies, each with one example reference.
    let mut edges: BTreeMap<Vec<String>, BTreeMap<Vec<String>, String>> = BTreeMap::new();
    for module in modules {
        for reference in &module.references {
            let Some(target) = resolve(&module.path, reference, &known) else {
                continue;
            };
            let Some((from, to)) = lift(&module.path, &target) else {
                continue;
            };
            edges.entry(from).or_default().entry(to).or_insert_with(|| {
                format!(
                    "{} ({}) uses {}",
                    show(&module.path),
                    module.file.display(),
                    reference.join("::")
                )
            });
        }
    }
    strongly_connected(&edges)
        .into_iter()
        .filter(|component| component.len() > 1)
        .map(|component| {
            let members: BTreeSet<&Vec<String>> = component.iter().collect();
            let because = component
                .iter()
                .flat_map(|from| {
                    edges
                        .get(from)
                        .into_iter()
                        .flatten()
                        .filter(|(to, _)| members.contains(to))
                        .map(move |(to, why)| format!("{} → {}: {why}", show(from), show(to)))
                })
                .collect();
            Cycle {
                modules: component.iter().map(|m| show(m)).collect(),
                because,
            }
        })
        .collect()
}

/// The module a path written in module `from` lands in: the longest known
/// module that is a prefix of the absolute path.
fn resolve(from: &[String], path: &[String], known: &BTreeSet<&[String]>) -> Option<Vec<String>> {
    let mut absolute: Vec<String> = Vec::new();
    let mut rest = path;
    match path.first().map(String::as_str) {
        Some("crate") => rest = &path[1..],
        Some("self") => {
            absolute.extend_from_slice(from);
            rest = &path[1..];
        }
        Some("super") => {
            absolute.extend_from_slice(from);
            while rest.first().is_some_and(|s| s == "super") {
                absolute.pop()?;
                rest = &rest[1..];
            }
        }
        Some(first) => {
            // A relative path only reaches the module's own children.
            let mut child = from.to_vec();
            child.push(first.to_owned());
            if !known.contains(child.as_slice()) {
                return None;
            }
            absolute.extend_from_slice(from);
        }
        None => return None,
    }
    absolute.extend(rest.iter().cloned());
    (0..=absolute.len())
        .rev()
        .map(|n| &absolute[..n])
        .find(|prefix| known.contains(prefix))
        .map(<[String]>::to_vec)
}

/// The children of the lowest common ancestor of `from` and `to` that hold
/// them; `None` when one is the other's ancestor (or the same module).
fn lift(from: &[String], to: &[String]) -> Option<(Vec<String>, Vec<String>)> {
    let common = from.iter().zip(to).take_while(|(a, b)| a == b).count();
    if common == from.len() || common == to.len() {
        return None;
    }
    Some((from[..=common].to_vec(), to[..=common].to_vec()))
}

fn show(path: &[String]) -> String {
    if path.is_empty() {
        "crate".to_owned()
    } else {
        path.join("::")
    }
}

/// Tarjan's strongly connected components of the graph `edges`.
fn strongly_connected(
    edges: &BTreeMap<Vec<String>, BTreeMap<Vec<String>, String>>,
) -> Vec<Vec<Vec<String>>> {
    struct State<'a> {
        edges: &'a BTreeMap<Vec<String>, BTreeMap<Vec<String>, String>>,
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        on_stack: BTreeSet<&'a Vec<String>>,
        next: usize,
        components: Vec<Vec<Vec<String>>>,
    }

    fn visit<'a>(state: &mut State<'a>, node: &'a Vec<String>) {
        state.index.insert(node, state.next);
        state.low.insert(node, state.next);
        state.next += 1;
        state.stack.push(node);
        state.on_stack.insert(node);
        let edges = state.edges;
        for next in edges.get(node).into_iter().flat_map(BTreeMap::keys) {
            if !state.index.contains_key(next) {
                visit(state, next);
                let low = state.low[next].min(state.low[node]);
                state.low.insert(node, low);
            } else if state.on_stack.contains(next) {
                let low = state.index[next].min(state.low[node]);
                state.low.insert(node, low);
            }
        }
        if state.low[node] == state.index[node] {
            let mut component = Vec::new();
            while let Some(member) = state.stack.pop() {
                state.on_stack.remove(member);
                component.push(member.clone());
                if member == node {
                    break;
                }
            }
            component.sort();
            state.components.push(component);
        }
    }

    let mut state = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        components: Vec::new(),
    };
    let nodes: BTreeSet<&Vec<String>> = edges
        .iter()
        .flat_map(|(from, to)| std::iter::once(from).chain(to.keys()))
        .collect();
    for node in nodes {
        if !state.index.contains_key(node) {
            visit(&mut state, node);
        }
    }
    state.components
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::path::PathBuf;

    use super::*;

    fn module(path: &str, references: &[&str]) -> Module {
        Module {
            path: path
                .split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            file: PathBuf::from(format!("{path}.rs")),
            references: references
                .iter()
                .map(|r| r.split("::").map(str::to_owned).collect())
                .collect(),
        }
    }

    #[test]
    fn two_files_that_use_each_other_are_a_cycle() {
        let modules = [
            module("", &[]),
            module("domain", &[]),
            module("domain::whatsapp", &["super::whatsapp_status::Status"]),
            module(
                "domain::whatsapp_status",
                &["crate::domain::whatsapp::Message"],
            ),
        ];

        let cycles = find(&modules);

        assert_eq!(cycles.len(), 1);
        assert_eq!(
            cycles[0].modules,
            ["domain::whatsapp", "domain::whatsapp_status"]
        );
        assert_eq!(cycles[0].because.len(), 2);
    }

    #[test]
    fn a_cycle_through_a_nested_module_is_lifted_to_the_folders() {
        let modules = [
            module("", &[]),
            module("state", &["crate::http::webchat::guard::Guard"]),
            module("http", &[]),
            module("http::webchat", &[]),
            module("http::webchat::guard", &["crate::state::AppState"]),
        ];

        let cycles = find(&modules);

        assert_eq!(cycles.len(), 1);
        assert_eq!(cycles[0].modules, ["http", "state"]);
    }

    #[test]
    fn layers_that_only_use_downwards_and_their_own_parents_are_no_cycle() {
        let modules = [
            module("", &["crate::http::router"]),
            module("http", &["crate::domain::Order", "self::orders::routes"]),
            module(
                "http::orders",
                &["super::AppState", "crate::db::orders::insert"],
            ),
            module("db", &[]),
            module("db::orders", &["crate::domain::Order"]),
            module("domain", &["std::fmt"]),
        ];

        assert_eq!(find(&modules), []);
    }
}
