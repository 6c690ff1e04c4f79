//! `storectl chat` with piped input, run as the real binary against a
//! small fake gateway that speaks the web chat protocol (docs/WEBCHAT.md):
//! brands, sessions, transcript, messages and the SSE event stream.

use std::{
    collections::HashMap,
    convert::Infallible,
    io::Write,
    path::{Path as FsPath, PathBuf},
    process::{Command, Output, Stdio},
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Json, Router,
    body::Body,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::{Value, json};
use tokio::sync::broadcast;

/// A refused request: status and `{"error"}` body.
type Refusal = (StatusCode, Json<Value>);

#[derive(Default)]
struct Session {
    token: String,
    brand: String,
    entries: Vec<Value>,
}

/// The fake gateway's state; `received` is every message body posted.
#[derive(Clone)]
struct Fake {
    sessions: Arc<Mutex<HashMap<String, Session>>>,
    received: Arc<Mutex<Vec<Value>>>,
    live: broadcast::Sender<(String, Value)>,
}

impl Fake {
    fn new() -> Self {
        Self {
            sessions: Arc::default(),
            received: Arc::default(),
            live: broadcast::channel(256).0,
        }
    }

    fn append(&self, session_id: &str, from: &str, parts: Value) -> u64 {
        let mut sessions = self.sessions.lock().unwrap();
        let session = sessions.get_mut(session_id).unwrap();
        let seq = session.entries.len() as u64 + 1;
        let entry =
            json!({"seq": seq, "from": from, "parts": parts, "sent_at": "2026-11-23T10:00:00Z"});
        session.entries.push(entry.clone());
        let _ = self.live.send((session_id.to_owned(), entry));
        seq
    }

    fn authorized(&self, session_id: &str, headers: &HeaderMap) -> Result<(), Refusal> {
        let sessions = self.sessions.lock().unwrap();
        let Some(session) = sessions.get(session_id) else {
            return Err((
                StatusCode::NOT_FOUND,
                Json(json!({"error": "no such session"})),
            ));
        };
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if given != Some(session.token.as_str()) {
            return Err((
                StatusCode::UNAUTHORIZED,
                Json(json!({"error": "bad token"})),
            ));
        }
        Ok(())
    }
}

fn tenant_known(tenant: &str) -> Result<(), Refusal> {
    if matches!(tenant, "demo" | "solo") {
        Ok(())
    } else {
        Err((
            StatusCode::NOT_FOUND,
            Json(json!({"error": "unknown tenant"})),
        ))
    }
}

async fn brands(Path(tenant): Path<String>) -> Response {
    if let Err(r) = tenant_known(&tenant) {
        return r.into_response();
    }
    let brands = if tenant == "solo" {
        json!([{"id": "bakery", "name": "Bakery"}])
    } else {
        json!([
            {"id": "fashion", "name": "Fashion", "description": "Clothes and sneakers"},
            {"id": "silent", "name": "Silent", "description": "Never answers"}
        ])
    };
    Json(json!({"tenant": {"id": tenant, "name": tenant}, "brands": brands})).into_response()
}

async fn create_session(
    State(fake): State<Fake>,
    Path(tenant): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    if let Err(r) = tenant_known(&tenant) {
        return r.into_response();
    }
    let brand = body["brand"].as_str().unwrap_or_default().to_owned();
    let id = uuid::Uuid::new_v4().simple().to_string();
    let token = format!("tok-{}", uuid::Uuid::new_v4().simple());
    fake.sessions.lock().unwrap().insert(
        id.clone(),
        Session {
            token: token.clone(),
            brand: brand.clone(),
            entries: Vec::new(),
        },
    );
    let conversation = format!("webchat:{brand}:{id}");
    (
        StatusCode::CREATED,
        Json(json!({"session_id": id, "token": token, "conversation_id": conversation, "brand": brand})),
    )
        .into_response()
}

async fn transcript(
    State(fake): State<Fake>,
    Path((_tenant, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = fake.authorized(&id, &headers) {
        return r.into_response();
    }
    let sessions = fake.sessions.lock().unwrap();
    let session = &sessions[&id];
    Json(json!({"session_id": id, "brand": session.brand, "conversation_id": "c", "messages": session.entries})).into_response()
}

/// The fake seller: "hi" gets buttons, a pick is acknowledged by title,
/// anything else is echoed; brand `silent` never answers.
async fn post_message(
    State(fake): State<Fake>,
    Path((_tenant, id)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Err(r) = fake.authorized(&id, &headers) {
        return r.into_response();
    }
    fake.received.lock().unwrap().push(body.clone());
    let shown = match (&body["text"], &body["reply"]) {
        (Value::String(text), _) => text.clone(),
        (_, reply) => reply["title"].as_str().unwrap_or_default().to_owned(),
    };
    let seq = fake.append(&id, "shopper", json!([{"kind": "text", "text": shown}]));
    let brand = fake.sessions.lock().unwrap()[&id].brand.clone();
    if brand != "silent" {
        let fake = fake.clone();
        let id = id.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let parts = if let Some(picked) = body["reply"]["id"].as_str() {
                json!([{"kind": "text", "text": format!("You picked {picked}")}])
            } else if body["text"] == "hi" {
                json!([{"kind": "buttons", "text": "Hello! What are you looking for?",
                        "buttons": [{"id": "cat-shoes", "title": "Shoes"}, {"id": "cat-bags", "title": "Bags"}]}])
            } else {
                json!([
                    {"kind": "text", "text": format!("echo: {}", body["text"].as_str().unwrap_or_default())},
                    {"kind": "image", "url": "https://img.example/p1.jpg", "caption": "Runner"}
                ])
            };
            fake.append(&id, "seller", parts);
        });
    }
    (
        StatusCode::ACCEPTED,
        Json(
            json!({"message_id": uuid::Uuid::new_v4().to_string(), "seq": seq, "duplicate": false}),
        ),
    )
        .into_response()
}

fn sse_frame(entry: &Value) -> String {
    // CRLF line ends and a comment, as a server may send them.
    format!(
        ": keep-alive\r\nid: {}\r\nevent: message\r\ndata: {}\r\n\r\n",
        entry["seq"], entry
    )
}

async fn events(
    State(fake): State<Fake>,
    Path((_tenant, id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = fake.authorized(&id, &headers) {
        return r.into_response();
    }
    let after: u64 = query.get("after").and_then(|a| a.parse().ok()).unwrap_or(0);
    let live = fake.live.subscribe();
    let backlog: Vec<Value> = fake.sessions.lock().unwrap()[&id]
        .entries
        .iter()
        .filter(|e| e["seq"].as_u64().unwrap() > after)
        .cloned()
        .collect();
    let last = backlog
        .last()
        .and_then(|e| e["seq"].as_u64())
        .unwrap_or(after);
    let backlog = futures::stream::iter(
        backlog
            .into_iter()
            .map(|e| Ok::<_, Infallible>(sse_frame(&e))),
    );
    let live = futures::stream::unfold((live, last, id), |(mut live, mut last, id)| async move {
        loop {
            match live.recv().await {
                Ok((session, entry)) if session == id && entry["seq"].as_u64().unwrap() > last => {
                    last = entry["seq"].as_u64().unwrap();
                    return Some((Ok(sse_frame(&entry)), (live, last, id)));
                }
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
    });
    use futures::StreamExt;
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .body(Body::from_stream(backlog.chain(live)))
        .unwrap()
}

async fn start_fake() -> (Fake, String) {
    let fake = Fake::new();
    let app = Router::new()
        .route("/chat/{tenant}/brands", get(brands))
        .route("/chat/{tenant}/sessions", post(create_session))
        .route("/chat/{tenant}/sessions/{id}", get(transcript))
        .route("/chat/{tenant}/sessions/{id}/messages", post(post_message))
        .route("/chat/{tenant}/sessions/{id}/events", get(events))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (fake, url)
}

fn state_dir() -> PathBuf {
    std::env::temp_dir().join(format!("storectl-state-{}", uuid::Uuid::new_v4().simple()))
}

/// Runs `storectl --gateway <gateway> <args…>` with `input` on stdin.
async fn storectl(gateway: &str, state: &FsPath, args: &[&str], input: &str) -> Output {
    let gateway = gateway.to_owned();
    let state = state.to_path_buf();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let input = input.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_storectl"))
            .arg("--gateway")
            .arg(&gateway)
            .args(&args)
            .env("XDG_STATE_HOME", &state)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn piped_lines_are_sent_one_by_one_each_after_the_seller_answered() {
    let (fake, gateway) = start_fake().await;
    let state = state_dir();

    let output = storectl(
        &gateway,
        &state,
        &["chat", "--tenant", "demo", "--brand", "fashion", "--new"],
        "hi\n2\nsneakers\n",
    )
    .await;

    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{}",
        text(&output.stderr)
    );
    let hello = stdout
        .find("seller: Hello! What are you looking for?")
        .expect(&stdout);
    let picked = stdout.find("seller: You picked cat-bags").expect(&stdout);
    let echoed = stdout.find("seller: echo: sneakers").expect(&stdout);
    assert!(hello < picked && picked < echoed, "{stdout}");
    assert!(
        stdout.contains("1) Shoes") && stdout.contains("2) Bags"),
        "{stdout}"
    );
    assert!(
        stdout.contains("[image] https://img.example/p1.jpg — Runner"),
        "{stdout}"
    );
    let received = fake.received.lock().unwrap().clone();
    assert_eq!(received.len(), 3);
    assert_eq!(
        received[1]["reply"],
        json!({"id": "cat-bags", "title": "Bags"}),
        "a number picks the option"
    );
    assert_eq!(received[2]["text"], "sneakers");
    let ids: Vec<_> = received
        .iter()
        .map(|r| r["client_message_id"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        ids[0] != ids[1] && ids[1] != ids[2],
        "each message has its own client_message_id"
    );
    let _ = std::fs::remove_dir_all(&state);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_resumes_the_saved_session_and_shows_the_transcript() {
    let (fake, gateway) = start_fake().await;
    let state = state_dir();
    let args = ["chat", "--tenant", "demo", "--brand", "fashion"];
    let first = storectl(&gateway, &state, &args, "boots\n").await;
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));

    let second = storectl(&gateway, &state, &args, "socks\n").await;

    let stdout = text(&second.stdout);
    assert_eq!(second.status.code(), Some(0), "{}", text(&second.stderr));
    assert!(stdout.contains("resuming session"), "{stdout}");
    let earlier = stdout.find("seller: echo: boots").expect(&stdout);
    let now = stdout.find("seller: echo: socks").expect(&stdout);
    assert!(earlier < now);
    assert_eq!(
        fake.sessions.lock().unwrap().len(),
        1,
        "one session, resumed"
    );
    let saved = std::fs::read_to_string(state.join("storectl/sessions.json")).unwrap();
    assert!(
        !stdout.contains("tok-") && saved.contains("tok-"),
        "the token is saved, never printed"
    );
    let _ = std::fs::remove_dir_all(&state);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_answer_within_the_reply_timeout_fails() {
    let (_fake, gateway) = start_fake().await;
    let state = state_dir();

    let output = storectl(
        &gateway,
        &state,
        &[
            "chat",
            "--tenant",
            "demo",
            "--brand",
            "silent",
            "--new",
            "--reply-timeout",
            "1",
        ],
        "anyone?\nsecond\n",
    )
    .await;

    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("no answer to \"anyone?\" within 1 s"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&state);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_brand_the_brands_are_listed_or_the_only_one_is_taken() {
    let (_fake, gateway) = start_fake().await;
    let state = state_dir();

    let several = storectl(
        &gateway,
        &state,
        &["chat", "--tenant", "demo", "--new"],
        "hi\n",
    )
    .await;
    let single = storectl(
        &gateway,
        &state,
        &["chat", "--tenant", "solo", "--new"],
        "bread\n",
    )
    .await;

    let stderr = text(&several.stderr);
    assert_eq!(several.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--brand") && stderr.contains("fashion") && stderr.contains("silent"),
        "{stderr}"
    );
    assert_eq!(single.status.code(), Some(0), "{}", text(&single.stderr));
    assert!(text(&single.stdout).contains("with bakery"));
    let _ = std::fs::remove_dir_all(&state);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_without_web_chat_is_named() {
    let (_fake, gateway) = start_fake().await;
    let state = state_dir();

    let output = storectl(
        &gateway,
        &state,
        &["chat", "--tenant", "nope", "--brand", "x", "--new"],
        "hi\n",
    )
    .await;

    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("tenant \"nope\" has no web chat"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_ends_the_chat_cleanly_while_it_waits_for_input() {
    let (_fake, gateway) = start_fake().await;
    let state = state_dir();
    let state_for_child = state.clone();

    let output = tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_storectl"))
            .args([
                "--gateway",
                &gateway,
                "chat",
                "--tenant",
                "demo",
                "--brand",
                "fashion",
                "--new",
            ])
            .env("XDG_STATE_HOME", &state_for_child)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // stdin stays open: storectl is waiting for the next line.
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"hi\n").unwrap();
        std::thread::sleep(Duration::from_millis(1500));
        let interrupted = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(interrupted.success());
        let output = child.wait_with_output().unwrap();
        drop(stdin);
        output
    })
    .await
    .unwrap();

    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains("seller: Hello!"),
        "{}",
        text(&output.stdout)
    );
    let _ = std::fs::remove_dir_all(&state);
}
