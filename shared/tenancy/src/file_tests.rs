//! Tests of the tenants file: the shipped demo file, the shape and the rules.
#![allow(clippy::unwrap_used)]

use super::*;

const DEMO: &str = include_str!("../../../config/tenants.demo.yaml");

fn brand(id: &str) -> BrandId {
    BrandId::parse(id).unwrap()
}

const ONE_BRAND: &str = "tenants:\n  - id: t1\n    name: T\n    brands: [{ id: b1, name: B }]\n";

#[test]
fn the_demo_file_has_five_brands_with_sellers_and_a_bakery() {
    let file = TenantsFile::parse(DEMO).unwrap();

    let demo = file.tenant("demo").unwrap();
    let ids: Vec<&str> = demo.brands.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(ids, ["fashion", "tech", "home", "beauty", "gaming"]);
    assert_eq!(
        demo.whatsapp[0].routing,
        Routing::Menu(ids.iter().map(|b| brand(b)).collect())
    );
    assert_eq!(file.persona("demo", "fashion").unwrap().seller_name, "Lía");
    assert_eq!(
        file.persona("bakery", "bakery").unwrap().seller_name,
        "Joanna"
    );
    assert!(file.persona("demo", "nope").is_none());
    assert!(file.tenant("nope").is_none());
}

#[test]
fn a_persona_takes_the_documented_defaults() {
    let yaml = "tenants:\n  - id: t1\n    name: T\n    brands:\n      - id: b1\n        name: B\n        persona: { seller_name: S, brand_name: B, tone: calm, greeting: Hi }\n";

    let persona = TenantsFile::parse(yaml)
        .unwrap()
        .persona("t1", "b1")
        .cloned()
        .unwrap();

    assert_eq!(
        (persona.currency.as_str(), persona.default_language.as_str()),
        ("EUR", "en")
    );
    assert!(persona.business_rules.is_empty());
}

#[test]
fn an_unknown_key_is_refused_with_where_it_is() {
    let typo = format!("{ONE_BRAND}    webchatt: {{ brands: [b1] }}\n");

    let error = TenantsFile::parse(&typo).unwrap_err().to_string();

    assert!(error.contains("webchatt"), "{error}");
    assert!(error.contains("line 5") || error.contains("5:"), "{error}");
}

#[test]
fn a_bad_id_is_refused() {
    let error = TenantsFile::parse("tenants:\n  - id: Not A Slug\n    name: T\n    brands: []\n")
        .unwrap_err()
        .to_string();

    assert!(error.contains("Not A Slug"), "{error}");
}

#[test]
fn duplicates_and_tenants_without_brands_are_refused() {
    let twice = format!("{ONE_BRAND}{}", &ONE_BRAND["tenants:\n".len()..]);
    let brand_twice = "tenants:\n  - id: t1\n    name: T\n    brands: [{ id: b1, name: B }, { id: b1, name: C }]\n";
    let no_brand = "tenants:\n  - id: t1\n    name: T\n    brands: []\n";

    let errors = [twice.as_str(), brand_twice, no_brand]
        .map(|yaml| TenantsFile::parse(yaml).unwrap_err().to_string());

    assert!(
        errors[0].contains("tenant t1 appears twice"),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].contains("brand b1 appears twice"),
        "{}",
        errors[1]
    );
    assert!(errors[2].contains("has no brand"), "{}", errors[2]);
}

#[test]
fn channels_route_to_one_known_brand_or_a_menu_of_them() {
    let with = |routing: &str| {
        format!(
            "{ONE_BRAND}    telegram:\n      - bot_token: {{ value: \"1:x\" }}\n        secret_token: {{ value: s }}\n        {routing}\n"
        )
    };

    let unknown = TenantsFile::parse(&with("brand: nope")).unwrap_err();
    let neither = TenantsFile::parse(&with("")).unwrap_err();
    let empty_menu = TenantsFile::parse(&with("menu: []")).unwrap_err();
    let menu = TenantsFile::parse(&with("menu: [b1]")).unwrap();

    assert!(
        unknown.to_string().contains("unknown brand nope"),
        "{unknown}"
    );
    assert!(neither.to_string().contains("either `brand`"), "{neither}");
    assert!(
        empty_menu.to_string().contains("non-empty `menu`"),
        "{empty_menu}"
    );
    assert_eq!(
        menu.tenants[0].telegram[0].routing,
        Routing::Menu(vec![brand("b1")])
    );
}

