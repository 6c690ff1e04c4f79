//! The offline seller's fixed sentences for shopping and after-order
//! answers (budgets, comparisons, stock-aware quantities, changes to an
//! order), per [`Lang`]. Kept apart from [`super::language`]'s basic ones.
//! Placeholders in braces are filled from catalog and order data only
//! (`{n}`, `{price}`, `{total}` are tool results, never the shopper's).

use super::lang::Lang;

/// Shopping and after-order sentences.
pub struct ShopPhrases {
    /// Fewer left than asked (`{name}`, `{n}`, `{price}`).
    pub only_left: &'static str,
    /// More than one line may hold (`{max}`, `{name}`, `{price}`).
    pub over_limit: &'static str,
    /// That product is out of stock (`{name}`).
    pub sold_out: &'static str,
    /// Zero units asked.
    pub zero: &'static str,
    /// A negative quantity.
    pub negative: &'static str,
    /// An absurd quantity (`{max}`).
    pub absurd: &'static str,
    /// No number given.
    pub how_many: &'static str,
    /// Before a comparison.
    pub compare_head: &'static str,
    /// The cheapest of a comparison (`{name}`).
    pub compare_cheapest: &'static str,
    /// The one with most stock (`{name}`).
    pub compare_stock: &'static str,
    /// After a comparison.
    pub compare_tail: &'static str,
    /// No further results.
    pub no_more: &'static str,
    /// Nothing cheaper than what was shown.
    pub nothing_cheaper: &'static str,
    /// Nothing more premium than what was shown.
    pub nothing_pricier: &'static str,
    /// Nothing within the budget; the cheapest follow.
    pub over_budget: &'static str,
    /// A budget without a kind of product.
    pub what_kind: &'static str,
    /// Before products of the asked variant (`{value}`).
    pub in_variant: &'static str,
    /// The asked variant does not exist (`{value}`).
    pub no_variant: &'static str,
    /// The variants seen (`{values}`).
    pub variants_seen: &'static str,
    /// One order's status (`{number}`, `{status}`).
    pub status_of: &'static str,
    /// That order is not the shopper's (`{number}`).
    pub not_yours: &'static str,
    /// The order is past payment (`{number}`, `{status}`).
    pub cannot_change: &'static str,
    /// Propose a replacement (`{qty}`, `{name}`, `{price}`, `{number}`).
    pub replace_confirm: &'static str,
    /// The old order was cancelled after the new one was placed (`{number}`).
    pub replaced: &'static str,
    /// The old order could not be cancelled (`{number}`).
    pub replace_cancel_failed: &'static str,
    /// Payment link (`{number}`, `{total}`, `{link}`).
    pub link: &'static str,
    /// No order waiting for payment.
    pub no_link: &'static str,
    /// An order waits for payment but has no link (`{number}`, `{total}`).
    pub unpaid_without_link: &'static str,
    /// Nothing ordered yet to change.
    pub nothing_to_change: &'static str,
    /// Why a line was refused (`{name}`, `{n}`).
    pub available: &'static str,
    /// A tapped list row that is not on the list shown (`{n}`: how many
    /// are).
    pub not_on_list: &'static str,
    /// A tapped list row when no list was shown.
    pub no_list: &'static str,
    /// The order processor has not answered in time: the order is being
    /// placed and its confirmation will follow.
    pub being_placed: &'static str,
}

/// The sentences in `lang`.
pub fn shop_phrases(lang: Lang) -> &'static ShopPhrases {
    match lang {
        Lang::En => &EN,
        Lang::Es => &ES,
        Lang::Pt => &PT,
        Lang::Fr => &FR,
        Lang::De => &DE,
        Lang::It => &IT,
    }
}

