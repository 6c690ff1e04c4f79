//! Words about the list the offline seller showed and what to look for in
//! it, in the shops' languages: comparisons ("compare the first two"), the
//! next page ("show me more"), ordinals ("the 2nd"), variants ("size 42",
//! "in red") and gifts ("a gift for my mom", mapped to kinds of product of
//! the catalog). Pure functions of the message.

/// Which shown products (from 1) to compare; `None` when the message does
/// not ask for a comparison.
pub(crate) fn compare(lower: &str, words: &[String], shown: usize) -> Option<Vec<usize>> {
    const COMPARE: &[&str] = &[
        "compare",
        "comparison",
        "compara",
        "comparar",
        "compará",
        "comparame",
        "comparer",
        "comparez",
        "compare-les",
        "vergleich",
        "vergleiche",
        "vergleichen",
        "difference",
        "diferencia",
        "diferença",
        "différence",
        "unterschied",
    ];
    if !words.iter().any(|w| COMPARE.contains(&w.as_str())) || shown < 2 {
        return None;
    }
    let mut picked: Vec<usize> = Vec::new();
    for w in words {
        let n = w
            .trim_end_matches(['º', 'ª', '°'])
            .trim_end_matches("st")
            .trim_end_matches("nd")
            .trim_end_matches("rd")
            .trim_end_matches("th")
            .parse::<usize>()
            .ok()
            .or_else(|| ordinal(w));
        if let Some(n) = n
            && (1..=shown).contains(&n)
            && !picked.contains(&n)
        {
            picked.push(n);
        }
    }
    const FIRST_TWO: &[&str] = &[
        "first two",
        "two first",
        "primeros dos",
        "dos primeros",
        "primeras dos",
        "dos primeras",
        "dois primeiros",
        "duas primeiras",
        "primeiros dois",
        "deux premiers",
        "deux premières",
        "ersten beiden",
        "ersten zwei",
        "beiden ersten",
    ];
    if picked.len() < 2 && FIRST_TWO.iter().any(|w| lower.contains(w)) {
        picked = vec![1, 2];
    }
    if picked.len() < 2 {
        picked = (1..=shown.min(3)).collect();
    }
    Some(picked)
}

/// "show me more", "más", "mehr".
pub(crate) fn more(lower: &str, words: &[String]) -> bool {
    const PHRASES: &[&str] = &[
        "show me more",
        "show more",
        "more options",
        "see more",
        "any others",
        "other options",
        "anything else",
        "más opciones",
        "mas opciones",
        "muéstrame más",
        "muestrame mas",
        "ver más",
        "ver mas",
        "otras opciones",
        "mais opções",
        "mais opcoes",
        "mostre mais",
        "me mostra mais",
        "ver mais",
        "outras opções",
        "d'autres",
        "autres modèles",
        "montrez-moi plus",
        "voir plus",
        "zeig mir mehr",
        "zeigen sie mir mehr",
        "mehr zeigen",
        "weitere",
        "andere modelle",
    ];
    const ALONE: &[&str] = &[
        "more", "más", "mas", "mais", "plus", "mehr", "others", "otros",
    ];
    PHRASES.iter().any(|p| lower.contains(p))
        || (words.len() <= 2 && words.iter().any(|w| ALONE.contains(&w.as_str())))
}

/// A variant asked for: an attribute (`size`, `colour`) and its value as
/// the catalog writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VariantAsk {
    /// `size` or `colour`.
    pub key: &'static str,
    /// `42`, `M`, `red`…
    pub value: String,
}

