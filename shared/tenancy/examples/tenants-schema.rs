//! Prints the tenants file's JSON Schema: `cargo run -p store-tenancy
//! --example tenants-schema > config/tenants.schema.json`.

fn main() {
    let schema = store_tenancy::schema::json_schema();
    match serde_json::to_string_pretty(&schema) {
        Ok(text) => println!("{text}"),
        Err(error) => eprintln!("{error}"),
    }
}
