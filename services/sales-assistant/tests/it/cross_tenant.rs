//! A tenant never sees another tenant's data, on any route: every route of
//! the service's router (read from the source of `src/http`, so a new
//! route is checked without anyone remembering to add it here) is asked,
//! by tenant A's owner or with tenant A's API key, about tenant B's
//! hand-off, conversation, order and account: 404 for every route that
//! names one, and no trace of B on the routes that list things.

use std::{collections::BTreeSet, path::Path};

use reqwest::Method;
use sales_assistant::accounts::Role;
use store_events::data::Priority;

use crate::helpers::{TestApp, escalation, shopper_message};

/// Routes that hold no tenant's data, and why.
const NO_TENANT_DATA: &[(&str, &str)] = &[
    (
        "/admin/tenants/{tenant}/owners",
        "the operator's port and token only (operator.rs tests it is not public)",
    ),
    ("/inbox/sign-in", "the sign-in form"),
    ("/inbox/sign-out", "ends the caller's own session"),
    (
        "/inbox/assets/{file}",
        "static files compiled into the binary",
    ),
    (
        "/inbox/invitations/{token}",
        "the invitation's secret token is the credential; it names its own tenant",
    ),
    (
        "/inbox/events",
        "a stream: its tenant filter is tested in live.rs",
    ),
];

/// One route of the router: a method and a path pattern.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Route {
    method: Method,
    path: String,
}

/// Every `.route("path", get(..).post(..))` in `src/http`.
fn routes() -> BTreeSet<Route> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http");
    let mut found = BTreeSet::new();
    let mut files = vec![root];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap();
        found.extend(routes_in(&source));
    }
    found
}

fn routes_in(source: &str) -> Vec<Route> {
    // `let base = "/inbox/…";` names used in `format!("{base}/claim")`.
    let bindings: Vec<(String, String)> = source
        .split("let ")
        .skip(1)
        .filter_map(|rest| {
            let (name, value) = rest.split_once(" = \"")?;
            let value = value.split_once("\";")?.0;
            (name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                .then(|| (name.to_owned(), value.to_owned()))
        })
        .collect();
    let mut routes = Vec::new();
    let mut rest = source;
    while let Some(start) = rest.find(".route(") {
        rest = &rest[start + ".route(".len()..];
        // The call's arguments: up to the parenthesis that closes it.
        let mut depth = 1;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                depth == 0
            })
            .map(|(i, _)| i)
            .unwrap();
        let call = &rest[..end];
        let Some(literal) = call.split('"').nth(1) else {
            continue;
        };
        let mut path = literal.to_owned();
        if call.trim_start().starts_with("&format!") || call.trim_start().starts_with("format!") {
            for (name, value) in &bindings {
                path = path.replace(&format!("{{{name}}}"), value);
            }
            path = path.replace("{{", "{").replace("}}", "}");
        }
        for (name, method) in [
            ("get", Method::GET),
            ("post", Method::POST),
            ("put", Method::PUT),
            ("patch", Method::PATCH),
            ("delete", Method::DELETE),
        ] {
            let called = call.match_indices(&format!("{name}(")).any(|(i, _)| {
                i == 0
                    || !call.as_bytes()[i - 1].is_ascii_alphanumeric()
                        && call.as_bytes()[i - 1] != b'_'
            });
            if called {
                routes.push(Route {
                    method: method.clone(),
                    path: path.clone(),
                });
            }
        }
    }
    routes
}

#[test]
fn the_route_scan_finds_methods_and_paths() {
    let source = r#"let base = "/c/{conversation}";
        Router::new().route("/a/{id}", get(show).post(change)).route("/b", routing::post(make))
            .route(&format!("{base}/x/{{number}}"), post(x))"#;
    assert_eq!(
        routes_in(source),
        [
            Route {
                method: Method::GET,
                path: "/a/{id}".to_owned()
            },
            Route {
                method: Method::POST,
                path: "/a/{id}".to_owned()
            },
            Route {
                method: Method::POST,
                path: "/b".to_owned()
            },
            Route {
                method: Method::POST,
                path: "/c/{conversation}/x/{number}".to_owned()
            },
        ]
    );
}

