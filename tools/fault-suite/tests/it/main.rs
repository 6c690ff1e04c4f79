//! The fault suite's CI subset: duplicate webhooks, a seller SIGKILLed and
//! the broker restarted, on the suite's own PostgreSQL and RabbitMQ, in the
//! quick pace; nothing may be lost or doubled.

use fault_suite::{
    faults::{Fault, SERVICES},
    run::{Options, Suite},
};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nothing_is_lost_or_doubled_under_the_quick_faults() {
    let mut suite = Suite::start(Options::quick())
        .await
        .expect("the suite's store starts");
    let (seller, name) = SERVICES[1];
    let mut rows = Vec::new();
    for fault in [
        Fault::Duplicates,
        Fault::Kill(seller, name),
        Fault::BrokerRestart,
    ] {
        rows.push(suite.row(&fault).await.expect("the row runs"));
    }
    let unclean = suite.stop().await;
    let table = fault_suite::table::markdown(&rows);
    println!("{table}");
    for row in &rows {
        assert!(row.accepted > 0, "the stream flowed: {table}");
        assert_eq!(
            row.accepted, row.sent,
            "every webhook was accepted: {table}"
        );
        assert_eq!((row.lost, row.doubled), (0, 0), "{table}");
        assert!(row.orders > 0, "orders were placed: {table}");
        assert_eq!(row.stock, "ok", "{table}");
    }
    assert!(unclean.is_empty(), "services stopped cleanly: {unclean:?}");
}
