//! The fixed sentences of [`super`] in each language: who the seller is,
//! the shop's words quoted, what the shop has not said, delivery areas and
//! payment methods, and the topics' names.

use crate::brain::lang::Lang;

/// Fixed sentences, per language. `{brand}`, `{seller}`, `{topic}`,
/// `{text}`, `{areas}`, `{area}` and `{methods}` are filled in.
pub(super) struct Sentences {
    /// Who the seller is.
    pub(super) who: &'static str,
    /// The shop's own words on a topic, in another language.
    pub(super) shop_says: &'static str,
    /// The shop has not written this.
    pub(super) not_said: &'static str,
    /// Where the shop delivers.
    pub(super) areas: &'static str,
    /// The shopper named a place the shop delivers to.
    pub(super) area_yes: &'static str,
    /// How one can pay.
    pub(super) payment: &'static str,
    /// Quotation marks.
    pub(super) quotes: (&'static str, &'static str),
    /// Topic names: returns, warranty, delivery, delivery cost, delivery
    /// time, payment, opening hours, the shop's rules.
    pub(super) names: [&'static str; 8],
}

const EN: Sentences = Sentences {
    who: "I'm {seller}, the AI assistant of {brand}: I find products, give prices and stock from the catalog and place orders. For anything else I can pass you to a person from the shop.",
    shop_says: "Here is what {brand} says about {topic}, in its own words: {text}",
    not_said: "{brand} hasn't told me about {topic}, so I'd rather not guess. A person from the shop can tell you: just write “a person”.",
    areas: "{brand} delivers to: {areas}.",
    area_yes: "Yes, {brand} delivers to {area}.",
    payment: "You can pay with: {methods}.",
    quotes: ("“", "”"),
    names: [
        "returns",
        "warranty",
        "delivery",
        "delivery costs",
        "delivery times",
        "payment methods",
        "opening hours",
        "its rules",
    ],
};

const ES: Sentences = Sentences {
    who: "Soy {seller}, el asistente de IA de {brand}: busco productos, te doy precios y stock del catálogo y hago pedidos. Para todo lo demás te puedo pasar con una persona de la tienda.",
    shop_says: "Esto es lo que dice {brand} sobre {topic}, con sus propias palabras: {text}",
    not_said: "{brand} no me ha indicado nada sobre {topic}, así que prefiero no inventar. Una persona de la tienda te lo puede decir: escribe «una persona».",
    areas: "{brand} hace envíos a: {areas}.",
    area_yes: "Sí, {brand} hace envíos a {area}.",
    payment: "Puedes pagar con: {methods}.",
    quotes: ("«", "»"),
    names: [
        "devoluciones",
        "la garantía",
        "los envíos",
        "el coste del envío",
        "los plazos de entrega",
        "las formas de pago",
        "el horario",
        "sus normas",
    ],
};

const PT: Sentences = Sentences {
    who: "Eu sou {seller}, o assistente de IA da {brand}: encontro produtos, informo preços e estoque do catálogo e faço pedidos. Para o resto posso passar você para uma pessoa da loja.",
    shop_says: "Isto é o que a {brand} diz sobre {topic}, com as palavras dela: {text}",
    not_said: "A {brand} não me informou nada sobre {topic}, então prefiro não inventar. Uma pessoa da loja pode responder: é só escrever “uma pessoa”.",
    areas: "A {brand} entrega em: {areas}.",
    area_yes: "Sim, a {brand} entrega em {area}.",
    payment: "Você pode pagar com: {methods}.",
    quotes: ("“", "”"),
    names: [
        "devoluções",
        "a garantia",
        "as entregas",
        "o valor do frete",
        "o prazo de entrega",
        "as formas de pagamento",
        "o horário",
        "as regras dela",
    ],
};

const FR: Sentences = Sentences {
    who: "Je suis {seller}, l'assistant IA de {brand} : je trouve les produits, je donne les prix et le stock du catalogue et je passe les commandes. Pour le reste, je peux vous passer une personne de la boutique.",
    shop_says: "Voici ce que {brand} dit sur {topic}, avec ses propres mots : {text}",
    not_said: "{brand} ne m'a rien indiqué sur {topic}, je préfère donc ne pas inventer. Une personne de la boutique peut vous répondre : écrivez « une personne ».",
    areas: "{brand} livre à : {areas}.",
    area_yes: "Oui, {brand} livre à {area}.",
    payment: "Vous pouvez payer par : {methods}.",
    quotes: ("« ", " »"),
    names: [
        "les retours",
        "la garantie",
        "la livraison",
        "les frais de livraison",
        "les délais de livraison",
        "les moyens de paiement",
        "les horaires",
        "ses règles",
    ],
};

const DE: Sentences = Sentences {
    who: "Ich bin {seller}, der KI-Assistent von {brand}: Ich finde Produkte, nenne Preise und Bestand aus dem Katalog und nehme Bestellungen auf. Für alles andere verbinde ich Sie mit einer Person aus dem Shop.",
    shop_says: "Das sagt {brand} zum Thema {topic}, in eigenen Worten: {text}",
    not_said: "{brand} hat mir zum Thema {topic} nichts mitgeteilt, deshalb rate ich lieber nicht. Eine Person aus dem Shop kann es Ihnen sagen: schreiben Sie einfach „eine Person“.",
    areas: "{brand} liefert nach: {areas}.",
    area_yes: "Ja, {brand} liefert nach {area}.",
    payment: "Sie können so bezahlen: {methods}.",
    quotes: ("„", "“"),
    names: [
        "Rückgabe",
        "Garantie",
        "Lieferung",
        "Lieferkosten",
        "Lieferzeit",
        "Zahlungsarten",
        "Öffnungszeiten",
        "Regeln",
    ],
};

const IT: Sentences = Sentences {
    who: "Sono {seller}, l'assistente IA di {brand}: trovo i prodotti, ti do prezzi e disponibilità dal catalogo e faccio gli ordini. Per tutto il resto posso passarti a una persona del negozio.",
    shop_says: "Ecco cosa dice {brand} in tema di {topic}, con le sue parole: {text}",
    not_said: "{brand} non mi ha indicato niente in tema di {topic}, quindi preferisco non inventare. Una persona del negozio può risponderti: scrivi «una persona».",
    areas: "{brand} consegna a: {areas}.",
    area_yes: "Sì, {brand} consegna a {area}.",
    payment: "Puoi pagare con: {methods}.",
    quotes: ("«", "»"),
    names: [
        "resi e rimborsi",
        "garanzia",
        "consegne",
        "costi di consegna",
        "tempi di consegna",
        "metodi di pagamento",
        "orari",
        "regole",
    ],
};

pub(super) fn sentences(lang: Lang) -> &'static Sentences {
    match lang {
        Lang::En => &EN,
        Lang::Es => &ES,
        Lang::Pt => &PT,
        Lang::Fr => &FR,
        Lang::De => &DE,
        Lang::It => &IT,
    }
}
