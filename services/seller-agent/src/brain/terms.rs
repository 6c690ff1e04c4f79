//! Shoppers' words for what the demo shops sell, per language, and the
//! catalog term each one means: a Spanish "zapatillas" (or the typo
//! "zapatilas") is a search for "sneakers" in a catalog whose products are
//! named in English (with Portuguese translations).
//!
//! The table covers the kinds of product of the demo catalog's brands
//! (fashion, tech, home, beauty, gaming) and the bakery. It is data: adding
//! a word is adding it to its row. The offline brain searches with the
//! catalog terms a message names; words the table does not know are
//! searched as written.

use super::lang::Lang;

/// One kind of product: the catalog's term for it and shoppers' words for
/// it in each language (lowercase; a word may be a phrase).
pub struct Term {
    /// What the catalog calls it (English, as in product names or tags).
    pub catalog: &'static str,
    /// English words.
    pub en: &'static [&'static str],
    /// Spanish words.
    pub es: &'static [&'static str],
    /// Portuguese words.
    pub pt: &'static [&'static str],
}

macro_rules! term {
    ($catalog:literal, en: [$($en:literal),*], es: [$($es:literal),*], pt: [$($pt:literal),*]) => {
        Term { catalog: $catalog, en: &[$($en),*], es: &[$($es),*], pt: &[$($pt),*] }
    };
}