const IT: ShopPhrases = ShopPhrases {
    only_left: "{name}: ne restano solo {n}. Ne prenoto {n} a {price} l'uno?",
    over_limit: "Posso prendere al massimo {max} pezzi di un prodotto per ordine (per di più, un collega può aiutarti: scrivi “una persona”). Ne prenoto {max} × {name} a {price} l'uno?",
    sold_out: "{name} è esaurito in questo momento. Vuoi qualcosa di simile?",
    zero: "Zero non è un ordine 🙂 Quanti ne vuoi?",
    negative: "Una quantità non può essere negativa. Quanti ne vuoi?",
    absurd: "È molto più di quanto un ordine possa contenere. Quanti te ne servono davvero? Posso prenderne fino a {max} di un prodotto per ordine.",
    how_many: "Quanti esattamente? Dimmi un numero, per es. “2 del 1”.",
    compare_head: "A confronto, dal catalogo:",
    compare_cheapest: "Prezzo più basso: {name}.",
    compare_stock: "Più pezzi disponibili: {name}.",
    compare_tail: "Quale preferisci? Dimmi il numero e quanti.",
    no_more: "È tutto quello che ho per questa ricerca. Vuoi cercare altro?",
    nothing_cheaper: "Non c'è niente di più economico di quello che ti ho mostrato per questa ricerca.",
    nothing_pricier: "È il più pregiato che ho per questa ricerca.",
    over_budget: "Non ho trovato niente entro quel budget. I più convenienti che ho:",
    what_kind: "Che tipo di prodotto cerchi?",
    in_variant: "Disponibile in {value}:",
    no_variant: "Non ce l'ho in {value}.",
    variants_seen: "Le opzioni che ti ho mostrato: {values}.",
    status_of: "Ordine {number}: {status}",
    not_yours: "Non vedo l'ordine {number} tra i tuoi ordini.",
    cannot_change: "L'ordine {number} è già {status}, quindi non posso cambiarlo qui. Un collega può aiutarti: scrivi “una persona”.",
    replace_confirm: "Faccio un nuovo ordine di {qty} × {name} a {price} l'uno e poi annullo l'ordine {number}. Procedo?",
    replaced: "L'ordine {number} è annullato: il nuovo ordine lo sostituisce.",
    replace_cancel_failed: "Il nuovo ordine è fatto, ma non sono riuscito ad annullare l'ordine {number}. Se ne occuperà un collega: scrivi “una persona”.",
    link: "Ordine {number} ({total}) — paga qui: {link}",
    no_link: "Non hai ordini in attesa di pagamento.",
    unpaid_without_link: "L'ordine {number} ({total}) è in attesa di pagamento, ma il negozio non ha un link di pagamento: paghi come concordato con il negozio (per es. alla consegna).",
    nothing_to_change: "Qui non c'è ancora un ordine da cambiare. Cosa desideri?",
    available: "{name}: solo {n} disponibili.",
    not_on_list: "Quel numero non è nell'elenco che ti ho mostrato: scegline uno da 1 a {n}.",
    no_list: "Non ti ho ancora mostrato un elenco da cui scegliere. Cosa cerchi?",
    being_placed: "Sto registrando il tuo ordine: ci vuole un po' più del solito. Ti mando qui la conferma appena è pronta, non serve ordinare di nuovo.",
};