/// Colour words, per catalog colour.
const COLOURS: &[(&str, &[&str])] = &[
    (
        "black",
        &[
            "black",
            "negro",
            "negra",
            "negros",
            "negras",
            "preto",
            "preta",
            "pretos",
            "noir",
            "noire",
            "schwarz",
            "schwarze",
            "schwarzen",
        ],
    ),
    (
        "white",
        &[
            "white", "blanco", "blanca", "blancos", "branco", "branca", "blanc", "blanche", "weiß",
            "weiss", "weiße", "weissen",
        ],
    ),
    (
        "blue",
        &[
            "blue", "azul", "azules", "bleu", "bleue", "blau", "blaue", "blauen",
        ],
    ),
    (
        "red",
        &[
            "red", "rojo", "roja", "rojos", "vermelho", "vermelha", "rouge", "rot", "rote", "roten",
        ],
    ),
    (
        "green",
        &["green", "verde", "verdes", "vert", "verte", "grün", "grüne"],
    ),
    (
        "brown",
        &["brown", "marrón", "marron", "marrom", "brun", "braun"],
    ),
    ("nude", &["nude"]),
    ("berry", &["berry"]),
];
/// Words before a size.
const SIZE_WORDS: &[&str] = &[
    "size", "talla", "talle", "número", "numero", "tamanho", "tam", "taille", "pointure", "größe",
    "grösse", "grosse", "gr",
];

/// The size or colour `words` ask for, if any.
pub(crate) fn variant(words: &[String]) -> Option<VariantAsk> {
    if let Some(at) = words.iter().position(|w| SIZE_WORDS.contains(&w.as_str()))
        && let Some(value) = words.get(at + 1)
    {
        let value = if value.chars().all(|c| c.is_ascii_alphabetic()) && value.len() <= 3 {
            value.to_uppercase()
        } else {
            value.clone()
        };
        return Some(VariantAsk { key: "size", value });
    }
    words.iter().find_map(|w| {
        COLOURS
            .iter()
            .find(|(_, names)| names.contains(&w.as_str()))
            .map(|(colour, _)| VariantAsk {
                key: "colour",
                value: (*colour).to_owned(),
            })
    })
}

/// A gift, and the catalog terms that suit who it is for.
pub(crate) fn gift(words: &[String]) -> Option<&'static [&'static str]> {
    const GIFT: &[&str] = &[
        "gift",
        "present",
        "regalo",
        "regalar",
        "presente",
        "presentear",
        "cadeau",
        "offrir",
        "geschenk",
        "schenken",
    ];
    const FOR_HER: &[&str] = &[
        "mom",
        "mum",
        "mother",
        "mama",
        "mamá",
        "mãe",
        "mae",
        "maman",
        "mère",
        "mutter",
        "wife",
        "girlfriend",
        "sister",
        "grandma",
        "madre",
        "novia",
        "esposa",
        "hermana",
        "abuela",
        "namorada",
        "irmã",
        "avó",
        "copine",
        "femme",
        "sœur",
        "freundin",
        "frau",
        "schwester",
        "her",
    ];
    const FOR_HIM: &[&str] = &[
        "dad",
        "father",
        "papa",
        "papá",
        "pai",
        "père",
        "vater",
        "husband",
        "boyfriend",
        "brother",
        "grandpa",
        "padre",
        "novio",
        "marido",
        "esposo",
        "hermano",
        "abuelo",
        "namorado",
        "irmão",
        "avô",
        "copain",
        "mari",
        "frère",
        "freund",
        "mann",
        "bruder",
        "him",
    ];
    const FOR_KIDS: &[&str] = &[
        "kid", "kids", "child", "son", "daughter", "niño", "niña", "hijo", "hija", "criança",
        "filho", "filha", "enfant", "fils", "fille", "kind", "sohn", "tochter",
    ];
    if !words.iter().any(|w| GIFT.contains(&w.as_str())) {
        return None;
    }
    let has = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    Some(if has(FOR_HER) {
        &[
            "scarf",
            "bag",
            "dress",
            "perfume",
            "lipstick",
            "cream",
            "candle",
            "blanket",
            "mug",
            "smartwatch",
            "speaker",
            "gift card",
            "cake",
        ]
    } else if has(FOR_HIM) {
        &[
            "hoodie",
            "sneakers",
            "shirt",
            "perfume",
            "headphones",
            "smartwatch",
            "speaker",
            "keyboard",
            "knife",
            "controller",
            "headset",
            "gift card",
            "cake",
        ]
    } else if has(FOR_KIDS) {
        &[
            "t-shirt",
            "hoodie",
            "sneakers",
            "controller",
            "earbuds",
            "speaker",
            "mug",
            "cake",
            "gift card",
        ]
    } else {
        &[
            "scarf",
            "bag",
            "perfume",
            "candle",
            "mug",
            "headphones",
            "speaker",
            "hoodie",
            "blanket",
            "gift card",
            "cake",
        ]
    })
}