/// The table.
pub const TERMS: &[Term] = &[
    // fashion
    term!("t-shirt", en: ["t-shirt", "t-shirts", "tshirt", "tee", "tees"],
          es: ["camiseta", "camisetas", "remera", "remeras", "playera", "playeras"],
          pt: ["camiseta", "camisetas"]),
    term!("shirt", en: ["shirt", "shirts"], es: ["camisa", "camisas"], pt: ["camisa", "camisas"]),
    term!("dress", en: ["dress", "dresses"], es: ["vestido", "vestidos"], pt: ["vestido", "vestidos"]),
    term!("jeans", en: ["jeans", "denim"], es: ["vaqueros", "vaquero", "tejanos"],
          pt: ["calça jeans"]),
    term!("trousers", en: ["trousers", "pants", "chinos"], es: ["pantalón", "pantalon", "pantalones"],
          pt: ["calça", "calças", "calca", "calcas"]),
    term!("hoodie", en: ["hoodie", "hoodies", "sweatshirt"], es: ["sudadera", "sudaderas"],
          pt: ["moletom", "moletons"]),
    term!("sneakers", en: ["sneakers", "sneaker", "trainers"],
          es: ["zapatillas", "zapatilla", "deportivas"], pt: ["tênis"]),
    term!("shoes", en: ["shoes"], es: ["zapatos", "calzado"], pt: ["sapatos", "calçados"]),
    term!("sandals", en: ["sandals", "sandal"], es: ["sandalias", "sandalia"],
          pt: ["sandálias", "sandália"]),
    term!("bag", en: ["bag", "bags", "tote"], es: ["bolso", "bolsos"], pt: ["bolsa", "bolsas"]),
    term!("scarf", en: ["scarf", "scarves"], es: ["bufanda", "bufandas"], pt: ["cachecol", "cachecóis"]),
    // tech
    term!("headphones", en: ["headphones", "headphone"], es: ["auriculares", "cascos"],
          pt: ["fones de ouvido", "fone de ouvido", "fones", "fone"]),
    term!("earbuds", en: ["earbuds", "earphones"], es: ["audífonos", "audifonos"], pt: ["intra-auriculares"]),
    term!("smartphone", en: ["smartphone", "smartphones", "phone", "phones", "cellphone", "mobile"],
          es: ["móvil", "movil", "teléfono", "telefono", "celular"],
          pt: ["celular", "celulares", "telefone"]),
    term!("case", en: ["case", "cover"], es: ["funda", "fundas", "carcasa"], pt: ["capa", "capinha"]),
    term!("charger", en: ["charger", "chargers"], es: ["cargador", "cargadores"],
          pt: ["carregador", "carregadores"]),
    term!("cable", en: ["cable", "cables"], es: ["cable", "cables"], pt: ["cabo", "cabos"]),
    term!("speaker", en: ["speaker", "speakers"], es: ["altavoz", "altavoces", "parlante", "bocina"],
          pt: ["caixa de som", "caixinha de som", "alto-falante"]),
    term!("smartwatch", en: ["smartwatch", "watch"], es: ["reloj", "relojes"], pt: ["relógio", "relogio"]),
    term!("stand", en: ["stand"], es: ["soporte"], pt: ["suporte"]),
    term!("keyboard", en: ["keyboard", "keyboards"], es: ["teclado", "teclados"], pt: ["teclado", "teclados"]),
    // home
    term!("mug", en: ["mug", "mugs", "cup"], es: ["taza", "tazas"], pt: ["caneca", "canecas"]),
    term!("coffee maker", en: ["coffee maker"], es: ["cafetera"], pt: ["cafeteira"]),
    term!("sheets", en: ["sheets", "bedding"], es: ["sábanas", "sabanas"], pt: ["lençóis", "lençol", "lencois"]),
    term!("pillow", en: ["pillow", "pillows"], es: ["almohada", "almohadas"], pt: ["travesseiro", "travesseiros"]),
    term!("towel", en: ["towel", "towels"], es: ["toalla", "toallas"], pt: ["toalha", "toalhas"]),
    term!("lamp", en: ["lamp", "lamps"], es: ["lámpara", "lampara"], pt: ["luminária", "luminaria", "abajur"]),
    term!("candle", en: ["candle", "candles"], es: ["vela", "velas"], pt: ["vela", "velas"]),
    term!("plant pot", en: ["plant pot", "pot"], es: ["maceta", "macetas"], pt: ["vaso"]),
    term!("blanket", en: ["blanket", "throw"], es: ["manta", "mantas", "cobija"], pt: ["manta", "cobertor"]),
    term!("knife", en: ["knife", "knives"], es: ["cuchillo", "cuchillos"], pt: ["faca", "facas"]),
    // beauty
    term!("cream", en: ["cream", "moisturizer"], es: ["crema", "cremas"], pt: ["creme", "cremes", "hidratante"]),
    term!("cleanser", en: ["cleanser"], es: ["limpiador", "jabón facial"], pt: ["sabonete"]),
    term!("sunscreen", en: ["sunscreen", "sunblock"], es: ["protector solar", "bloqueador"],
          pt: ["protetor solar", "filtro solar"]),
    term!("shampoo", en: ["shampoo"], es: ["champú", "champu"], pt: ["xampu"]),
    term!("conditioner", en: ["conditioner"], es: ["acondicionador"], pt: ["condicionador"]),
    term!("lipstick", en: ["lipstick"], es: ["pintalabios", "labial"], pt: ["batom"]),
    term!("mascara", en: ["mascara"], es: ["rímel", "rimel"], pt: ["rímel", "máscara de cílios"]),
    term!("perfume", en: ["perfume", "fragrance"], es: ["perfume", "colonia"], pt: ["perfume"]),
    term!("lotion", en: ["lotion"], es: ["loción", "locion"], pt: ["loção", "locao"]),
    // gaming
    term!("mouse", en: ["mouse"], es: ["ratón", "raton"], pt: ["mouse"]),
    term!("mouse pad", en: ["mouse pad", "mousepad"], es: ["alfombrilla"], pt: ["mousepad"]),
    term!("headset", en: ["headset", "headsets"], es: ["diadema"], pt: ["headset"]),
    term!("controller", en: ["controller", "gamepad"], es: ["mando", "mandos"], pt: ["controle", "controles"]),
    term!("chair", en: ["chair", "chairs"], es: ["silla", "sillas"], pt: ["cadeira", "cadeiras"]),
    term!("desk", en: ["desk", "desks"], es: ["escritorio", "escritorios"], pt: ["escrivaninha"]),
    term!("monitor", en: ["monitor", "screen"], es: ["pantalla"], pt: ["tela"]),
    term!("gift card", en: ["gift card"], es: ["tarjeta regalo", "tarjeta de regalo"],
          pt: ["cartão presente", "vale presente"]),
    // bakery
    term!("bread", en: ["bread", "loaf"], es: ["pan"], pt: ["pão", "pao"]),
    term!("cake", en: ["cake", "cakes"], es: ["pastel", "tarta"], pt: ["bolo", "bolos"]),
    term!("roll", en: ["roll", "rolls"], es: ["rollo"], pt: ["rolinho"]),
];

