//! Tests of the gateway's view of the tenants file: the shipped demo file,
//! secrets resolved, bot ids; the file's rules are store-tenancy's (tested
//! there), seen here only where the gateway adds to them.
#![allow(clippy::unwrap_used)]

use secrecy::ExposeSecret;

use super::*;

const DEMO: &str = include_str!("../../../../config/tenants.demo.yaml");

fn brand(id: &str) -> BrandId {
    BrandId::parse(id).unwrap()
}

#[test]
fn the_demo_file_has_the_five_seed_brands_and_a_bakery() {
    let tenants = Tenants::parse(DEMO).unwrap();

    let demo = tenants.get("demo").unwrap();
    let ids: Vec<&str> = demo.brands.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(ids, ["fashion", "tech", "home", "beauty", "gaming"]);
    assert_eq!(
        demo.whatsapp_channel("100000000000001").unwrap().routing,
        Routing::Menu(ids.iter().map(|b| brand(b)).collect())
    );
    assert_eq!(
        demo.whatsapp_channel("100000000000002").unwrap().routing,
        Routing::Brand(brand("gaming"))
    );
    assert_eq!(demo.telegram[0].bot_id, "7000000001");
    let bakery = tenants.get("bakery").unwrap();
    assert_eq!(bakery.brands.len(), 1);
    assert!(bakery.whatsapp_channel("100000000000001").is_none());
}

#[test]
fn secrets_come_from_environment_variables_and_files() {
    let dir = std::env::temp_dir().join(uuid::Uuid::new_v4().to_string());
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("token");
    std::fs::write(&file, "from-a-file\n").unwrap();
    // Setting a variable needs `unsafe` in edition 2024 (forbidden here):
    // read one every process has.
    let var = "PATH";
    let yaml = format!(
        r#"
tenants:
  - id: t1
    name: T
    brands: [{{ id: b1, name: B }}]
    whatsapp:
      - phone_number_id: "1"
        verify_token: {{ env: {var} }}
        app_secret: {{ file: {file} }}
        access_token: {{ value: v }}
        brand: b1
"#,
        file = file.display()
    );

    let tenants = Tenants::parse(&yaml).unwrap();

    let channel = tenants.get("t1").unwrap().whatsapp_channel("1").unwrap();
    assert_eq!(
        channel.verify_token.expose_secret(),
        std::env::var("PATH").unwrap()
    );
    assert_eq!(channel.app_secret.expose_secret(), "from-a-file");
}

#[test]
fn a_missing_environment_variable_is_refused_at_start_up() {
    let yaml = r#"
tenants:
  - id: t1
    name: T
    brands: [{ id: b1, name: B }]
    whatsapp:
      - phone_number_id: "1"
        verify_token: { env: GATEWAY_TEST_SURELY_UNSET_VARIABLE }
        app_secret: { value: s }
        access_token: { value: v }
        brand: b1
"#;

    let error = Tenants::parse(yaml).unwrap_err();

    assert!(
        error
            .to_string()
            .contains("GATEWAY_TEST_SURELY_UNSET_VARIABLE is not set"),
        "{error}"
    );
}

#[test]
fn a_bad_telegram_token_and_a_reused_phone_number_are_refused() {
    let bad_token = r#"
tenants:
  - id: t1
    name: T
    brands: [{ id: b1, name: B }]
    telegram:
      - bot_token: { value: "not-a-token" }
        secret_token: { value: s }
        brand: b1
"#;
    let reused = r#"
tenants:
  - id: t1
    name: T
    brands: [{ id: b1, name: B }]
    whatsapp:
      - { phone_number_id: "1", verify_token: { value: a }, app_secret: { value: a }, access_token: { value: a }, brand: b1 }
  - id: t2
    name: T2
    brands: [{ id: b1, name: B }]
    whatsapp:
      - { phone_number_id: "1", verify_token: { value: a }, app_secret: { value: a }, access_token: { value: a }, brand: b1 }
"#;

    assert!(
        Tenants::parse(bad_token)
            .unwrap_err()
            .to_string()
            .contains("<digits>:<secret>")
    );
    assert!(
        Tenants::parse(reused)
            .unwrap_err()
            .to_string()
            .contains("used twice")
    );
}

#[test]
fn the_demo_tenants_offer_web_chat_for_their_brands() {
    let tenants = Tenants::parse(DEMO).unwrap();

    let webchat = tenants.get("demo").unwrap().webchat.as_ref().unwrap();

    let ids: Vec<&str> = webchat.brands.iter().map(BrandId::as_str).collect();
    assert_eq!(ids, ["fashion", "tech", "home", "beauty", "gaming"]);
    assert!(webchat.allowed_origins.is_empty());
    let bakery = tenants.get("bakery").unwrap().webchat.as_ref().unwrap();
    let ids: Vec<&str> = bakery.brands.iter().map(BrandId::as_str).collect();
    assert_eq!(ids, ["bakery"]);
}

#[test]
fn web_chat_brands_must_exist_and_origins_must_be_origins() {
    let with = |webchat: &str| {
        format!(
            r#"
tenants:
  - id: t1
    name: T
    brands: [{{ id: b1, name: B }}, {{ id: b2, name: B2 }}]
    webchat: {webchat}
"#
        )
    };

    let ok = Tenants::parse(&with(
        r#"{ brands: [b2, b1], allowed_origins: ["https://shop.example.com", "http://localhost:3000"] }"#,
    ))
    .unwrap();
    let unknown = Tenants::parse(&with("{ brands: [b1, nope] }")).unwrap_err();
    let none = Tenants::parse(&with("{ brands: [] }")).unwrap_err();
    let twice = Tenants::parse(&with("{ brands: [b1, b1] }")).unwrap_err();
    let path = Tenants::parse(&with(
        r#"{ brands: [b1], allowed_origins: ["https://shop.example.com/page"] }"#,
    ))
    .unwrap_err();
    let scheme = Tenants::parse(&with(
        r#"{ brands: [b1], allowed_origins: ["ftp://x.example"] }"#,
    ))
    .unwrap_err();

    let webchat = ok.get("t1").unwrap().webchat.clone().unwrap();
    assert_eq!(webchat.brands, [brand("b2"), brand("b1")]);
    assert!(webchat.allows_origin("https://shop.example.com"));
    assert!(webchat.allows_origin("http://localhost:3000"));
    assert!(!webchat.allows_origin("https://evil.example.com"));
    assert!(
        unknown.to_string().contains("unknown brand nope"),
        "{unknown}"
    );
    assert!(none.to_string().contains("at least one brand"), "{none}");
    assert!(twice.to_string().contains("twice"), "{twice}");
    assert!(path.to_string().contains("is not an origin"), "{path}");
    assert!(scheme.to_string().contains("is not an origin"), "{scheme}");
}