#[test]
fn a_whatsapp_number_belongs_to_one_tenant() {
    let account = "    whatsapp:\n      - { phone_number_id: \"1\", verify_token: { value: a }, app_secret: { value: a }, access_token: { value: a }, brand: b1 }\n";
    let second = ONE_BRAND["tenants:\n".len()..].replace("t1", "t2");
    let yaml = format!("{ONE_BRAND}{account}{second}{account}");

    let error = TenantsFile::parse(&yaml).unwrap_err();

    assert!(error.to_string().contains("used twice"), "{error}");
}

#[test]
fn web_chat_brands_must_exist_once_and_origins_must_be_origins() {
    let with = |webchat: &str| {
        format!(
            "tenants:\n  - id: t1\n    name: T\n    brands: [{{ id: b1, name: B }}, {{ id: b2, name: B2 }}]\n    webchat: {webchat}\n"
        )
    };

    let ok = TenantsFile::parse(&with(
        r#"{ brands: [b2, b1], allowed_origins: ["https://shop.example.com/", "http://localhost:3000"] }"#,
    ))
    .unwrap();
    let refused = [
        ("{ brands: [b1, nope] }", "unknown brand nope"),
        ("{ brands: [] }", "at least one brand"),
        ("{ brands: [b1, b1] }", "twice"),
        (
            r#"{ brands: [b1], allowed_origins: ["https://shop.example.com/page"] }"#,
            "is not an origin",
        ),
        (
            r#"{ brands: [b1], allowed_origins: ["ftp://x.example"] }"#,
            "is not an origin",
        ),
    ];

    let webchat = ok.tenants[0].webchat.clone().unwrap();
    assert_eq!(webchat.brands, [brand("b2"), brand("b1")]);
    assert_eq!(
        webchat.allowed_origins,
        ["https://shop.example.com", "http://localhost:3000"]
    );
    for (section, why) in refused {
        let error = TenantsFile::parse(&with(section)).unwrap_err().to_string();
        assert!(error.contains(why), "{section}: {error}");
    }
}

#[test]
fn the_committed_json_schema_is_the_one_the_types_give() {
    let committed: serde_json::Value =
        serde_json::from_str(include_str!("../../../config/tenants.schema.json")).unwrap();

    assert_eq!(
        committed,
        crate::schema::json_schema(),
        "config/tenants.schema.json is stale: regenerate it with `cargo run -p store-tenancy --example tenants-schema > config/tenants.schema.json`"
    );
}

#[test]
fn the_demo_file_is_valid_against_the_json_schema_and_a_typo_is_not() {
    let schema = crate::schema::json_schema();
    let demo: serde_json::Value = serde_saphyr::from_str(DEMO).unwrap();
    let typo: serde_json::Value =
        serde_saphyr::from_str(&format!("{ONE_BRAND}    webchatt: {{ brands: [b1] }}\n")).unwrap();

    let validator = jsonschema::validator_for(&schema).unwrap();

    let errors: Vec<String> = validator
        .iter_errors(&demo)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert!(!validator.is_valid(&typo));
}

#[test]
fn an_empty_shop_fact_is_refused_naming_the_brand_and_the_key() {
    let yaml = "tenants:\n  - id: t1\n    name: T\n    brands:\n      - id: b1\n        name: B\n        persona: { seller_name: S, brand_name: B, tone: calm, greeting: Hi, returns: \"  \" }\n";

    let error = TenantsFile::parse(yaml).unwrap_err().to_string();

    assert!(
        error.contains("brand b1: persona: returns is empty"),
        "{error}"
    );
}