impl Term {
    fn words(&self) -> impl Iterator<Item = (Lang, &'static str)> {
        self.en
            .iter()
            .map(|w| (Lang::En, *w))
            .chain(self.es.iter().map(|w| (Lang::Es, *w)))
            .chain(self.pt.iter().map(|w| (Lang::Pt, *w)))
            .chain(
                MORE.iter()
                    .filter(move |(catalog, _, _)| *catalog == self.catalog)
                    .flat_map(|(_, lang, words)| words.iter().map(move |w| (*lang, *w))),
            )
    }
}

/// French, German and Italian words for the same kinds of product:
/// `(catalog term, language, words)`.
const MORE: &[(&str, Lang, &[&str])] = &[
    ("t-shirt", Lang::Fr, &["tee-shirt", "tee-shirts"]),
    ("t-shirt", Lang::It, &["maglietta", "magliette", "maglia"]),
    ("shirt", Lang::Fr, &["chemise", "chemises"]),
    ("shirt", Lang::De, &["hemd", "hemden"]),
    ("shirt", Lang::It, &["camicia", "camicie"]),
    ("dress", Lang::Fr, &["robe", "robes"]),
    ("dress", Lang::De, &["kleid", "kleider"]),
    ("dress", Lang::It, &["abito", "abiti", "vestito", "vestiti"]),
    ("trousers", Lang::Fr, &["pantalon", "pantalons"]),
    ("trousers", Lang::De, &["hose", "hosen"]),
    ("trousers", Lang::It, &["pantaloni"]),
    ("hoodie", Lang::Fr, &["sweat à capuche"]),
    ("hoodie", Lang::De, &["kapuzenpulli", "pulli"]),
    ("hoodie", Lang::It, &["felpa", "felpe"]),
    ("sneakers", Lang::Fr, &["baskets"]),
    ("sneakers", Lang::De, &["turnschuhe", "sportschuhe"]),
    ("sneakers", Lang::It, &["scarpe da ginnastica"]),
    ("shoes", Lang::Fr, &["chaussures"]),
    ("shoes", Lang::De, &["schuhe"]),
    ("shoes", Lang::It, &["scarpe"]),
    ("bag", Lang::Fr, &["sac", "sacs"]),
    ("bag", Lang::De, &["tasche", "taschen"]),
    ("bag", Lang::It, &["borsa", "borse"]),
    ("scarf", Lang::Fr, &["écharpe", "echarpe"]),
    ("scarf", Lang::De, &["schal"]),
    ("scarf", Lang::It, &["sciarpa"]),
    (
        "headphones",
        Lang::Fr,
        &["casque", "écouteurs", "ecouteurs"],
    ),
    ("headphones", Lang::De, &["kopfhörer", "kopfhorer"]),
    ("headphones", Lang::It, &["cuffie"]),
    ("smartphone", Lang::Fr, &["téléphone", "telephone"]),
    ("smartphone", Lang::De, &["handy", "telefon"]),
    ("smartphone", Lang::It, &["cellulare", "telefono"]),
    ("charger", Lang::Fr, &["chargeur"]),
    ("charger", Lang::De, &["ladegerät", "ladegerat"]),
    ("charger", Lang::It, &["caricatore"]),
    ("speaker", Lang::Fr, &["enceinte"]),
    ("speaker", Lang::De, &["lautsprecher"]),
    ("speaker", Lang::It, &["altoparlante"]),
    ("smartwatch", Lang::Fr, &["montre"]),
    ("smartwatch", Lang::De, &["uhr"]),
    ("smartwatch", Lang::It, &["orologio"]),
    ("keyboard", Lang::Fr, &["clavier"]),
    ("keyboard", Lang::De, &["tastatur"]),
    ("keyboard", Lang::It, &["tastiera"]),
    ("mug", Lang::Fr, &["tasse", "tasses"]),
    ("mug", Lang::It, &["tazza", "tazze"]),
    ("lamp", Lang::Fr, &["lampe", "lampes"]),
    ("lamp", Lang::De, &["lampe", "lampen"]),
    ("lamp", Lang::It, &["lampada", "lampade"]),
    ("candle", Lang::Fr, &["bougie", "bougies"]),
    ("candle", Lang::De, &["kerze", "kerzen"]),
    ("candle", Lang::It, &["candela", "candele"]),
    ("pillow", Lang::Fr, &["oreiller"]),
    ("pillow", Lang::De, &["kissen"]),
    ("pillow", Lang::It, &["cuscino"]),
    ("towel", Lang::Fr, &["serviette"]),
    ("towel", Lang::De, &["handtuch"]),
    ("towel", Lang::It, &["asciugamano"]),
    ("cream", Lang::Fr, &["crème", "creme"]),
    ("cream", Lang::It, &["crema"]),
    ("perfume", Lang::Fr, &["parfum"]),
    ("perfume", Lang::De, &["parfüm"]),
    ("perfume", Lang::It, &["profumo"]),
    ("lipstick", Lang::Fr, &["rouge à lèvres"]),
    ("lipstick", Lang::De, &["lippenstift"]),
    ("lipstick", Lang::It, &["rossetto"]),
    ("mouse", Lang::Fr, &["souris"]),
    ("mouse", Lang::De, &["maus"]),
    ("chair", Lang::Fr, &["chaise", "fauteuil"]),
    ("chair", Lang::De, &["stuhl"]),
    ("chair", Lang::It, &["sedia"]),
    ("desk", Lang::Fr, &["bureau"]),
    ("desk", Lang::De, &["schreibtisch"]),
    ("desk", Lang::It, &["scrivania"]),
    ("bread", Lang::Fr, &["pain"]),
    ("bread", Lang::De, &["brot"]),
    ("bread", Lang::It, &["pane"]),
    ("cake", Lang::Fr, &["gâteau", "gateau"]),
    ("cake", Lang::De, &["kuchen", "torte"]),
    ("cake", Lang::It, &["torta"]),
];

