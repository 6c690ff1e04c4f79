//! The event catalog the documents give and the event types the code defines
//! are the same list: the table in `proto-events/README.md` (and its list of
//! Rust types), the channels and messages of `proto-events/asyncapi.yaml`,
//! `catalog::ALL`, and every `EventData` impl in `shared/events/src/data/`.
//! A type documented without a struct, or a struct documented nowhere, fails.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
};

use serde::Deserialize;
use store_events::catalog::ALL;

fn repo_file(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

fn read(path: &str) -> String {
    let path = repo_file(path);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What a list holds that another lacks, both ways, as readable lines; empty
/// when the two agree.
fn differences(
    listed_where: &str,
    listed: &BTreeSet<String>,
    defined_where: &str,
    defined: &BTreeSet<String>,
) -> Vec<String> {
    let missing = listed
        .difference(defined)
        .map(|ty| format!("{ty} is in {listed_where} but not in {defined_where}"));
    let undocumented = defined
        .difference(listed)
        .map(|ty| format!("{ty} is in {defined_where} but not in {listed_where}"));
    missing.chain(undocumented).collect()
}

fn assert_same(
    listed_where: &str,
    listed: &BTreeSet<String>,
    defined_where: &str,
    defined: &BTreeSet<String>,
) {
    let problems = differences(listed_where, listed, defined_where, defined);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// --- the code -------------------------------------------------------------

/// `catalog::ALL`.
fn catalog_types() -> BTreeSet<String> {
    ALL.iter().map(|t| t.ty.to_owned()).collect()
}

/// The `EventData` impls written in `shared/events/src/data/`, read from the
/// source so a struct that was never registered in `catalog::ALL` counts
/// too: (struct name, `TYPE`).
fn data_impls() -> BTreeMap<String, String> {
    let dir = repo_file("shared/events/src/data");
    let mut impls = BTreeMap::new();
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|ext| ext != "rs") {
            continue;
        }
        let source = fs::read_to_string(&path).unwrap();
        impls.extend(event_data_impls(&source));
    }
    assert!(
        !impls.is_empty(),
        "no EventData impl found in {}",
        dir.display()
    );
    impls
}

/// `impl EventData for Name { const TYPE: &'static str = "type"; ... }` in
/// `source`: (name, type).
fn event_data_impls(source: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut rest = source;
    while let Some(start) = rest.find("impl EventData for ") {
        rest = &rest[start + "impl EventData for ".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let body = &rest[..rest.find("\n}").unwrap_or(rest.len())];
        let ty = body
            .find("const TYPE")
            .and_then(|at| body[at..].split('"').nth(1))
            .unwrap_or_else(|| panic!("impl EventData for {name} has no const TYPE literal"));
        found.push((name, ty.to_owned()));
    }
    found
}

// --- proto-events/README.md -----------------------------------------------

/// The `## Event catalog` section of the README.
fn readme_catalog_section() -> String {
    let readme = read("proto-events/README.md");
    let start = readme
        .find("## Event catalog")
        .expect("README has an `## Event catalog` section");
    let section = &readme[start + 3..];
    let end = section.find("\n## ").unwrap_or(section.len());
    section[..end].to_owned()
}

/// The first column of the catalog table: rows that start with a backticked
/// type.
fn readme_table_types(section: &str) -> BTreeSet<String> {
    section
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|cell| cell.split('`').next())
        .map(str::to_owned)
        .collect()
}

/// The backticked names in the paragraph `Rust types, in
/// `store_events::data`: ...`.
fn readme_rust_types(section: &str) -> BTreeSet<String> {
    let start = section
        .find("Rust types, in `store_events::data`:")
        .expect("README lists the Rust types");
    let paragraph = &section[start..];
    let paragraph = &paragraph[..paragraph.find("\n\n").unwrap_or(paragraph.len())];
    paragraph
        .split('`')
        .skip(3) // "Rust types, in ", "store_events::data", ": "
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

// --- proto-events/asyncapi.yaml -------------------------------------------

#[derive(Deserialize)]
struct AsyncApi {
    channels: BTreeMap<String, Channel>,
    operations: BTreeMap<String, Operation>,
    components: Components,
}

#[derive(Deserialize)]
struct Channel {
    address: Option<String>,
    messages: BTreeMap<String, Ref>,
}

#[derive(Deserialize)]
struct Operation {
    channel: Ref,
}

#[derive(Deserialize)]
struct Ref {
    #[serde(rename = "$ref")]
    target: String,
}

#[derive(Deserialize)]
struct Components {
    messages: BTreeMap<String, Message>,
}

#[derive(Deserialize)]
struct Message {
    name: String,
    payload: Ref,
}

fn asyncapi() -> AsyncApi {
    serde_saphyr::from_str(&read("proto-events/asyncapi.yaml")).expect("asyncapi.yaml parses")
}

/// The type each channel carries, by channel id (through its message's
/// `$ref` into `components/messages`).
fn channel_types(doc: &AsyncApi) -> BTreeMap<String, String> {
    doc.channels
        .iter()
        .map(|(id, channel)| {
            let [message] = channel.messages.values().collect::<Vec<_>>()[..] else {
                panic!(
                    "channel {id} carries {} messages, not one",
                    channel.messages.len()
                );
            };
            let key = message
                .target
                .strip_prefix("#/components/messages/")
                .unwrap_or_else(|| {
                    panic!(
                        "channel {id}: {} is not a component message",
                        message.target
                    )
                });
            let resolved = doc
                .components
                .messages
                .get(key)
                .unwrap_or_else(|| panic!("channel {id}: no component message {key}"));
            (id.clone(), resolved.name.clone())
        })
        .collect()
}

// --- the tests ------------------------------------------------------------

#[test]
fn every_event_data_impl_is_in_catalog_all_and_nothing_else() {
    let defined: BTreeSet<String> = data_impls().into_values().collect();

    assert_same(
        "catalog::ALL",
        &catalog_types(),
        "the EventData impls of src/data",
        &defined,
    );
}

#[test]
fn the_readme_table_lists_exactly_the_types_the_code_defines() {
    let listed = readme_table_types(&readme_catalog_section());

    assert_same(
        "the catalog table of proto-events/README.md",
        &listed,
        "the EventData impls of src/data",
        &data_impls().into_values().collect(),
    );
}

#[test]
fn the_readme_names_exactly_the_rust_types_that_implement_event_data() {
    let listed = readme_rust_types(&readme_catalog_section());

    assert_same(
        "the Rust types listed in proto-events/README.md",
        &listed,
        "the EventData impls of src/data",
        &data_impls().into_keys().collect(),
    );
}

#[test]
fn asyncapi_has_one_channel_and_one_message_per_type_the_code_defines() {
    let doc = asyncapi();
    let defined: BTreeSet<String> = data_impls().into_values().collect();
    let channels = channel_types(&doc);
    let by_channel: BTreeSet<String> = channels.values().cloned().collect();
    let messages: BTreeSet<String> = doc
        .components
        .messages
        .values()
        .map(|m| m.name.clone())
        .collect();

    assert_eq!(
        channels.len(),
        by_channel.len(),
        "two channels carry one type: {channels:?}"
    );
    assert_same(
        "the channels of asyncapi.yaml",
        &by_channel,
        "the EventData impls of src/data",
        &defined,
    );
    assert_eq!(
        messages.len(),
        doc.components.messages.len(),
        "two messages share a name"
    );
    assert_same(
        "the messages of asyncapi.yaml",
        &messages,
        "the EventData impls of src/data",
        &defined,
    );
}

#[test]
fn asyncapi_addresses_payloads_and_operations_agree_with_the_types() {
    let doc = asyncapi();
    let channels = channel_types(&doc);

    for (id, ty) in &channels {
        if let Some(address) = &doc.channels[id].address {
            assert!(
                address.starts_with(&format!("{ty}.")),
                "channel {id} carries {ty} at address {address}"
            );
        }
    }
    for message in doc.components.messages.values() {
        let known = ALL
            .iter()
            .find(|t| t.ty == message.name)
            .unwrap_or_else(|| panic!("message {} names no known type", message.name));
        assert_eq!(
            message.payload.target,
            format!("./schemas/{}", known.schema_file())
        );
    }
    for (id, operation) in &doc.operations {
        let channel = operation
            .channel
            .target
            .strip_prefix("#/channels/")
            .unwrap_or_else(|| {
                panic!(
                    "operation {id}: {} is not a channel",
                    operation.channel.target
                )
            });
        assert!(
            channels.contains_key(channel),
            "operation {id} names no channel {channel}"
        );
    }
}

#[test]
fn a_type_on_one_side_only_is_reported_either_way() {
    let set = |items: &[&str]| {
        items
            .iter()
            .map(|s| (*s).to_owned())
            .collect::<BTreeSet<_>>()
    };
    let listed = set(&["store.a", "store.b.send"]);
    let defined = set(&["store.a", "store.c"]);

    let problems = differences("the README", &listed, "the code", &defined);

    assert_eq!(
        problems,
        [
            "store.b.send is in the README but not in the code",
            "store.c is in the code but not in the README",
        ]
    );
    assert!(differences("the README", &defined, "the code", &defined).is_empty());
}

#[test]
fn the_source_scan_finds_each_impl_and_its_type() {
    let source = r#"
impl EventData for First {
    const TYPE: &'static str = "store.first";
}

impl EventData for Second {
    const VERSION: u32 = 2;
    const TYPE: &'static str = "store.second";
}
"#;

    assert_eq!(
        event_data_impls(source),
        [
            ("First".to_owned(), "store.first".to_owned()),
            ("Second".to_owned(), "store.second".to_owned()),
        ]
    );
}
