//! The JSON log line of an event inside a span carries that span's trace and
//! span ids, built with the very subscriber `init` installs.

use serde_json::{Value, json};
use store_telemetry::{
    logs,
    propagation::{current_span_id, current_trace_id},
};

/// What `f` logs through `filter`, as JSON objects, with the very
/// subscriber `init` installs ([`logs::capture`]).
fn capture<T>(filter: &str, f: impl FnOnce() -> T) -> (T, Vec<Value>) {
    let (guard, captured) = logs::capture(filter);
    let result = f();
    drop(guard);
    let lines = captured
        .text()
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is one JSON object"))
        .collect();
    (result, lines)
}

#[test]
fn an_event_in_a_span_logs_the_spans_trace_and_span_ids() {
    // Arrange + Act
    let ((trace_id, span_id), lines) = capture("info", || {
        let span = tracing::info_span!("consume", event_type = "store.order.create");
        let _entered = span.enter();
        tracing::info!(order = 42, accepted = true, "order accepted");
        (current_trace_id(), current_span_id())
    });

    // Assert
    let [line] = lines.as_slice() else {
        panic!("one line expected: {lines:?}");
    };
    assert_eq!(line["trace_id"], json!(trace_id.expect("trace id")));
    assert_eq!(line["span_id"], json!(span_id.expect("span id")));
    assert_eq!(line["level"], json!("INFO"));
    assert_eq!(line["target"], json!(module_path!()));
    assert_eq!(line["message"], json!("order accepted"));
    assert_eq!(line["fields"], json!({"order": 42, "accepted": true}));
    assert_eq!(
        line["span"],
        json!({"name": "consume", "event_type": "store.order.create"})
    );
    assert!(line["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')));
}

#[test]
fn nested_spans_log_the_innermost_span_id_and_the_scope_from_the_root() {
    let (inner_span_id, lines) = capture("info", || {
        let outer = tracing::info_span!("outer", tenant = "t1");
        let _outer = outer.enter();
        let inner = tracing::info_span!("inner");
        let _inner = inner.enter();
        tracing::warn!("inside");
        current_span_id()
    });

    let line = &lines[0];
    assert_eq!(line["span_id"], json!(inner_span_id.expect("span id")));
    assert_eq!(
        line["spans"],
        json!([{"name": "outer", "tenant": "t1"}, {"name": "inner"}])
    );
}

#[test]
fn an_event_outside_any_span_has_no_ids_and_the_filter_applies() {
    let ((), lines) = capture("warn", || {
        tracing::info!("filtered out");
        tracing::error!(error = %std::io::Error::other("disk full"), "write failed");
    });

    let [line] = lines.as_slice() else {
        panic!("one line expected: {lines:?}");
    };
    assert_eq!(line["message"], json!("write failed"));
    assert_eq!(line["fields"], json!({"error": "disk full"}));
    assert!(line.get("trace_id").is_none());
    assert!(line.get("span").is_none());
}

#[test]
fn init_for_tests_can_be_called_many_times() {
    store_telemetry::init_for_tests();
    store_telemetry::init_for_tests();
    let guard = store_telemetry::init("test").expect("second init");

    assert!(!guard.is_owner());
    let span = tracing::info_span!("global");
    let _entered = span.enter();
    assert!(current_trace_id().is_some());
}

#[test]
fn a_shoppers_number_and_words_stay_out_of_lines_above_debug() {
    let conversation = "whatsapp:100000000000001:34600111222";
    let ((), lines) = capture("debug", || {
        let span = tracing::info_span!("turn", conversation = %conversation);
        let _entered = span.enter();
        tracing::info!(
            customer = "34600111222",
            reply = "Hola Ana, tu pedido",
            "answered"
        );
        tracing::debug!(reply = "Hola Ana, tu pedido", "answered in full");
    });

    let [info, debug] = lines.as_slice() else {
        panic!("two lines expected: {lines:?}");
    };
    let info_line = info.to_string();
    assert!(!info_line.contains("34600111222"), "{info_line}");
    assert!(!info_line.contains("Hola Ana"), "{info_line}");
    assert_eq!(
        info["span"]["conversation"],
        json!(logs::pseudonym(conversation))
    );
    assert_eq!(info["fields"]["reply"], json!("[19 characters]"));
    assert_eq!(debug["fields"]["reply"], json!("Hola Ana, tu pedido"));
    assert!(!debug.to_string().contains("34600111222"), "{debug}");
}