/// Edit distance (insertions, deletions, substitutions and swaps of two
/// neighbours) between `a` and `b`, or `None` once it exceeds `max`.
fn distance(a: &str, b: &str, max: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    Some(rows[a.len()][b.len()]).filter(|d| *d <= max)
}

/// How many typos a word of this length may carry and still be recognised.
fn tolerance(word: &str) -> usize {
    match word.chars().count() {
        0..=4 => 0,
        5..=7 => 1,
        _ => 2,
    }
}

/// The catalog terms `text` names, in the order they appear, each once:
/// phrases first, then single words, exactly or with a typo or two.
pub fn catalog_terms(text: &str) -> Vec<&'static str> {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .map(|w| w.trim_matches('-'))
        .filter(|w| !w.is_empty())
        .collect();
    // (position in the text, term)
    let mut found: Vec<(usize, &'static str)> = Vec::new();
    let mut covered = vec![false; words.len()];
    for term in TERMS {
        for (_, phrase) in term.words().filter(|(_, w)| w.contains(' ')) {
            let parts: Vec<&str> = phrase.split(' ').collect();
            if let Some(at) = words
                .windows(parts.len())
                .position(|w| w == parts.as_slice())
            {
                found.push((at, term.catalog));
                covered[at..at + parts.len()]
                    .iter_mut()
                    .for_each(|c| *c = true);
            }
        }
    }
    for (at, word) in words.iter().enumerate() {
        if covered[at] {
            continue;
        }
        let exact = TERMS
            .iter()
            .find(|t| t.words().any(|(_, w)| w == *word))
            .map(|t| t.catalog);
        let close = || {
            let max = tolerance(word);
            (max > 0)
                .then(|| {
                    TERMS
                        .iter()
                        .flat_map(|t| t.words().map(move |(_, w)| (t.catalog, w)))
                        .filter(|(_, w)| !w.contains(' ') && tolerance(w) > 0)
                        .filter_map(|(catalog, w)| distance(word, w, max).map(|d| (d, catalog)))
                        .min_by_key(|(d, _)| *d)
                        .map(|(_, catalog)| catalog)
                })
                .flatten()
        };
        if let Some(catalog) = exact.or_else(close) {
            found.push((at, catalog));
        }
    }
    found.sort_by_key(|(at, _)| *at);
    let mut terms: Vec<&'static str> = Vec::new();
    for (_, term) in found {
        if !terms.contains(&term) {
            terms.push(term);
        }
    }
    terms
}