const EN: ShopPhrases = ShopPhrases {
    only_left: "{name}: only {n} left. Shall I reserve {n} at {price} each?",
    over_limit: "I can take at most {max} of one product per order (for more, a colleague can help: write “a person”). Shall I reserve {max} × {name} at {price} each?",
    sold_out: "{name} is sold out right now. Would you like something similar?",
    zero: "Zero is nothing to order 🙂 How many would you like?",
    negative: "A quantity can't be negative. How many would you like?",
    absurd: "That is far more than any order can hold. How many do you really need? I can take up to {max} of one product per order.",
    how_many: "How many exactly? Tell me a number, e.g. “2 of 1”.",
    compare_head: "Side by side, from the catalog:",
    compare_cheapest: "Lowest price: {name}.",
    compare_stock: "Most units in stock: {name}.",
    compare_tail: "Which one would you like? Tell me the number and how many.",
    no_more: "That's everything I have for this search. Want to look for something else?",
    nothing_cheaper: "There is nothing cheaper than what I showed you for this search.",
    nothing_pricier: "That is the most premium I have for this search.",
    over_budget: "I found nothing within that budget. The most affordable I have:",
    what_kind: "What kind of product are you looking for?",
    in_variant: "Available in {value}:",
    no_variant: "I don't have that in {value}.",
    variants_seen: "Options I have shown you: {values}.",
    status_of: "Order {number}: {status}",
    not_yours: "I don't see order {number} among your orders.",
    cannot_change: "Order {number} is already {status}, so I can't change it here. A colleague can help: just write “a person”.",
    replace_confirm: "I'll place a new order for {qty} × {name} at {price} each, and then cancel order {number}. Shall I?",
    replaced: "Order {number} is cancelled: the new order replaces it.",
    replace_cancel_failed: "The new order is placed, but I couldn't cancel order {number}. A colleague will sort it out: write “a person”.",
    link: "Order {number} ({total}) — pay here: {link}",
    no_link: "You have no order waiting for payment.",
    unpaid_without_link: "Order {number} ({total}) is awaiting payment, but the shop has no payment link for it: you pay as agreed with the shop (e.g. on delivery).",
    nothing_to_change: "There is no order here yet to change. What would you like?",
    available: "{name}: only {n} available.",
    not_on_list: "That number isn't on the list I showed you: pick one from 1 to {n}.",
    no_list: "I haven't shown you a list to pick from yet. What are you looking for?",
    being_placed: "Your order is being placed: it is taking a little longer than usual. I'll send you the confirmation here as soon as it's ready, no need to order again.",
};

const ES: ShopPhrases = ShopPhrases {
    only_left: "{name}: solo quedan {n}. ¿Te reservo {n} a {price} cada uno?",
    over_limit: "Puedo tomar como máximo {max} de un mismo producto por pedido (para más, te ayuda un compañero: escribe «una persona»). ¿Te reservo {max} × {name} a {price} cada uno?",
    sold_out: "{name} está agotado ahora mismo. ¿Quieres algo parecido?",
    zero: "Cero no es un pedido 🙂 ¿Cuántos quieres?",
    negative: "Una cantidad no puede ser negativa. ¿Cuántos quieres?",
    absurd: "Eso es mucho más de lo que cabe en un pedido. ¿Cuántos necesitas de verdad? Puedo tomar hasta {max} de un mismo producto por pedido.",
    how_many: "¿Cuántos exactamente? Dime un número, p. ej. «2 del 1».",
    compare_head: "Comparados, con los datos del catálogo:",
    compare_cheapest: "Precio más bajo: {name}.",
    compare_stock: "Más unidades en stock: {name}.",
    compare_tail: "¿Cuál prefieres? Dime el número y cuántos.",
    no_more: "Eso es todo lo que tengo para esta búsqueda. ¿Buscamos otra cosa?",
    nothing_cheaper: "No hay nada más barato que lo que te mostré en esta búsqueda.",
    nothing_pricier: "Eso es lo más premium que tengo en esta búsqueda.",
    over_budget: "No encontré nada dentro de ese presupuesto. Lo más económico que tengo:",
    what_kind: "¿Qué tipo de producto buscas?",
    in_variant: "Disponible en {value}:",
    no_variant: "No lo tengo en {value}.",
    variants_seen: "Opciones que te mostré: {values}.",
    status_of: "Pedido {number}: {status}",
    not_yours: "No veo el pedido {number} entre tus pedidos.",
    cannot_change: "El pedido {number} ya está {status}, así que no puedo cambiarlo por aquí. Un compañero te ayuda: escribe «una persona».",
    replace_confirm: "Hago un pedido nuevo de {qty} × {name} a {price} cada uno y después cancelo el pedido {number}. ¿Lo hago?",
    replaced: "El pedido {number} está cancelado: lo sustituye el nuevo.",
    replace_cancel_failed: "El pedido nuevo está hecho, pero no pude cancelar el pedido {number}. Un compañero lo resolverá: escribe «una persona».",
    link: "Pedido {number} ({total}) — paga aquí: {link}",
    no_link: "No tienes ningún pedido pendiente de pago.",
    unpaid_without_link: "El pedido {number} ({total}) está pendiente de pago, pero la tienda no tiene enlace de pago para él: se paga como acordado con la tienda (p. ej. a la entrega).",
    nothing_to_change: "Todavía no hay ningún pedido que cambiar. ¿Qué te gustaría?",
    available: "{name}: solo quedan {n}.",
    not_on_list: "Ese número no está en la lista que te mostré: elige uno del 1 al {n}.",
    no_list: "Todavía no te he mostrado una lista para elegir. ¿Qué estás buscando?",
    being_placed: "Tu pedido se está registrando: está tardando un poco más de lo normal. Te envío la confirmación aquí en cuanto esté lista, no hace falta pedirlo de nuevo.",
};

