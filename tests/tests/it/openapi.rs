//! The services' OpenAPI documents, generated from their code: each is the
//! committed `docs/openapi/<service>.json` (with `UPDATE_DOCS=1` the test
//! writes it: `scripts/openapi.sh`), a valid OpenAPI 3.1 document (the
//! OAI's schema, vendored in `tests/openapi-spec/`), lists exactly the
//! routes of [`ROUTES`] (itself checked against the routers' sources) plus
//! the ops routes, and requires of each route the security scheme of its
//! [`Access`]. [`assert_served`] (run by the route sweep, on the running
//! store) checks each service serves its document at `/openapi.json`.

use std::collections::BTreeSet;

use serde_json::Value;
use store_service::openapi::Api;

use crate::{
    compose::{read, root},
    routes::{Access, OPS, ROUTES},
};

/// Each document, the API it is generated from, and the services of
/// [`ROUTES`] it describes.
const DOCUMENTS: [(&str, &Api, &[&str]); 4] = [
    ("gateway", &gateway::http::openapi::API, &["gateway"]),
    (
        "catalog",
        &catalog::http::openapi::API,
        &["catalog", "catalog-operator"],
    ),
    (
        "order-processor",
        &order_processor::http::openapi::API,
        &["orders", "orders-operator"],
    ),
    (
        "sales-assistant",
        &sales_assistant::http::openapi::API,
        &["sales", "sales-operator"],
    ),
];

fn json(path: &str) -> Value {
    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn document(name: &str) -> Value {
    json(&format!("docs/openapi/{name}.json"))
}

#[test]
fn every_committed_document_is_what_the_code_generates() {
    let mut stale = Vec::new();
    for (name, api, _) in DOCUMENTS {
        let path = root().join(format!("docs/openapi/{name}.json"));
        let generated = api.pretty_json();
        if std::env::var_os("UPDATE_DOCS").is_some_and(|v| v == "1") {
            std::fs::write(&path, &generated).unwrap_or_else(|e| panic!("{name}: {e}"));
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(generated.as_str()) {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "docs/openapi/ is not what the code generates for {stale:?}: run scripts/openapi.sh"
    );
}

/// What the OpenAPI 3.1 schema finds wrong with `document`, one line each.
fn schema_problems(validator: &jsonschema::Validator, document: &Value) -> Vec<String> {
    validator
        .iter_errors(document)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

fn validator() -> jsonschema::Validator {
    jsonschema::options()
        .build(&json("tests/openapi-spec/schema.json"))
        .expect("the vendored OpenAPI 3.1 schema compiles")
}

/// The security schemes a route of that access must require, together.
fn schemes(access: Access, method: &str) -> Vec<&'static str> {
    match access {
        Access::Public(_) => vec![],
        Access::ApiKey => vec!["tenant_api_key"],
        Access::Operator => vec!["operator_token"],
        Access::Inbox if method == "GET" => vec!["inbox_session"],
        Access::Inbox => vec!["inbox_csrf", "inbox_session"],
        Access::WhatsappSignature => vec!["whatsapp_signature"],
        Access::WhatsappVerify => vec!["whatsapp_verify_token"],
        Access::TelegramSecret => vec!["telegram_secret"],
        Access::StripeSignature => vec!["stripe_signature"],
        Access::Webchat => vec!["webchat_token"],
    }
}

#[test]
fn every_document_is_valid_openapi_3_1() {
    let validator = validator();
    for (name, _, _) in DOCUMENTS {
        let document = document(name);
        assert_eq!(document["openapi"], "3.1.0", "{name}");
        let problems = schema_problems(&validator, &document);
        assert!(problems.is_empty(), "{name}: {problems:#?}");
    }
    // The schema does refuse a broken document.
    let mut broken = document("catalog");
    broken["paths"]["/healthz"]["get"]["responses"]["200"] = Value::from("no description");
    assert!(!schema_problems(&validator, &broken).is_empty());
}

#[test]
fn every_document_lists_exactly_the_routes_of_its_service_with_their_security() {
    for (name, _, services) in DOCUMENTS {
        let document = document(name);
        let declared_schemes = document["components"]["securitySchemes"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let mut documented = BTreeSet::new();
        let paths = document["paths"].as_object().cloned().unwrap_or_default();
        for (path, item) in &paths {
            for (method, operation) in item.as_object().into_iter().flatten() {
                let method = method.to_ascii_uppercase();
                let required: BTreeSet<&str> = operation["security"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .flat_map(|requirement| requirement.as_object().into_iter().flatten())
                    .map(|(scheme, _)| scheme.as_str())
                    .collect();
                for scheme in &required {
                    assert!(
                        declared_schemes.contains_key(*scheme),
                        "{name}: {method} {path} requires the undeclared {scheme}"
                    );
                }
                documented.insert((
                    method,
                    path.clone(),
                    required.into_iter().map(str::to_owned).collect::<Vec<_>>(),
                ));
            }
        }
        let expected: BTreeSet<(String, String, Vec<String>)> = ROUTES
            .iter()
            .filter(|(service, ..)| services.contains(service))
            .map(|&(_, method, path, access)| {
                let mut schemes: Vec<String> = schemes(access, method)
                    .into_iter()
                    .map(str::to_owned)
                    .collect();
                schemes.sort();
                (method.to_owned(), path.to_owned(), schemes)
            })
            .chain(
                OPS.iter()
                    .map(|path| ("GET".to_owned(), (*path).to_owned(), vec![])),
            )
            .collect();
        let missing: Vec<_> = expected.difference(&documented).collect();
        let extra: Vec<_> = documented.difference(&expected).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{name}: routes (method, path, security) missing from the document: {missing:?}; \
             documented but not routes: {extra:?}"
        );
    }
}

/// Every service with a document serves it at `/openapi.json`, as committed.
pub(crate) async fn assert_served(http: &reqwest::Client, base: impl Fn(&str) -> String) {
    for (name, _, services) in DOCUMENTS {
        let url = format!("{}/openapi.json", base(services[0]));
        let served: Value = http
            .get(&url)
            .send()
            .await
            .expect("the service answers")
            .json()
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(
            served,
            document(name),
            "{url} is not docs/openapi/{name}.json"
        );
    }
}
