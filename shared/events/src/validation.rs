//! Checking an event's data against its JSON Schema in `proto-events/schemas`
//! (feature `schema-validation`).
//!
//! The schemas are compiled into the crate with `include_str!`, so checks
//! need no files or network at run time; references between them (to
//! `common.v1.json`) resolve from an in-memory registry. Services' tests call
//! [`validate`] on every event they emit.

use std::{borrow::Cow, collections::HashMap, fmt, sync::LazyLock};

use cloudevents::{AttributesReader, Data, Event};
use jsonschema::{Registry, Validator};
use serde_json::Value;

use crate::envelope::SCHEMA_BASE;

/// One schema file of `proto-events/schemas`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaFile {
    /// File name, e.g. `store.order.create.v1.json`.
    pub file: &'static str,
    /// The event type it describes, or `None` for a file of shared
    /// definitions.
    pub ty: Option<&'static str>,
    /// Major version.
    pub version: u32,
    /// The file's text.
    pub json: &'static str,
}

impl SchemaFile {
    /// Its `$id`, which is also the `dataschema` of events of its type.
    pub fn uri(&self) -> String {
        format!("{SCHEMA_BASE}/{}", self.file)
    }
}

macro_rules! schema_files {
    (shared: [$($shared:literal),* $(,)?], types: [$(($ty:literal, $version:literal)),* $(,)?] $(,)?) => {
        /// Every schema file, embedded: shared definitions first, then one
        /// per event type and version.
        pub const SCHEMAS: &[SchemaFile] = &[
            $(SchemaFile {
                file: $shared,
                ty: None,
                version: 1,
                json: include_str!(concat!("../../../proto-events/schemas/", $shared)),
            },)*
            $(SchemaFile {
                file: concat!($ty, ".v", $version, ".json"),
                ty: Some($ty),
                version: $version,
                json: include_str!(concat!("../../../proto-events/schemas/", $ty, ".v", $version, ".json")),
            },)*
        ];
    };
}

schema_files! {
    shared: ["common.v1.json"],
    types: [
        ("store.whatsapp.message.received", 1),
        ("store.telegram.message.received", 1),
        ("store.chat.message.new", 1),
        ("store.product.query", 1),
        ("store.product.query.result", 1),
        ("store.product.recommend", 1),
        ("store.product.recommend.result", 1),
        ("store.order.create", 1),
        ("store.order.created", 1),
        ("store.order.rejected", 1),
        ("store.order.status.changed", 1),
        ("store.order.cancel", 1),
        ("store.order.cancel.result", 1),
        ("store.sales.escalate", 1),
        ("store.sales.resolved", 1),
        ("store.sales.claimed", 1),
        ("store.sales.deferred", 1),
        ("store.sales.draft", 1),
        ("store.sales.draft.result", 1),
        ("store.chat.response", 1),
        ("store.chat.delivery", 1),
        ("store.whatsapp.message.status", 1),
        ("store.inventory.reserve", 1),
        ("store.inventory.reservation", 1),
        ("store.inventory.release", 1),
        ("store.inventory.changed", 1),
        ("store.chat.media.fetch", 1),
        ("store.chat.media.fetch.result", 1),
    ],
}

/// An event that does not satisfy its contract.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaViolation {
    /// No schema is known for the event's type.
    #[error("no schema for type {ty}")]
    UnknownType {
        /// The event's type.
        ty: String,
    },
    /// The event's `dataschema` names no known schema of its type.
    #[error(
        "event {id} of type {ty} names dataschema {dataschema}, which is not a known schema of that type"
    )]
    UnknownDataschema {
        /// Event id.
        id: String,
        /// Event type.
        ty: String,
        /// The `dataschema` attribute.
        dataschema: String,
    },
    /// The event carries no data.
    #[error("event {id} of type {ty} has no data")]
    NoData {
        /// Event id.
        id: String,
        /// Event type.
        ty: String,
    },
    /// The data is not JSON.
    #[error("event {id} of type {ty} has data that is not JSON: {reason}")]
    NotJson {
        /// Event id.
        id: String,
        /// Event type.
        ty: String,
        /// The parser's message.
        reason: String,
    },
    /// The data breaks the schema.
    #[error("event {id} of type {ty} violates {schema}:\n{}", Bullets(.errors))]
    Invalid {
        /// Event id.
        id: String,
        /// Event type.
        ty: String,
        /// File name of the schema.
        schema: &'static str,
        /// Each violation, as `<JSON pointer>: <what is wrong>`.
        errors: Vec<String>,
    },
    /// A schema file itself is broken (a bug in `proto-events`).
    #[error("schema {schema} does not compile: {reason}")]
    BrokenSchema {
        /// File name of the schema.
        schema: &'static str,
        /// The compiler's message.
        reason: String,
    },
}

/// Formats violations one per line.
struct Bullets<'a>(&'a [String]);

impl fmt::Display for Bullets<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "  - {error}")?;
        }
        Ok(())
    }
}

