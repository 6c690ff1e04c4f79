//! The ranking test set: a small catalog in three languages (an English
//! tech shop with Portuguese and Spanish translations, a Spanish fashion
//! shop, a Portuguese bakery) and the top three answers expected for
//! queries shoppers write, typos included. Search changes must keep every
//! expectation here.

use serde_json::{Value, json};
use store_events::data::{ProductQuery, ProductQueryResult};

use crate::helpers::{TestApp, product_json};

/// One product: SKU, name, category, tags, translations.
type Seed = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    Value,
);

fn tech() -> Vec<Seed> {
    vec![
        (
            "HP-OVER",
            "Over-Ear Headphones",
            "headphones",
            &["audio", "wired"],
            json!({"pt": {"name": "Fones de ouvido over-ear"}, "es": {"name": "Auriculares de diadema"}}),
        ),
        (
            "HP-WL",
            "Wireless Headphones",
            "headphones",
            &["audio", "wireless", "bluetooth"],
            json!({"pt": {"name": "Fones de ouvido sem fio"}, "es": {"name": "Auriculares inalámbricos"}}),
        ),
        (
            "EARBUDS",
            "Wireless Earbuds",
            "headphones",
            &["audio", "wireless"],
            json!({"pt": {"name": "Fones intra-auriculares sem fio"}, "es": {"name": "Auriculares intrauditivos"}}),
        ),
        (
            "SPK-BT",
            "Bluetooth Speaker",
            "speakers",
            &["audio", "wireless", "bluetooth"],
            json!({"pt": {"name": "Caixa de som bluetooth"}, "es": {"name": "Altavoz bluetooth"}}),
        ),
        (
            "KB-MECH",
            "Mechanical Keyboard",
            "keyboards",
            &["typing", "gaming"],
            json!({"pt": {"name": "Teclado mecânico"}, "es": {"name": "Teclado mecánico"}}),
        ),
        (
            "KB-WL",
            "Wireless Keyboard",
            "keyboards",
            &["typing", "wireless"],
            json!({"pt": {"name": "Teclado sem fio"}, "es": {"name": "Teclado inalámbrico"}}),
        ),
        (
            "MOUSE-WL",
            "Wireless Mouse",
            "mice",
            &["wireless"],
            json!({"pt": {"name": "Mouse sem fio"}, "es": {"name": "Ratón inalámbrico"}}),
        ),
        (
            "MON-27",
            "27-inch Monitor",
            "monitors",
            &["display"],
            json!({"pt": {"name": "Monitor de 27 polegadas"}, "es": {"name": "Monitor de 27 pulgadas"}}),
        ),
        (
            "LAPTOP-14",
            "Ultrabook Laptop 14",
            "laptops",
            &["computer"],
            json!({"pt": {"name": "Notebook ultrafino 14"}, "es": {"name": "Portátil ultraligero 14"}}),
        ),
        (
            "STAND",
            "Laptop Stand",
            "accessories",
            &["desk"],
            json!({"pt": {"name": "Suporte para notebook"}, "es": {"name": "Soporte para portátil"}}),
        ),
        (
            "PHONE-X",
            "Smartphone X",
            "phones",
            &["mobile", "5g"],
            json!({"pt": {"name": "Celular X"}, "es": {"name": "Teléfono móvil X"}}),
        ),
        (
            "CASE-X",
            "Phone Case",
            "cases",
            &["mobile", "protection"],
            json!({"pt": {"name": "Capa de celular"}, "es": {"name": "Funda para móvil"}}),
        ),
        (
            "CHG-65",
            "USB-C Charger",
            "chargers",
            &["charging", "power"],
            json!({"pt": {"name": "Carregador USB-C"}, "es": {"name": "Cargador USB-C"}}),
        ),
        (
            "CABLE-C",
            "USB-C Cable",
            "cables",
            &["charging"],
            json!({"pt": {"name": "Cabo USB-C"}, "es": {"name": "Cable USB-C"}}),
        ),
        (
            "WATCH",
            "Smartwatch",
            "wearables",
            &["fitness", "bluetooth"],
            json!({"pt": {"name": "Relógio inteligente"}, "es": {"name": "Reloj inteligente"}}),
        ),
        (
            "CAM-ACT",
            "Action Camera",
            "cameras",
            &["video", "outdoor"],
            json!({"pt": {"name": "Câmera de ação"}, "es": {"name": "Cámara deportiva"}}),
        ),
    ]
}