/// Ordinal words, in the shops' languages.
const ORDINALS: &[(&str, usize)] = &[
    ("first", 1),
    ("second", 2),
    ("third", 3),
    ("fourth", 4),
    ("fifth", 5),
    ("primero", 1),
    ("primera", 1),
    ("segundo", 2),
    ("segunda", 2),
    ("tercero", 3),
    ("tercera", 3),
    ("cuarto", 4),
    ("quinto", 5),
    ("primeiro", 1),
    ("primeira", 1),
    ("terceiro", 3),
    ("terceira", 3),
    ("premier", 1),
    ("première", 1),
    ("deuxième", 2),
    ("troisième", 3),
    ("erste", 1),
    ("ersten", 1),
    ("zweite", 2),
    ("zweiten", 2),
    ("dritte", 3),
    ("dritten", 3),
    ("primo", 1),
    ("prima", 1),
    ("secondo", 2),
    ("seconda", 2),
    ("terzo", 3),
    ("terza", 3),
];

/// The position (from 1) an ordinal word names: "second", "2nd", "2º",
/// "2e", "zweite".
pub(crate) fn ordinal(word: &str) -> Option<usize> {
    if let Some((_, n)) = ORDINALS.iter().find(|(o, _)| *o == word) {
        return Some(*n);
    }
    let digits: String = word.chars().take_while(char::is_ascii_digit).collect();
    let suffix = &word[digits.len()..];
    (!digits.is_empty()
        && [
            "st", "nd", "rd", "th", "º", "ª", "°", "o", "a", "er", "re", "e", "ème", "eme",
        ]
        .contains(&suffix))
    .then(|| digits.parse().ok())
    .flatten()
    .filter(|n| (1..=10).contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws(text: &str) -> Vec<String> {
        text.to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn comparisons_name_the_products_of_the_list() {
        let c = |t: &str| compare(&t.to_lowercase(), &ws(t), 5);
        assert_eq!(c("compare the first two"), Some(vec![1, 2]));
        assert_eq!(c("compara el 1 y el 3"), Some(vec![1, 3]));
        assert_eq!(c("compara o primeiro e o segundo"), Some(vec![1, 2]));
        assert_eq!(c("vergleiche die ersten beiden"), Some(vec![1, 2]));
        assert_eq!(c("compare them"), Some(vec![1, 2, 3]));
        assert_eq!(c("the first two"), None);
        assert_eq!(compare("compare", &ws("compare"), 1), None);
    }

    #[test]
    fn more_variants_and_gifts() {
        assert!(more("show me more", &ws("show me more")));
        assert!(more("más", &ws("más")));
        assert!(!more(
            "more premium ones please",
            &ws("more premium ones please")
        ));
        assert_eq!(
            variant(&ws("do you have it in size 42?")),
            Some(VariantAsk {
                key: "size",
                value: "42".into()
            })
        );
        assert_eq!(
            variant(&ws("talla m")),
            Some(VariantAsk {
                key: "size",
                value: "M".into()
            })
        );
        assert_eq!(
            variant(&ws("en rojo")),
            Some(VariantAsk {
                key: "colour",
                value: "red".into()
            })
        );
        assert_eq!(variant(&ws("sneakers")), None);
        assert!(gift(&ws("gift for my mom")).is_some_and(|t| t.contains(&"scarf")));
        assert!(gift(&ws("regalo para mi novio")).is_some_and(|t| t.contains(&"hoodie")));
        assert_eq!(gift(&ws("my mom")), None);
    }
}
