//! What storectl says when nothing listens where a service should be.

use std::process::{Command, Output};

/// A local port with nothing listening on it.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}

fn storectl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_storectl"))
        .args(args)
        .env_remove("STORE_ORDERS_API_KEY")
        .output()
        .unwrap()
}

#[test]
fn a_gateway_that_does_not_answer_is_named_with_how_to_start_the_store() {
    let gateway = format!("http://127.0.0.1:{}", closed_port());

    let output = storectl(&[
        "--gateway",
        &gateway,
        "chat",
        "--tenant",
        "demo",
        "--brand",
        "fashion",
        "--new",
    ]);

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("the gateway at {gateway} is not answering — is the store running? Start it with `scripts/run.sh`")),
        "{stderr}"
    );
}

#[test]
fn the_order_processor_and_management_api_too_without_their_credentials() {
    let port = closed_port();
    let orders = format!("http://127.0.0.1:{port}");
    let management = format!("http://admin:hunter2@127.0.0.1:{port}");

    let order = storectl(&[
        "--orders",
        &orders,
        "order",
        "show",
        "FA-1",
        "--api-key",
        "k",
    ]);
    let dlq = storectl(&["--management", &management, "dlq", "list"]);

    let order_err = String::from_utf8_lossy(&order.stderr);
    let dlq_err = String::from_utf8_lossy(&dlq.stderr);
    assert_eq!(order.status.code(), Some(1));
    assert!(
        order_err.contains(&format!("the order processor at {orders} is not answering")),
        "{order_err}"
    );
    assert_eq!(dlq.status.code(), Some(1));
    assert!(
        dlq_err.contains(&format!(
            "management API at http://127.0.0.1:{port} is not answering"
        )),
        "{dlq_err}"
    );
    assert!(
        !dlq_err.contains("hunter2"),
        "no password in messages: {dlq_err}"
    );
}

#[test]
fn a_broker_that_does_not_answer_is_named_without_its_url() {
    let amqp = format!("amqp://guest:hunter2@127.0.0.1:{}/%2f", closed_port());

    let output = storectl(&["--amqp", &amqp, "dlq", "replay", "orders.x"]);

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("RabbitMQ at the --amqp / AMQP_URL address is not answering"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[test]
fn usage_errors_exit_with_2() {
    let missing_key = storectl(&["order", "show", "FA-1"]);
    let unknown = storectl(&["frobnicate"]);

    assert_eq!(missing_key.status.code(), Some(2));
    assert_eq!(unknown.status.code(), Some(2));
}
