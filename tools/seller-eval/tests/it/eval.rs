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