fn moda() -> Vec<Seed> {
    vec![
        (
            "ZAP-RUN",
            "Zapatillas de running",
            "calzado",
            &["deporte"],
            json!({"en": {"name": "Running shoes"}, "pt": {"name": "Tênis de corrida"}}),
        ),
        (
            "ZAP-CUERO",
            "Zapatos de cuero",
            "calzado",
            &["cuero", "formal"],
            json!({"en": {"name": "Leather shoes"}, "pt": {"name": "Sapatos de couro"}}),
        ),
        (
            "CAMISA-LINO",
            "Camisa de lino",
            "camisas",
            &["verano"],
            json!({"en": {"name": "Linen shirt"}, "pt": {"name": "Camisa de linho"}}),
        ),
        (
            "CAMISETA",
            "Camiseta de algodón",
            "camisetas",
            &["algodón", "básico"],
            json!({"en": {"name": "Cotton T-shirt"}, "pt": {"name": "Camiseta de algodão"}}),
        ),
        (
            "VESTIDO",
            "Vestido de verano",
            "vestidos",
            &["verano", "fiesta"],
            json!({"en": {"name": "Summer dress"}, "pt": {"name": "Vestido de verão"}}),
        ),
        (
            "CHAQUETA",
            "Chaqueta de cuero",
            "chaquetas",
            &["cuero", "invierno"],
            json!({"en": {"name": "Leather jacket"}, "pt": {"name": "Jaqueta de couro"}}),
        ),
        (
            "BUFANDA",
            "Bufanda de lana",
            "accesorios",
            &["lana", "invierno"],
            json!({"en": {"name": "Wool scarf"}, "pt": {"name": "Cachecol de lã"}}),
        ),
        (
            "VAQUEROS",
            "Pantalones vaqueros",
            "pantalones",
            &["denim"],
            json!({"en": {"name": "Jeans"}, "pt": {"name": "Calça jeans"}}),
        ),
        (
            "MOCHILA",
            "Mochila de cuero",
            "bolsos",
            &["cuero", "viaje"],
            json!({"en": {"name": "Leather backpack"}, "pt": {"name": "Mochila de couro"}}),
        ),
        (
            "GAFAS",
            "Gafas de sol",
            "accesorios",
            &["verano"],
            json!({"en": {"name": "Sunglasses"}, "pt": {"name": "Óculos de sol"}}),
        ),
        (
            "SOMBRERO",
            "Sombrero de paja",
            "accesorios",
            &["verano"],
            json!({"en": {"name": "Straw hat"}, "pt": {"name": "Chapéu de palha"}}),
        ),
    ]
}

fn padaria() -> Vec<Seed> {
    vec![
        (
            "PAO-QUEIJO",
            "Pão de queijo",
            "salgados",
            &["queijo"],
            json!({"en": {"name": "Cheese bread"}}),
        ),
        (
            "PAO-NATURAL",
            "Pão de fermentação natural",
            "pães",
            &["fermentação natural"],
            json!({"en": {"name": "Sourdough bread"}}),
        ),
        (
            "BAGUETE",
            "Baguete",
            "pães",
            &["francês"],
            json!({"en": {"name": "Baguette"}}),
        ),
        (
            "CROISSANT",
            "Croissant",
            "folhados",
            &["manteiga"],
            json!({"en": {"name": "Croissant"}}),
        ),
        (
            "BOLO-CENOURA",
            "Bolo de cenoura",
            "bolos",
            &["cenoura", "chocolate"],
            json!({"en": {"name": "Carrot cake"}}),
        ),
        (
            "BOLO-CHOC",
            "Bolo de chocolate",
            "bolos",
            &["chocolate"],
            json!({"en": {"name": "Chocolate cake"}}),
        ),
        (
            "BRIGADEIRO",
            "Brigadeiro",
            "doces",
            &["chocolate"],
            json!({"en": {"name": "Chocolate truffle"}}),
        ),
        (
            "CAFE",
            "Café coado",
            "bebidas",
            &["quente"],
            json!({"en": {"name": "Filter coffee"}}),
        ),
        (
            "SUCO",
            "Suco de laranja",
            "bebidas",
            &["fruta"],
            json!({"en": {"name": "Orange juice"}}),
        ),
        (
            "COXINHA",
            "Coxinha de frango",
            "salgados",
            &["frango"],
            json!({"en": {"name": "Chicken croquette"}}),
        ),
    ]
}

/// A query and what must come back: `first` in first place, every one of
/// `also` somewhere in the top three.
struct Case {
    brand: &'static str,
    text: &'static str,
    language: Option<&'static str>,
    first: Option<&'static str>,
    also: &'static [&'static str],
}

const fn case(
    brand: &'static str,
    text: &'static str,
    language: Option<&'static str>,
    first: Option<&'static str>,
    also: &'static [&'static str],
) -> Case {
    Case {
        brand,
        text,
        language,
        first,
        also,
    }
}

