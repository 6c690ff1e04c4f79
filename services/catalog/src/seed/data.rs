//! The demo catalog's data: the five brands of the seeds, their kinds of
//! products and lines (multiplied into at least 40 products each, with
//! variants and Portuguese translations), and the bakery's products.

use std::collections::BTreeMap;

use store_events::data::Currency;

use crate::{
    domain::product::{NewProduct, NewVariant, Translation},
    http::images,
};

/// The demo tenant's id (its products' pictures are served under it).
pub(super) const DEMO_TENANT: &str = "demo";
/// The bakery tenant's id.
pub(super) const BAKERY_TENANT: &str = "bakery";

/// One kind of product of a brand: name in English and Portuguese,
/// category, base price in cents, tags, and its variant axis.
struct Kind {
    name: &'static str,
    name_pt: &'static str,
    category: &'static str,
    price: i64,
    tags: &'static [&'static str],
    related: &'static [&'static str],
    axis: (&'static str, &'static [&'static str]),
}

/// A brand: lines multiply its kinds into distinct products.
pub(super) struct BrandSeed {
    /// Brand id.
    pub(super) id: &'static str,
    /// Display name.
    pub(super) name: &'static str,
    lines: &'static [(&'static str, &'static str, i64)],
    kinds: &'static [Kind],
}

const SIZES: (&str, &[&str]) = ("size", &["S", "M", "L", "XL"]);
const COLOURS: (&str, &[&str]) = ("colour", &["black", "white", "blue"]);
const NONE: (&str, &[&str]) = ("", &[]);

macro_rules! kind {
    ($name:literal, $pt:literal, $cat:literal, $price:literal, [$($tag:literal),*], [$($rel:literal),*], $axis:expr) => {
        Kind { name: $name, name_pt: $pt, category: $cat, price: $price, tags: &[$($tag),*], related: &[$($rel),*], axis: $axis }
    };
}

pub(super) const BRANDS: &[BrandSeed] = &[
    BrandSeed {
        id: "fashion",
        name: "Moda Viva",
        lines: &[
            ("Classic", "Clássico", 0),
            ("Summer", "Verão", 500),
            ("Urban", "Urbano", 1000),
            ("Premium", "Premium", 4000),
        ],
        kinds: &[
            kind!(
                "T-shirt",
                "Camiseta",
                "tops",
                4990,
                ["cotton", "casual"],
                ["jeans", "sneakers"],
                SIZES
            ),
            kind!(
                "Linen Shirt",
                "Camisa de linho",
                "tops",
                12990,
                ["linen", "summer"],
                ["trousers"],
                SIZES
            ),
            kind!(
                "Midi Dress",
                "Vestido midi",
                "dresses",
                19990,
                ["dress", "party"],
                ["sandals", "bags"],
                SIZES
            ),
            kind!(
                "Jeans",
                "Calça jeans",
                "jeans",
                15990,
                ["denim"],
                ["tops", "sneakers"],
                SIZES
            ),
            kind!(
                "Chino Trousers",
                "Calça chino",
                "trousers",
                13990,
                ["cotton"],
                ["tops"],
                SIZES
            ),
            kind!(
                "Hoodie",
                "Moletom",
                "tops",
                17990,
                ["winter", "casual"],
                ["jeans"],
                SIZES
            ),
            kind!(
                "Sneakers",
                "Tênis",
                "sneakers",
                29990,
                ["shoes", "casual"],
                ["jeans"],
                ("size", &["38", "40", "42", "44"])
            ),
            kind!(
                "Leather Sandals",
                "Sandálias de couro",
                "sandals",
                15990,
                ["shoes", "summer"],
                ["dresses"],
                ("size", &["36", "38", "40"])
            ),
            kind!(
                "Tote Bag",
                "Bolsa sacola",
                "bags",
                12990,
                ["accessories"],
                ["dresses"],
                COLOURS
            ),
            kind!(
                "Wool Scarf",
                "Cachecol de lã",
                "accessories",
                7990,
                ["winter", "accessories"],
                ["tops"],
                COLOURS
            ),
        ],
    },
    BrandSeed {
        id: "tech",
        name: "TechNova",
        lines: &[
            ("Lite", "Lite", 0),
            ("Plus", "Plus", 5000),
            ("Pro", "Pro", 15000),
            ("Max", "Max", 30000),
        ],
        kinds: &[
            kind!(
                "Wireless Headphones",
                "Fones de ouvido sem fio",
                "headphones",
                19990,
                ["audio", "wireless", "bluetooth"],
                ["cables"],
                COLOURS
            ),
            kind!(
                "Earbuds",
                "Fones intra-auriculares",
                "headphones",
                12990,
                ["audio", "wireless"],
                ["cables"],
                COLOURS
            ),
            kind!(
                "Smartphone",
                "Celular",
                "phones",
                149990,
                ["mobile", "5g"],
                ["cases", "headphones", "chargers"],
                ("storage", &["128GB", "256GB"])
            ),
            kind!(
                "Phone Case",
                "Capa de celular",
                "cases",
                4990,
                ["mobile", "protection"],
                ["phones"],
                COLOURS
            ),
            kind!(
                "USB-C Charger",
                "Carregador USB-C",
                "chargers",
                8990,
                ["charging", "usb-c"],
                ["cables", "phones"],
                ("power", &["20W", "65W"])
            ),
            kind!(
                "USB-C Cable",
                "Cabo USB-C",
                "cables",
                2990,
                ["charging", "usb-c"],
                ["chargers"],
                ("length", &["1m", "2m"])
            ),
            kind!(
                "Bluetooth Speaker",
                "Caixa de som bluetooth",
                "speakers",
                24990,
                ["audio", "wireless", "bluetooth"],
                ["cables"],
                COLOURS
            ),
            kind!(
                "Smartwatch",
                "Relógio inteligente",
                "wearables",
                89990,
                ["fitness", "wireless"],
                ["chargers"],
                ("size", &["41mm", "45mm"])
            ),
            kind!(
                "Laptop Stand",
                "Suporte para notebook",
                "accessories",
                9990,
                ["office"],
                ["keyboards"],
                NONE
            ),
            kind!(
                "Mechanical Keyboard",
                "Teclado mecânico",
                "keyboards",
                39990,
                ["office", "gaming"],
                ["accessories"],
                ("layout", &["US", "ABNT2"])
            ),
        ],
    },
    BrandSeed {
        id: "home",
        name: "Casa Clara",
        lines: &[
            ("Essential", "Essencial", 0),
            ("Nordic", "Nórdico", 3000),
            ("Rustic", "Rústico", 2000),
            ("Deluxe", "Luxo", 8000),
        ],
        kinds: &[
            kind!(
                "Ceramic Mug",
                "Caneca de cerâmica",
                "kitchen",
                3990,
                ["kitchen", "coffee"],
                ["coffee"],
                COLOURS
            ),
            kind!(
                "Coffee Maker",
                "Cafeteira",
                "coffee",
                29990,
                ["kitchen", "coffee"],
                ["kitchen"],
                NONE
            ),
            kind!(
                "Cotton Bed Sheets",
                "Lençóis de algodão",
                "bedding",
                19990,
                ["bedroom", "cotton"],
                ["pillows"],
                ("size", &["single", "double", "king"])
            ),
            kind!(
                "Pillow",
                "Travesseiro",
                "pillows",
                8990,
                ["bedroom"],
                ["bedding"],
                NONE
            ),
            kind!(
                "Bath Towel",
                "Toalha de banho",
                "bath",
                5990,
                ["bath", "cotton"],
                ["bath"],
                COLOURS
            ),
            kind!(
                "Table Lamp",
                "Luminária de mesa",
                "lighting",
                14990,
                ["lighting", "living room"],
                ["decor"],
                COLOURS
            ),
            kind!(
                "Scented Candle",
                "Vela aromática",
                "decor",
                4990,
                ["decor", "fragrance"],
                ["lighting"],
                ("scent", &["lavender", "vanilla"])
            ),
            kind!(
                "Plant Pot",
                "Vaso de planta",
                "decor",
                6990,
                ["decor", "garden"],
                ["decor"],
                ("size", &["small", "large"])
            ),
            kind!(
                "Throw Blanket",
                "Manta",
                "bedding",
                12990,
                ["living room", "winter"],
                ["pillows"],
                COLOURS
            ),
            kind!(
                "Knife Set",
                "Jogo de facas",
                "kitchen",
                24990,
                ["kitchen"],
                ["kitchen"],
                NONE
            ),
        ],
    },
    BrandSeed {
        id: "beauty",
        name: "Bela Pele",
        lines: &[
            ("Daily", "Diário", 0),
            ("Hydra", "Hidra", 1000),
            ("Glow", "Glow", 1500),
            ("Botanic", "Botânico", 2000),
        ],
        kinds: &[
            kind!(
                "Face Cream",
                "Creme facial",
                "skincare",
                8990,
                ["skincare", "moisturiser"],
                ["cleansers"],
                ("size", &["30ml", "50ml"])
            ),
            kind!(
                "Cleanser",
                "Sabonete facial",
                "cleansers",
                4990,
                ["skincare"],
                ["skincare"],
                ("size", &["150ml", "300ml"])
            ),
            kind!(
                "Sunscreen SPF 50",
                "Protetor solar FPS 50",
                "suncare",
                6990,
                ["skincare", "summer"],
                ["skincare"],
                ("size", &["50ml", "100ml"])
            ),
            kind!(
                "Shampoo",
                "Xampu",
                "haircare",
                3990,
                ["hair"],
                ["conditioners"],
                ("size", &["250ml", "500ml"])
            ),
            kind!(
                "Conditioner",
                "Condicionador",
                "conditioners",
                4290,
                ["hair"],
                ["haircare"],
                ("size", &["250ml", "500ml"])
            ),
            kind!(
                "Lipstick",
                "Batom",
                "makeup",
                5990,
                ["makeup", "lips"],
                ["makeup"],
                ("shade", &["nude", "red", "berry"])
            ),
            kind!(
                "Mascara",
                "Máscara de cílios",
                "makeup",
                6990,
                ["makeup", "eyes"],
                ["makeup"],
                ("shade", &["black", "brown"])
            ),
            kind!(
                "Perfume",
                "Perfume",
                "fragrance",
                29990,
                ["fragrance"],
                ["bodycare"],
                ("size", &["50ml", "100ml"])
            ),
            kind!(
                "Body Lotion",
                "Loção corporal",
                "bodycare",
                5490,
                ["bodycare", "moisturiser"],
                ["fragrance"],
                ("size", &["200ml", "400ml"])
            ),
            kind!(
                "Hand Cream",
                "Creme para as mãos",
                "bodycare",
                3490,
                ["bodycare"],
                ["fragrance"],
                NONE
            ),
        ],
    },
    BrandSeed {
        id: "gaming",
        name: "Pixel Arena",
        lines: &[
            ("Starter", "Inicial", 0),
            ("Elite", "Elite", 8000),
            ("RGB", "RGB", 5000),
            ("Pro", "Pro", 15000),
        ],
        kinds: &[
            kind!(
                "Gaming Mouse",
                "Mouse gamer",
                "mice",
                19990,
                ["pc", "rgb"],
                ["mousepads"],
                COLOURS
            ),
            kind!(
                "Mouse Pad",
                "Mousepad",
                "mousepads",
                6990,
                ["pc"],
                ["mice"],
                ("size", &["M", "XL"])
            ),
            kind!(
                "Gaming Headset",
                "Headset gamer",
                "headsets",
                34990,
                ["audio", "pc", "console"],
                ["controllers"],
                COLOURS
            ),
            kind!(
                "Controller",
                "Controle",
                "controllers",
                39990,
                ["console", "wireless"],
                ["headsets"],
                COLOURS
            ),
            kind!(
                "Gaming Chair",
                "Cadeira gamer",
                "chairs",
                149990,
                ["furniture"],
                ["desks"],
                COLOURS
            ),
            kind!(
                "Gaming Desk",
                "Mesa gamer",
                "desks",
                99990,
                ["furniture"],
                ["chairs"],
                NONE
            ),
            kind!(
                "Mechanical Keyboard",
                "Teclado mecânico",
                "keyboards",
                44990,
                ["pc", "rgb"],
                ["mice"],
                ("switch", &["red", "brown", "blue"])
            ),
            kind!(
                "Monitor 27",
                "Monitor 27",
                "monitors",
                199990,
                ["pc", "144hz"],
                ["cables"],
                ("refresh", &["144Hz", "240Hz"])
            ),
            kind!(
                "HDMI Cable",
                "Cabo HDMI",
                "cables",
                4990,
                ["console", "pc"],
                ["monitors"],
                ("length", &["1m", "3m"])
            ),
            kind!(
                "Gift Card",
                "Cartão presente",
                "gift cards",
                10000,
                ["gift"],
                [],
                ("value", &["100", "200"])
            ),
        ],
    },
];

/// The products of a brand seed (kinds × lines), deterministic.
pub(super) fn products(brand: &BrandSeed, currency: &Currency) -> Vec<NewProduct> {
    let mut out = Vec::new();
    for (k, kind) in brand.kinds.iter().enumerate() {
        for (l, (line, line_pt, extra)) in brand.lines.iter().enumerate() {
            let sku = format!("{}-{:02}{:02}", brand.id.to_uppercase(), k + 1, l + 1);
            let name = format!("{line} {}", kind.name);
            let description = format!(
                "{name} by {}: {} with {} finish. Tags: {}.",
                brand.name,
                kind.name.to_lowercase(),
                line.to_lowercase(),
                kind.tags.join(", ")
            );
            let translation = Translation {
                name: Some(format!("{} {line_pt}", kind.name_pt)),
                description: Some(format!("{} {line_pt} da {}.", kind.name_pt, brand.name)),
            };
            let price = kind.price + extra;
            // Stock varies so filters and "out of stock" show up in demos.
            let stock = |v: usize| u32::try_from((k * 7 + l * 3 + v * 5) % 13).unwrap_or(0);
            let (axis, values) = kind.axis;
            let variants = if values.is_empty() {
                vec![NewVariant {
                    sku: sku.clone(),
                    name: String::new(),
                    attributes: BTreeMap::new(),
                    price_minor: None,
                    stock: stock(0) + 1,
                    is_default: true,
                    image_url: None,
                }]
            } else {
                values
                    .iter()
                    .enumerate()
                    .map(|(v, value)| {
                        let variant_sku =
                            format!("{sku}-{}", value.to_uppercase().replace(' ', ""));
                        NewVariant {
                            // A colour looks different: its own picture; a
                            // size shows the product's.
                            image_url: (axis == "colour")
                                .then(|| images::path(DEMO_TENANT, &variant_sku)),
                            sku: variant_sku,
                            name: (*value).to_owned(),
                            attributes: BTreeMap::from([(axis.to_owned(), (*value).to_owned())]),
                            price_minor: (v > 0 && axis != "colour")
                                .then_some(price + 1000 * v as i64),
                            stock: stock(v),
                            is_default: false,
                        }
                    })
                    .collect()
            };
            out.push(NewProduct {
                sku: sku.clone(),
                name,
                description,
                category: kind.category.to_owned(),
                tags: kind.tags.iter().map(|t| (*t).to_owned()).collect(),
                related_categories: kind.related.iter().map(|t| (*t).to_owned()).collect(),
                attributes: BTreeMap::from([("line".to_owned(), (*line).to_owned())]),
                images: vec![images::path(DEMO_TENANT, &sku)],
                translations: BTreeMap::from([("pt".to_owned(), translation)]),
                price_minor: price,
                currency: currency.clone(),
                max_per_order: None,
                active: true,
                variants,
            });
        }
    }
    out
}

/// The bakery's products.
pub(super) fn bakery(currency: &Currency) -> Vec<NewProduct> {
    let items: &[(&str, &str, &str, i64)] = &[
        (
            "Sourdough Bread",
            "Pão de fermentação natural",
            "bread",
            1800,
        ),
        ("Baguette", "Baguete", "bread", 900),
        ("Croissant", "Croissant", "pastry", 800),
        ("Pain au Chocolat", "Pão de chocolate", "pastry", 950),
        ("Cinnamon Roll", "Rolinho de canela", "pastry", 1100),
        ("Carrot Cake", "Bolo de cenoura", "cakes", 4500),
        ("Cheese Bread", "Pão de queijo", "snacks", 600),
        ("Brigadeiro Box", "Caixa de brigadeiros", "sweets", 3000),
    ];
    items
        .iter()
        .enumerate()
        .map(|(i, (name, name_pt, category, price))| NewProduct {
            sku: format!("BAK-{:02}", i + 1),
            name: (*name).to_owned(),
            description: format!("{name}, baked this morning."),
            category: (*category).to_owned(),
            tags: vec!["fresh".to_owned(), (*category).to_owned()],
            related_categories: vec!["bread".to_owned(), "sweets".to_owned()],
            attributes: BTreeMap::new(),
            images: vec![images::path(BAKERY_TENANT, &format!("BAK-{:02}", i + 1))],
            translations: BTreeMap::from([(
                "pt".to_owned(),
                Translation {
                    name: Some((*name_pt).to_owned()),
                    description: Some(format!("{name_pt}, assado hoje cedo.")),
                },
            )]),
            price_minor: *price,
            currency: currency.clone(),
            max_per_order: Some(24),
            active: true,
            variants: vec![NewVariant {
                sku: format!("BAK-{:02}", i + 1),
                name: String::new(),
                attributes: BTreeMap::new(),
                price_minor: None,
                stock: 30,
                is_default: true,
                image_url: None,
            }],
        })
        .collect()
}