const PT: ShopPhrases = ShopPhrases {
    only_left: "{name}: restam apenas {n}. Reservo {n} a {price} cada?",
    over_limit: "Posso fazer no máximo {max} de um mesmo produto por pedido (para mais, um colega ajuda: escreva “um atendente”). Reservo {max} × {name} a {price} cada?",
    sold_out: "{name} está esgotado no momento. Quer algo parecido?",
    zero: "Zero não é um pedido 🙂 Quantos você quer?",
    negative: "Uma quantidade não pode ser negativa. Quantos você quer?",
    absurd: "Isso é muito mais do que cabe em um pedido. Quantos você precisa de verdade? Posso fazer até {max} de um mesmo produto por pedido.",
    how_many: "Quantos exatamente? Diga um número, por exemplo “2 do 1”.",
    compare_head: "Lado a lado, com os dados do catálogo:",
    compare_cheapest: "Menor preço: {name}.",
    compare_stock: "Mais unidades em estoque: {name}.",
    compare_tail: "Qual você prefere? Diga o número e quantos.",
    no_more: "Isso é tudo o que tenho para esta busca. Quer procurar outra coisa?",
    nothing_cheaper: "Não há nada mais barato do que o que mostrei nesta busca.",
    nothing_pricier: "Isso é o mais premium que tenho nesta busca.",
    over_budget: "Não encontrei nada dentro desse orçamento. O mais em conta que tenho:",
    what_kind: "Que tipo de produto você procura?",
    in_variant: "Disponível em {value}:",
    no_variant: "Não tenho isso em {value}.",
    variants_seen: "Opções que mostrei: {values}.",
    status_of: "Pedido {number}: {status}",
    not_yours: "Não vejo o pedido {number} entre os seus pedidos.",
    cannot_change: "O pedido {number} já está {status}, então não posso alterá-lo por aqui. Um colega ajuda: escreva “um atendente”.",
    replace_confirm: "Faço um pedido novo de {qty} × {name} a {price} cada e depois cancelo o pedido {number}. Posso fazer?",
    replaced: "O pedido {number} foi cancelado: o novo o substitui.",
    replace_cancel_failed: "O pedido novo foi feito, mas não consegui cancelar o pedido {number}. Um colega vai resolver: escreva “um atendente”.",
    link: "Pedido {number} ({total}) — pague aqui: {link}",
    no_link: "Você não tem nenhum pedido aguardando pagamento.",
    unpaid_without_link: "O pedido {number} ({total}) está aguardando pagamento, mas a loja não tem link de pagamento para ele: o pagamento é feito como combinado com a loja (por exemplo, na entrega).",
    nothing_to_change: "Ainda não há pedido para alterar. O que você gostaria?",
    available: "{name}: restam apenas {n}.",
    not_on_list: "Esse número não está na lista que eu mostrei: escolha um de 1 a {n}.",
    no_list: "Ainda não mostrei uma lista para escolher. O que você procura?",
    being_placed: "Seu pedido está sendo registrado: está demorando um pouco mais que o normal. Envio a confirmação aqui assim que estiver pronta, não precisa pedir de novo.",
};