#[tokio::test]
async fn a_tenant_gets_404_for_another_tenants_things_on_every_route() {
    let app = TestApp::spawn().await;
    let key_a = app.tenant("tenant-a").await;
    let key_b = app.tenant("tenant-b").await;
    let owner_a = app.account("tenant-a", Role::Owner, &[]).await;
    let owner_b = app.account("tenant-b", Role::Owner, &[]).await;

    // Tenant B's things: a hand-off of a conversation with a recognisable
    // summary and message.
    let secret = "SECRET-OF-TENANT-B";
    let conversation_b = "whatsapp:tenant-b-shopper";
    app.publish(&escalation(
        "tenant-b",
        conversation_b,
        secret,
        Priority::High,
    ))
    .await;
    app.publish(&shopper_message("tenant-b", conversation_b, secret))
        .await;
    let handoff_b = app.wait_for_handoff(&key_b, conversation_b).await;
    let handoff_id = handoff_b["id"].as_str().unwrap().to_owned();
    app.wait_handled("store.chat.message.new", 1).await;

    let browser = owner_a.browser().await;
    let routes = routes();
    assert!(
        routes.contains(&Route {
            method: Method::GET,
            path: "/inbox/conversations/{conversation}".to_owned()
        }) && routes.len() > 20,
        "the route scan missed routes: {routes:?}"
    );
    let exempt: BTreeSet<&str> = NO_TENANT_DATA.iter().map(|(path, _)| *path).collect();
    for path in &exempt {
        assert!(
            routes.iter().any(|r| r.path == *path),
            "{path} is exempted but is no route any more: remove it from NO_TENANT_DATA"
        );
    }

    let mut checked = 0;
    for route in routes.iter().filter(|r| !exempt.contains(r.path.as_str())) {
        let (path, names_something) = substitute(
            &route.path,
            &handoff_id,
            conversation_b,
            &owner_b.id.to_string(),
        );
        let (status, body) = if path.starts_with("/api/") {
            let response = app
                .http
                .request(route.method.clone(), app.url(&path))
                .bearer_auth(&key_a)
                .json(&api_body(&path))
                .send()
                .await
                .unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        } else {
            let response = browser
                .request(route.method.clone(), &path)
                .header("x-csrf-token", &browser.csrf)
                .header("accept", "application/json")
                .json(&inbox_body(&path))
                .send()
                .await
                .unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        };
        if names_something {
            assert_eq!(
                status, 404,
                "{} {path} (tenant B's) answered tenant A with {status}: {body}",
                route.method
            );
        } else {
            assert!(status < 500, "{} {path}: {status} {body}", route.method);
        }
        assert!(
            !body.contains(secret) && !body.contains(conversation_b),
            "{} {path} showed tenant B's data to tenant A: {body}",
            route.method
        );
        checked += 1;
    }
    assert!(checked > 15, "only {checked} routes checked");

    // And B sees its own: the check is not passing because nothing shows.
    let (status, page) = owner_b
        .browser()
        .await
        .get_page(&format!(
            "/inbox/conversations/{}",
            conversation_b.replace(':', "%3A")
        ))
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains(secret));
    let _ = key_b;
}

/// `pattern` with its parameters replaced by tenant B's things, and
/// whether it names one.
fn substitute(pattern: &str, handoff: &str, conversation: &str, account: &str) -> (String, bool) {
    let mut names_something = false;
    let path = pattern
        .split('/')
        .map(|segment| {
            let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
                return segment.to_owned();
            };
            names_something = true;
            match name {
                "id" => handoff.to_owned(),
                "conversation" => conversation.replace(':', "%3A"),
                "number" => "TB-1001".to_owned(),
                "account" => account.to_owned(),
                other => panic!(
                    "route {pattern} has a parameter {{{other}}} this test does not know: \
                     say which of tenant B's things it names"
                ),
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    (path, names_something)
}

/// A body the API route at `path` would take from its own tenant, so
/// only the tenant check can refuse it.
fn api_body(path: &str) -> serde_json::Value {
    if path.ends_with("/resolve") {
        serde_json::json!({"agent": "ana", "resolution": "closed"})
    } else {
        serde_json::json!({"text": "hello", "agent": "ana"})
    }
}

/// A body the inbox action at `path` would take for a conversation of the
/// seller's own, so only the tenant check can refuse it.
fn inbox_body(path: &str) -> serde_json::Value {
    let action = path.rsplit('/').next().unwrap_or_default();
    match action {
        "reply" => serde_json::json!({"text": "hello"}),
        "transfer" => serde_json::json!({"to": uuid::Uuid::now_v7()}),
        "send-product" => serde_json::json!({"product_id": "p1"}),
        "orders" => serde_json::json!({"items": [{"product_id": "p1", "quantity": 1}]}),
        "hand-back" => serde_json::json!({"note": "done"}),
        _ => serde_json::json!({}),
    }
}
