//! The server-sent events parser against the format's corner cases.

use storectl::sse::{SseEvent, SseParser};

fn parse_all(chunks: &[&[u8]]) -> Vec<SseEvent> {
    let mut parser = SseParser::new();
    chunks.iter().flat_map(|c| parser.push(c)).collect()
}

#[test]
fn data_lines_are_joined_with_newlines() {
    let events = parse_all(&[b"data: first\ndata: second\ndata:third\n\n"]);

    assert_eq!(
        events,
        [SseEvent {
            id: None,
            event: "message".into(),
            data: "first\nsecond\nthird".into()
        }]
    );
}

#[test]
fn ids_and_event_types_are_carried_and_ids_persist() {
    let events =
        parse_all(&[b"id: 7\nevent: message\ndata: {\"seq\":7}\n\nevent: other\ndata: x\n\n"]);

    assert_eq!(events.len(), 2);
    assert_eq!(events[0].id.as_deref(), Some("7"));
    assert_eq!(events[0].data, "{\"seq\":7}");
    assert_eq!(events[1].event, "other");
    assert_eq!(
        events[1].id.as_deref(),
        Some("7"),
        "the last event id stays until a new one"
    );
}

#[test]
fn comments_and_keep_alives_are_ignored() {
    let events = parse_all(&[b": keep-alive\n\n:another\ndata: real\n: in between\n\n"]);

    assert_eq!(events.len(), 1);
    assert_eq!(events[0].data, "real");
}

#[test]
fn crlf_and_cr_line_endings_work_even_split_across_chunks() {
    let events = parse_all(&[b"id: 1\r\ndata: a\r", b"\n\r", b"\nid: 2\rdata: b\r\r"]);

    assert_eq!(
        events
            .iter()
            .map(|e| (e.id.clone().unwrap(), e.data.clone()))
            .collect::<Vec<_>>(),
        [
            ("1".to_owned(), "a".to_owned()),
            ("2".to_owned(), "b".to_owned())
        ]
    );
}

#[test]
fn a_crlf_is_one_line_end_not_two() {
    // Read as CR and LF separately, the LF would be an empty line that
    // dispatches "a" alone.
    let events = parse_all(&[b"data: a\r", b"\ndata: b\r\n\r\n"]);

    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].data, "a\nb");
}

#[test]
fn an_event_split_byte_by_byte_is_the_same_event() {
    let stream = "\u{feff}id: 3\nevent: message\ndata: {\"text\":\"olá\"}\n\n".as_bytes();
    let chunks: Vec<&[u8]> = stream.chunks(1).collect();

    let events = parse_all(&chunks);

    assert_eq!(events.len(), 1);
    assert_eq!(events[0].data, "{\"text\":\"olá\"}");
    assert_eq!(events[0].id.as_deref(), Some("3"));
}

#[test]
fn an_unfinished_event_is_not_dispatched_and_retry_is_read() {
    let mut parser = SseParser::new();

    let events = parser.push(b"retry: 2500\ndata: half");

    assert!(events.is_empty());
    assert_eq!(parser.retry_ms(), Some(2500));
    assert_eq!(parser.push(b"\n\n").len(), 1);
}

#[test]
fn a_field_without_colon_and_an_empty_data_line() {
    let events = parse_all(&[b"data\n\ndata:\ndata:\n\n"]);

    assert_eq!(events.len(), 2);
    assert_eq!(events[0].data, "");
    assert_eq!(events[1].data, "\n");
}
