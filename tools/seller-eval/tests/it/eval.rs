//! The evaluation harness with the offline brain: every scenario is played
//! against the real catalog, order processor and seller, and the scenarios
//! required of the offline brain pass.

use seller_eval as eval;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_offline_seller_passes_every_required_scenario() {
    store_telemetry::init_for_tests();
    let options = eval::Options::new(None);

    let report = eval::run(&options).await.unwrap();

    let table = report.to_markdown();
    println!("{table}");
    assert!(report.outcomes.len() >= 8, "{table}");
    let failed: Vec<_> = report
        .required_failures()
        .iter()
        .map(|o| o.name.clone())
        .collect();
    assert!(
        failed.is_empty(),
        "required scenarios failed: {failed:?}\n{table}"
    );
}