/// The language a word of the table belongs to, when it belongs to only
/// one (a hint for language detection).
pub fn language_of(word: &str) -> Option<Lang> {
    let mut langs = TERMS
        .iter()
        .flat_map(Term::words)
        .filter(|(_, w)| *w == word)
        .map(|(lang, _)| lang);
    let first = langs.next()?;
    langs.all(|l| l == first).then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_german_and_italian_words_mean_the_catalogs_terms() {
        assert_eq!(catalog_terms("je cherche une robe"), ["dress"]);
        assert_eq!(catalog_terms("ich suche Kopfhörer"), ["headphones"]);
        assert_eq!(catalog_terms("vorrei una felpa"), ["hoodie"]);
        assert_eq!(language_of("felpa"), Some(Lang::It));
        assert_eq!(catalog_terms("something sweet"), Vec::<&str>::new());
    }

    #[test]
    fn spanish_and_portuguese_words_mean_the_catalogs_terms() {
        assert_eq!(catalog_terms("quiero zapatillas rojas"), ["sneakers"]);
        assert_eq!(catalog_terms("busco una camiseta"), ["t-shirt"]);
        assert_eq!(catalog_terms("unos auriculares"), ["headphones"]);
        assert_eq!(
            catalog_terms("quero uma caixa de som bluetooth"),
            ["speaker"]
        );
        assert_eq!(catalog_terms("Tênis e calça jeans"), ["sneakers", "jeans"]);
        assert_eq!(catalog_terms("how much are the jeans?"), ["jeans"]);
    }

    #[test]
    fn a_typo_or_two_is_forgiven_in_long_words_only() {
        assert_eq!(catalog_terms("tienen zapatilas?"), ["sneakers"]);
        assert_eq!(catalog_terms("wireless hedphones"), ["headphones"]);
        assert_eq!(catalog_terms("camisteta"), ["t-shirt"]);
        assert!(
            catalog_terms("pam").is_empty(),
            "short words must match exactly"
        );
        assert!(catalog_terms("tudo bem").is_empty());
    }

    #[test]
    fn words_of_one_language_only_hint_at_it() {
        assert_eq!(language_of("zapatillas"), Some(Lang::Es));
        assert_eq!(language_of("tênis"), Some(Lang::Pt));
        assert_eq!(language_of("sneakers"), Some(Lang::En));
        assert_eq!(language_of("vestido"), None, "Spanish and Portuguese");
        assert_eq!(language_of("bluetooth"), None);
    }

    #[test]
    fn every_row_has_words_in_every_language() {
        for term in TERMS {
            assert!(
                !term.en.is_empty() && !term.es.is_empty() && !term.pt.is_empty(),
                "{}",
                term.catalog
            );
        }
    }
}