/// Checks the data of `event` against the schema of its type.
///
/// The schema is the one the event's `dataschema` names when it has one,
/// otherwise the newest version of its type. Formats (`date-time`, `uri`)
/// are checked, not just annotated.
pub fn validate(event: &Event) -> Result<(), SchemaViolation> {
    let ty = event.ty();
    let id = || event.id().to_owned();
    let file = schema_of(event)?;
    let data = match event.data() {
        Some(Data::Json(value)) => Cow::Borrowed(value),
        Some(Data::String(text)) => Cow::Owned(parse(text.as_bytes(), event)?),
        Some(Data::Binary(bytes)) => Cow::Owned(parse(bytes, event)?),
        None => {
            return Err(SchemaViolation::NoData {
                id: id(),
                ty: ty.to_owned(),
            });
        }
    };
    validate_value(file, &data).map_err(|failure| match failure {
        Failure::Broken(reason) => SchemaViolation::BrokenSchema {
            schema: file.file,
            reason,
        },
        Failure::Invalid(errors) => SchemaViolation::Invalid {
            id: id(),
            ty: ty.to_owned(),
            schema: file.file,
            errors,
        },
    })
}

/// The newest schema file of event type `ty`, if it has one.
pub fn schema_for(ty: &str) -> Option<&'static SchemaFile> {
    SCHEMAS
        .iter()
        .filter(|file| file.ty == Some(ty))
        .max_by_key(|file| file.version)
}

fn schema_of(event: &Event) -> Result<&'static SchemaFile, SchemaViolation> {
    let ty = event.ty();
    let Some(dataschema) = event.dataschema() else {
        return schema_for(ty).ok_or_else(|| SchemaViolation::UnknownType { ty: ty.to_owned() });
    };
    let mut of_type = SCHEMAS.iter().filter(|file| file.ty == Some(ty)).peekable();
    if of_type.peek().is_none() {
        return Err(SchemaViolation::UnknownType { ty: ty.to_owned() });
    }
    of_type
        .find(|file| file.uri() == dataschema.as_str())
        .ok_or_else(|| SchemaViolation::UnknownDataschema {
            id: event.id().to_owned(),
            ty: ty.to_owned(),
            dataschema: dataschema.to_string(),
        })
}

fn parse(bytes: &[u8], event: &Event) -> Result<Value, SchemaViolation> {
    serde_json::from_slice(bytes).map_err(|e| SchemaViolation::NotJson {
        id: event.id().to_owned(),
        ty: event.ty().to_owned(),
        reason: e.to_string(),
    })
}

/// Why [`validate_value`] failed.
enum Failure {
    /// The schema itself does not compile.
    Broken(String),
    /// The value breaks the schema; one message per violation.
    Invalid(Vec<String>),
}

/// Every schema file parsed, keyed by file name, or the first that is not JSON.
static PARSED: LazyLock<Result<HashMap<&'static str, Value>, String>> = LazyLock::new(|| {
    SCHEMAS
        .iter()
        .map(|file| {
            serde_json::from_str(file.json)
                .map(|value| (file.file, value))
                .map_err(|e| format!("{} is not JSON: {e}", file.file))
        })
        .collect()
});

/// All schemas, by `$id`, so relative `$ref`s between them resolve offline.
static REGISTRY: LazyLock<Result<Registry<'static>, String>> = LazyLock::new(|| {
    let parsed = PARSED.as_ref().map_err(Clone::clone)?;
    let resources = SCHEMAS.iter().filter_map(|file| {
        parsed
            .get(file.file)
            .map(|value| (file.uri(), value.clone()))
    });
    Registry::new()
        .extend(resources)
        .and_then(|builder| builder.prepare())
        .map_err(|e| e.to_string())
});

/// Compiled validators of the event schemas, by file name.
static VALIDATORS: LazyLock<HashMap<&'static str, Result<Validator, String>>> =
    LazyLock::new(|| {
        SCHEMAS
            .iter()
            .filter(|file| file.ty.is_some())
            .map(|file| (file.file, compile(file)))
            .collect()
    });

fn compile(file: &SchemaFile) -> Result<Validator, String> {
    let registry = REGISTRY.as_ref().map_err(Clone::clone)?;
    let parsed = PARSED.as_ref().map_err(Clone::clone)?;
    let schema = parsed
        .get(file.file)
        .ok_or_else(|| format!("{} was not parsed", file.file))?;
    jsonschema::options()
        .with_registry(registry)
        .with_base_uri(file.uri())
        .should_validate_formats(true)
        .build(schema)
        .map_err(|e| e.to_string())
}

fn validate_value(file: &SchemaFile, data: &Value) -> Result<(), Failure> {
    let validator = match VALIDATORS.get(file.file) {
        Some(Ok(validator)) => validator,
        Some(Err(reason)) => return Err(Failure::Broken(reason.clone())),
        None => {
            return Err(Failure::Broken(format!(
                "{} is not an event schema",
                file.file
            )));
        }
    };
    let errors: Vec<String> = validator
        .iter_errors(data)
        .map(|error| {
            let path = error.instance_path().to_string();
            let at = if path.is_empty() { "/" } else { path.as_str() };
            format!("{at}: {error}")
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Failure::Invalid(errors))
    }
}
