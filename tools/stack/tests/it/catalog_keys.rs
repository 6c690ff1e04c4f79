//! The catalog's API keys saved by `store-up`: only the first seed of a
//! tenant prints its key, so a restart must not lose it.

use store_stack::catalog_keys::merge;

const FIRST_SEED: &str = "tenant demo: 12 products, API key cat_demo_1\n\
                          tenant bakery: 4 products, API key cat_bakery_1\n";

#[test]
fn a_restart_keeps_the_keys_saved_by_the_first_start() {
    let saved = merge("", FIRST_SEED);

    let restarted = merge(
        &saved,
        "tenant demo: 12 products (existing API keys kept)\n\
         tenant bakery: 4 products (existing API keys kept)\n",
    );

    assert!(restarted.contains("API key cat_demo_1"), "{restarted}");
    assert!(restarted.contains("API key cat_bakery_1"), "{restarted}");
}

#[test]
fn a_tenant_added_later_is_saved_beside_the_others() {
    let saved = merge("", FIRST_SEED);

    let grown = merge(
        &saved,
        "tenant demo: 12 products (existing API keys kept)\n\
         tenant shoes: 3 products, API key cat_shoes_1\n",
    );

    assert!(grown.contains("API key cat_demo_1"), "{grown}");
    assert!(grown.contains("API key cat_shoes_1"), "{grown}");
    assert!(grown.contains("API key cat_bakery_1"), "{grown}");
}

#[test]
fn a_new_key_of_a_tenant_replaces_its_old_one() {
    let saved = merge("", FIRST_SEED);

    let recreated = merge(&saved, "tenant demo: 12 products, API key cat_demo_2\n");

    assert!(recreated.contains("API key cat_demo_2"), "{recreated}");
    assert!(!recreated.contains("cat_demo_1"), "{recreated}");
}
