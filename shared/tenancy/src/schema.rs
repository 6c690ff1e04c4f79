//! The tenants file's shape as a JSON Schema (draft 2020-12), generated from
//! the very types the file is read into, so editors and CI can check a file
//! before a service refuses it. `config/tenants.schema.json` is this schema,
//! written out (a test keeps it equal).

use schemars::schema_for;

use crate::file::raw;

/// The JSON Schema of the tenants file.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schema_for!(raw::File)).unwrap_or_default()
}