const CASES: &[Case] = &[
    // English, exact and with typos.
    case("tech", "headphones", None, None, &["HP-OVER", "HP-WL"]),
    case("tech", "hedphones", None, None, &["HP-OVER", "HP-WL"]),
    case("tech", "wireless headphones", None, Some("HP-WL"), &[]),
    case("tech", "wireles hedphones", None, Some("HP-WL"), &[]),
    case("tech", "keybord", None, None, &["KB-MECH", "KB-WL"]),
    case("tech", "mechanical keyboard", None, Some("KB-MECH"), &[]),
    case("tech", "mecanical keyboard", None, Some("KB-MECH"), &[]),
    case("tech", "smartwach", None, Some("WATCH"), &[]),
    case("tech", "bluetooth speaker", None, Some("SPK-BT"), &[]),
    case("tech", "usb-c charger", None, Some("CHG-65"), &[]),
    case("tech", "monitr", None, Some("MON-27"), &[]),
    case("tech", "laptop", None, None, &["LAPTOP-14", "STAND"]),
    case("tech", "chg-65", None, Some("CHG-65"), &[]),
    case("tech", "earbuds", None, Some("EARBUDS"), &[]),
    // The tech shop asked in Portuguese and Spanish.
    case(
        "tech",
        "teclado mecânico",
        Some("pt-BR"),
        Some("KB-MECH"),
        &[],
    ),
    case("tech", "teclado", Some("es"), None, &["KB-MECH", "KB-WL"]),
    case("tech", "carregador", Some("pt-BR"), Some("CHG-65"), &[]),
    case("tech", "reloj inteligente", Some("es"), Some("WATCH"), &[]),
    case("tech", "funda para movil", Some("es"), Some("CASE-X"), &[]),
    case("tech", "celular", Some("pt"), None, &["PHONE-X", "CASE-X"]),
    // A Spanish shop.
    case("moda", "zapatillas", None, Some("ZAP-RUN"), &[]),
    case("moda", "zapatos de cuero", None, Some("ZAP-CUERO"), &[]),
    case("moda", "chaqeta de cuero", None, Some("CHAQUETA"), &[]),
    case("moda", "camisa lino", None, Some("CAMISA-LINO"), &[]),
    case(
        "moda",
        "cuero",
        None,
        None,
        &["ZAP-CUERO", "CHAQUETA", "MOCHILA"],
    ),
    case("moda", "leather jacket", Some("en"), Some("CHAQUETA"), &[]),
    case("moda", "sunglases", Some("en"), Some("GAFAS"), &[]),
    case("moda", "bufanda", None, Some("BUFANDA"), &[]),
    // A Portuguese bakery.
    case("padaria", "pão de queijo", None, Some("PAO-QUEIJO"), &[]),
    case("padaria", "pao de queijo", None, Some("PAO-QUEIJO"), &[]),
    case("padaria", "bolo de cenora", None, Some("BOLO-CENOURA"), &[]),
    case(
        "padaria",
        "bolo",
        None,
        None,
        &["BOLO-CENOURA", "BOLO-CHOC"],
    ),
    case(
        "padaria",
        "carrot cake",
        Some("en"),
        Some("BOLO-CENOURA"),
        &[],
    ),
    case(
        "padaria",
        "cheese bread",
        Some("en"),
        Some("PAO-QUEIJO"),
        &[],
    ),
    case("padaria", "croisant", None, Some("CROISSANT"), &[]),
    case("padaria", "suco de laranja", None, Some("SUCO"), &[]),
];

async fn load(app: &TestApp, key: &str) {
    for (brand, currency, language, seeds) in [
        ("tech", "EUR", "en", tech()),
        ("moda", "EUR", "es", moda()),
        ("padaria", "BRL", "pt-BR", padaria()),
    ] {
        app.brand(key, brand, currency, language).await;
        for (i, (sku, name, category, tags, translations)) in seeds.into_iter().enumerate() {
            let price = 1000 + 500 * i64::try_from(i).unwrap();
            let body = product_json(
                sku,
                name,
                price,
                5,
                json!({"category": category, "tags": tags, "translations": translations}),
            );
            app.product(key, brand, body).await;
        }
    }
}

#[tokio::test]
async fn expected_products_rank_in_the_top_three() {
    // Arrange
    let app = TestApp::spawn().await;
    let key = app.tenant("shop").await;
    load(&app, &key).await;

    // Act
    let mut misses = Vec::new();
    for case in CASES {
        let mut query = ProductQuery::text(case.text);
        query.language = case.language.map(str::to_owned);
        query.limit = 3;
        let result: ProductQueryResult = app.ask("shop", case.brand, &query).await;
        assert!(result.error.is_none(), "{}: {:?}", case.text, result.error);
        let top: Vec<&str> = result.products.iter().map(|p| p.sku.as_str()).collect();
        let first_ok = case.first.is_none_or(|first| top.first() == Some(&first));
        let also_ok = case.also.iter().all(|sku| top.contains(sku));
        if !(first_ok && also_ok) {
            misses.push(format!(
                "{} {:?} ({:?}): got {top:?}, want first {:?}, also {:?}",
                case.brand, case.text, case.language, case.first, case.also
            ));
        }
    }

    // Assert
    assert!(misses.is_empty(), "\n{}", misses.join("\n"));
    app.stop().await;
}
