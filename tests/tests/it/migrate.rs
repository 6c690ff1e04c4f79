//! Every service binary's `migrate` command, and start-up with
//! `DATABASE_MIGRATE=verify` (the Helm chart's migration Job, then its
//! Deployments): run as processes against fresh databases.

use std::process::Output;

use store_stack::process::bin_dir;

/// The services with a database, as their binaries are named.
const SERVICES: [&str; 5] = [
    "gateway",
    "catalog",
    "order-processor",
    "sales-assistant",
    "seller-agent",
];

/// Runs `binary` with `args` and `env` (nothing else of this process's
/// environment that would configure a service), waiting for it to exit.
async fn run(binary: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let path = bin_dir().expect("the binaries' directory").join(binary);
    tokio::time::timeout(
        std::time::Duration::from_secs(60),
        tokio::process::Command::new(&path)
            .args(args)
            .env_clear()
            .envs(env.iter().copied())
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("the process exits")
    .unwrap_or_else(|e| panic!("{} runs: {e}", path.display()))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn migrate_applies_once_and_says_so_then_there_is_nothing_to_apply() {
    for service in SERVICES {
        let (_, url) = store_testkit::fresh_database_with_url().await.unwrap();
        let env = [("DATABASE_URL", url.as_str())];

        let first = run(service, &["migrate"], &env).await;
        let second = run(service, &["migrate"], &env).await;

        let (first_out, second_out) = (text(&first.stdout), text(&second.stdout));
        assert!(first.status.success(), "{service}: {first:?}");
        assert!(
            first_out
                .lines()
                .filter(|l| l.starts_with(&format!("{service}: applied ")))
                .count()
                >= 2,
            "{service} applied the ledger's and its own: {first_out}"
        );
        assert!(second.status.success(), "{service}: {second:?}");
        assert!(
            second_out.contains("up to date; nothing to apply"),
            "{service}: {second_out}"
        );
    }
}

#[tokio::test]
async fn verify_refuses_to_start_on_an_unmigrated_database_and_names_the_command() {
    let tenants = concat!(env!("CARGO_MANIFEST_DIR"), "/../config/tenants.demo.yaml").to_owned();
    for service in SERVICES {
        let (_, url) = store_testkit::fresh_database_with_url().await.unwrap();
        let env = [
            ("DATABASE_URL", url.as_str()),
            ("DATABASE_MIGRATE", "verify"),
            ("SELLER_TENANT", "demo"),
            ("SELLER_BRAND", "fashion"),
            ("TENANTS_FILE", &tenants),
            ("PORT", "0"),
        ];

        let refused = run(service, &[], &env).await;

        let said = format!("{}{}", text(&refused.stdout), text(&refused.stderr));
        assert!(!refused.status.success(), "{service} started: {said}");
        assert!(said.contains("(missing)"), "{service}: {said}");
        assert!(said.contains("`migrate`"), "{service}: {said}");
    }
}

#[tokio::test]
async fn a_misspelt_database_migrate_is_refused_with_the_values_it_takes() {
    let (_, url) = store_testkit::fresh_database_with_url().await.unwrap();

    let refused = run(
        "catalog",
        &[],
        &[
            ("DATABASE_URL", url.as_str()),
            ("DATABASE_MIGRATE", "verfy"),
        ],
    )
    .await;

    let said = format!("{}{}", text(&refused.stdout), text(&refused.stderr));
    assert!(!refused.status.success(), "{said}");
    assert!(
        said.contains("DATABASE_MIGRATE is \"verfy\"") && said.contains("on-start"),
        "{said}"
    );
    // Nothing was applied: `migrate` still has everything to do.
    let migrated = run("catalog", &["migrate"], &[("DATABASE_URL", url.as_str())]).await;
    assert!(
        text(&migrated.stdout).contains("catalog: applied "),
        "{migrated:?}"
    );
}
