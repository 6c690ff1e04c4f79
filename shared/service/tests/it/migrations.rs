//! Migrating a service with tenant API keys: store-tenancy's tables first,
//! and databases migrated before the tenant tables moved there adopted.

use secrecy::SecretString;
use sha2::{Digest, Sha384};
use store_service::{
    db::{self, Rewritten},
    migrations::Migrations,
};

const BEFORE: &str = include_str!("probe_migrations_before/20261123000000_shop.sql");

async fn fresh_pool() -> sqlx::PgPool {
    let (_, url) = store_testkit::fresh_database_with_url().await.unwrap();
    db::connect(&SecretString::from(url), 2).await.unwrap()
}

fn rewritten() -> [Rewritten; 1] {
    let old: &'static str =
        Box::leak(hex::encode(Sha384::digest(BEFORE.as_bytes())).into_boxed_str());
    [Rewritten {
        version: 20261123000000,
        old_sha384: old,
    }]
}

/// Migrates with the rewritten file, adopting `rewritten`.
async fn migrate_after(pool: &sqlx::PgPool, rewritten: &[Rewritten]) -> anyhow::Result<()> {
    db::migrate_with_tenants(
        pool,
        sqlx::migrate!("tests/it/probe_migrations_after"),
        "probe",
        rewritten,
    )
    .await
}

/// Migrates with the file as it was before the tenant tables moved.
async fn migrate_before(pool: &sqlx::PgPool) {
    db::migrate(
        pool,
        sqlx::migrate!("tests/it/probe_migrations_before"),
        "probe",
    )
    .await
    .unwrap();
}

async fn tables(pool: &sqlx::PgPool) -> Vec<String> {
    sqlx::query_scalar(
        "select table_name::text from information_schema.tables \
         where table_name in ('tenant', 'api_key', 'shop_item') order by 1",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_fresh_database_gets_the_tenant_tables_from_store_tenancy() {
    let pool = fresh_pool().await;

    migrate_after(&pool, &rewritten()).await.unwrap();

    assert_eq!(tables(&pool).await, ["api_key", "shop_item", "tenant"]);
}

#[tokio::test]
async fn a_database_migrated_with_the_old_file_is_adopted_and_migrates_on() {
    let pool = fresh_pool().await;
    migrate_before(&pool).await;

    migrate_after(&pool, &rewritten()).await.unwrap();
    // And again: adopting is idempotent.
    migrate_after(&pool, &rewritten()).await.unwrap();

    assert_eq!(tables(&pool).await, ["api_key", "shop_item", "tenant"]);
}

#[tokio::test]
async fn without_the_old_checksum_a_rewritten_migration_is_refused() {
    let pool = fresh_pool().await;
    migrate_before(&pool).await;

    let refused = migrate_after(&pool, &[]).await;

    let error = format!("{:#}", refused.unwrap_err());
    assert!(
        error.contains("previously applied but has been modified"),
        "{error}"
    );
}

/// The probe service's migrations, with the tenant tables.
fn probe() -> Migrations {
    Migrations::new("probe", sqlx::migrate!("tests/it/probe_migrations_after"))
        .with_tenants(&rewritten())
}

#[tokio::test]
async fn applying_reports_what_it_applied_then_nothing_and_verify_passes() {
    let pool = fresh_pool().await;

    let first = probe().apply(&pool).await.unwrap();
    let second = probe().apply(&pool).await.unwrap();

    let versions: Vec<i64> = first.iter().map(|m| m.version).collect();
    assert!(versions.contains(&20261123000000), "{first:?}");
    assert!(
        versions.len() >= 3,
        "the ledger's, the tenant tables' and the probe's: {first:?}"
    );
    assert_eq!(second, vec![], "nothing left to apply");
    probe().verify(&pool).await.unwrap();
}

#[tokio::test]
async fn verify_refuses_an_empty_database_naming_what_is_missing_and_the_command() {
    let pool = fresh_pool().await;

    let refused = probe().verify(&pool).await.unwrap_err().to_string();

    assert!(
        refused.contains("20261123000000 shop (missing)"),
        "{refused}"
    );
    assert!(refused.contains("`migrate`"), "{refused}");
    assert_eq!(tables(&pool).await, Vec::<String>::new(), "nothing applied");
}

#[tokio::test]
async fn verify_refuses_a_migration_applied_with_other_text_or_failed() {
    let pool = fresh_pool().await;
    probe().apply(&pool).await.unwrap();
    sqlx::query("update _sqlx_migrations set checksum = '\\x00' where version = 20261123000000")
        .execute(&pool)
        .await
        .unwrap();

    let modified = probe().verify(&pool).await.unwrap_err().to_string();
    sqlx::query("update _sqlx_migrations set success = false where version = 20261123000000")
        .execute(&pool)
        .await
        .unwrap();
    let failed = probe().verify(&pool).await.unwrap_err().to_string();

    assert!(
        modified.contains("20261123000000 shop (modified)"),
        "{modified}"
    );
    assert!(failed.contains("20261123000000 shop (failed)"), "{failed}");
}

#[tokio::test]
async fn verify_accepts_versions_a_newer_release_applied() {
    let pool = fresh_pool().await;
    probe().apply(&pool).await.unwrap();
    sqlx::query(
        "insert into _sqlx_migrations (version, description, success, checksum, execution_time) \
         values (29991231000000, 'from the future', true, '\\x01', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();

    probe().verify(&pool).await.unwrap();
}