const FR: ShopPhrases = ShopPhrases {
    only_left: "{name} : il n'en reste que {n}. Je vous en réserve {n} à {price} l'unité ?",
    over_limit: "Je peux prendre au plus {max} d'un même produit par commande (pour plus, un collègue vous aide : écrivez « une personne »). Je vous réserve {max} × {name} à {price} l'unité ?",
    sold_out: "{name} est épuisé en ce moment. Voulez-vous quelque chose de similaire ?",
    zero: "Zéro, ce n'est pas une commande 🙂 Combien en voulez-vous ?",
    negative: "Une quantité ne peut pas être négative. Combien en voulez-vous ?",
    absurd: "C'est bien plus qu'une commande ne peut contenir. Combien vous en faut-il vraiment ? Je peux prendre jusqu'à {max} d'un même produit par commande.",
    how_many: "Combien exactement ? Donnez-moi un nombre, par ex. « 2 du 1 ».",
    compare_head: "Côte à côte, d'après le catalogue :",
    compare_cheapest: "Prix le plus bas : {name}.",
    compare_stock: "Le plus d'unités en stock : {name}.",
    compare_tail: "Lequel voulez-vous ? Donnez-moi le numéro et la quantité.",
    no_more: "C'est tout ce que j'ai pour cette recherche. On cherche autre chose ?",
    nothing_cheaper: "Il n'y a rien de moins cher que ce que je vous ai montré pour cette recherche.",
    nothing_pricier: "C'est le plus haut de gamme que j'ai pour cette recherche.",
    over_budget: "Je n'ai rien trouvé dans ce budget. Le plus abordable que j'ai :",
    what_kind: "Quel type de produit cherchez-vous ?",
    in_variant: "Disponible en {value} :",
    no_variant: "Je ne l'ai pas en {value}.",
    variants_seen: "Options que je vous ai montrées : {values}.",
    status_of: "Commande {number} : {status}",
    not_yours: "Je ne vois pas la commande {number} parmi vos commandes.",
    cannot_change: "La commande {number} est déjà {status}, je ne peux donc pas la modifier ici. Un collègue peut vous aider : écrivez « une personne ».",
    replace_confirm: "Je passe une nouvelle commande de {qty} × {name} à {price} l'unité, puis j'annule la commande {number}. D'accord ?",
    replaced: "La commande {number} est annulée : la nouvelle la remplace.",
    replace_cancel_failed: "La nouvelle commande est passée, mais je n'ai pas pu annuler la commande {number}. Un collègue s'en occupera : écrivez « une personne ».",
    link: "Commande {number} ({total}) — payer ici : {link}",
    no_link: "Vous n'avez aucune commande en attente de paiement.",
    unpaid_without_link: "La commande {number} ({total}) est en attente de paiement, mais la boutique n'a pas de lien de paiement pour elle : le paiement se fait comme convenu avec la boutique (par ex. à la livraison).",
    nothing_to_change: "Il n'y a pas encore de commande à modifier. Que voulez-vous ?",
    available: "{name} : il n'en reste que {n}.",
    not_on_list: "Ce numéro n'est pas dans la liste que je vous ai montrée : choisissez-en un de 1 à {n}.",
    no_list: "Je ne vous ai pas encore montré de liste où choisir. Que cherchez-vous ?",
    being_placed: "Votre commande est en cours d'enregistrement : cela prend un peu plus de temps que d'habitude. Je vous envoie la confirmation ici dès qu'elle est prête, inutile de commander à nouveau.",
};

