//! The evaluation harness with the offline brain, as CI runs it: every
//! scenario is played against the real catalog, order processor and
//! seller, several at once, and the run fails below the offline threshold
//! (pass^1 ≥ 95%), on any money or stock figure not in catalog or order
//! data, on a required scenario failing, or when pass^k ≠ pass^1.

use seller_eval as eval;

/// What CI demands of the offline brain.
const MIN_PASS: f64 = 0.95;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_offline_seller_meets_the_threshold_with_no_wrong_figure() {
    store_telemetry::init_for_tests();
    let options = eval::Options::new(None);

    let report = eval::run(&options).await.unwrap();

    let table = report.to_markdown();
    println!("{table}");
    assert!(report.outcomes.len() >= 8, "{table}");
    assert_eq!(report.k, 1, "one run offline: it is deterministic");
    let verdict = report.verdict(MIN_PASS);
    assert!(verdict.is_empty(), "{verdict:?}\n{table}");
    assert_eq!(report.figure_violations(), 0, "{table}");
    assert_eq!(report.pass_k(), report.pass_1(), "{table}");
}

/// Media turns reach the seller as the gateway's message kinds and each
/// gets exactly one reply, counted per turn; a threshold the run misses
/// fails the verdict.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn media_turns_are_played_and_their_replies_counted() {
    store_telemetry::init_for_tests();
    let dir = std::env::temp_dir().join(store_testkit::unique("seller-eval-media"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("media.yaml"),
        "name: en-media\nbrand: fashion\nlanguage: en\nturns:\n  - say: hi\n\
         \x20 - send: {kind: sticker}\n    expect: [{replies: 1}]\n\
         \x20 - send: {kind: image, caption: sneakers}\n    expect: [{replies: 1}]\n\
         \x20 - send: {kind: location}\n    expect: [{replies: 1}]\n\
         \x20 - send: {kind: contact, caption: Bea}\n    expect: [{replies: 1}]\n\
         \x20 - send: {kind: voice}\n    expect: [{replies: 1}]\n\
         \x20 - say: \"I never get an answer to this check\"\n    expect: [{replies: 2}]\n",
    )
    .unwrap();
    let mut options = eval::Options::new(None);
    options.scenarios_dir = dir.clone();

    let report = eval::run(&options).await.unwrap();

    let table = report.to_markdown();
    let failures: Vec<String> = report.outcomes[0].runs[0]
        .failures
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        failures,
        vec!["turn 7 `replies`: 1 replies, expected 2".to_owned()],
        "{table}"
    );
    assert_eq!(report.pass_1(), 0.0);
    assert!(
        report.verdict(MIN_PASS)[0].contains("below the threshold"),
        "{table}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