const DE: ShopPhrases = ShopPhrases {
    only_left: "{name}: nur noch {n} auf Lager. Soll ich {n} zu je {price} reservieren?",
    over_limit: "Ich kann höchstens {max} Stück eines Produkts pro Bestellung aufnehmen (für mehr hilft ein Kollege: schreiben Sie „Mitarbeiter“). Soll ich {max} × {name} zu je {price} reservieren?",
    sold_out: "{name} ist gerade ausverkauft. Darf es etwas Ähnliches sein?",
    zero: "Null ist keine Bestellung 🙂 Wie viele möchten Sie?",
    negative: "Eine Menge kann nicht negativ sein. Wie viele möchten Sie?",
    absurd: "Das ist weit mehr, als eine Bestellung fassen kann. Wie viele brauchen Sie wirklich? Ich kann bis zu {max} Stück eines Produkts pro Bestellung aufnehmen.",
    how_many: "Wie viele genau? Nennen Sie eine Zahl, z. B. „2 von 1“.",
    compare_head: "Im Vergleich, laut Katalog:",
    compare_cheapest: "Niedrigster Preis: {name}.",
    compare_stock: "Die meisten Stück auf Lager: {name}.",
    compare_tail: "Welches möchten Sie? Nennen Sie Nummer und Menge.",
    no_more: "Das ist alles, was ich zu dieser Suche habe. Suchen wir etwas anderes?",
    nothing_cheaper: "Günstiger als das Gezeigte habe ich zu dieser Suche nichts.",
    nothing_pricier: "Das ist das Hochwertigste, was ich zu dieser Suche habe.",
    over_budget: "In diesem Budget habe ich nichts gefunden. Das Günstigste, was ich habe:",
    what_kind: "Welche Art von Produkt suchen Sie?",
    in_variant: "Erhältlich in {value}:",
    no_variant: "Das habe ich nicht in {value}.",
    variants_seen: "Gezeigte Varianten: {values}.",
    status_of: "Bestellung {number}: {status}",
    not_yours: "Bestellung {number} ist nicht unter Ihren Bestellungen.",
    cannot_change: "Bestellung {number} ist bereits {status}, daher kann ich sie hier nicht ändern. Ein Kollege hilft gern: schreiben Sie „Mitarbeiter“.",
    replace_confirm: "Ich gebe eine neue Bestellung über {qty} × {name} zu je {price} auf und storniere danach Bestellung {number}. Einverstanden?",
    replaced: "Bestellung {number} ist storniert: die neue ersetzt sie.",
    replace_cancel_failed: "Die neue Bestellung ist aufgegeben, aber Bestellung {number} konnte ich nicht stornieren. Ein Kollege kümmert sich: schreiben Sie „Mitarbeiter“.",
    link: "Bestellung {number} ({total}) — hier bezahlen: {link}",
    no_link: "Sie haben keine Bestellung, die auf Zahlung wartet.",
    unpaid_without_link: "Bestellung {number} ({total}) wartet auf Zahlung, aber der Shop hat dafür keinen Zahlungslink: Sie zahlen wie mit dem Shop vereinbart (z. B. bei Lieferung).",
    nothing_to_change: "Es gibt noch keine Bestellung zum Ändern. Was möchten Sie?",
    available: "{name}: nur noch {n} auf Lager.",
    not_on_list: "Diese Nummer steht nicht auf der Liste, die ich Ihnen gezeigt habe: Wählen Sie eine von 1 bis {n}.",
    no_list: "Ich habe Ihnen noch keine Liste zur Auswahl gezeigt. Was suchen Sie?",
    being_placed: "Ihre Bestellung wird gerade aufgegeben: Es dauert etwas länger als sonst. Ich schicke Ihnen die Bestätigung hier, sobald sie da ist, Sie müssen nicht noch einmal bestellen.",
};
