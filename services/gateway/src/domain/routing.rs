//! Brand routing: which brand's seller gets a shopper's message, or whether
//! the shopper must first pick a brand from the menu.
//!
//! A menu pick comes back as an interactive reply whose id is
//! `brand:<brand id>`; writing a brand's name at the menu picks it the same
//! way ([`typed_pick`]); writing one of the [`MENU_WORDS`] shows the menu
//! again so the shopper can switch.

use store_events::{
    BrandId,
    data::{
        chat::MessageContent,
        response::{ListRow, ListSection, ResponsePart},
    },
};

use super::tenants::{Brand, Routing, Tenant};

/// Prefix of the reply ids of the brand menu's rows.
pub const BRAND_REPLY_PREFIX: &str = "brand:";

/// Texts that show the brand menu again (compared trimmed, case-insensitive).
pub const MENU_WORDS: &[&str] = &["menu", "/menu", "brands", "/brands", "/start", "switch"];

/// What to do with a shopper's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Deliver it to this brand's seller.
    Deliver(BrandId),
    /// The shopper picked this brand: remember it, then deliver the pick.
    Choose(BrandId),
    /// Forget any choice and send the brand menu; the message goes nowhere
    /// else.
    ShowMenu,
}

/// Decides where a message goes, given the channel's routing and the brand
/// the conversation chose earlier, if any.
pub fn decide(routing: &Routing, chosen: Option<&BrandId>, content: &MessageContent) -> Decision {
    let menu = match routing {
        Routing::Brand(brand) => return Decision::Deliver(brand.clone()),
        Routing::Menu(menu) => menu,
    };
    match content {
        MessageContent::InteractiveReply { reply_id, .. } => {
            if let Some(picked) = reply_id
                .strip_prefix(BRAND_REPLY_PREFIX)
                .and_then(|id| menu.iter().find(|b| b.as_str() == id))
            {
                return Decision::Choose(picked.clone());
            }
        }
        MessageContent::Text { text } => {
            let word = text.trim().to_lowercase();
            if MENU_WORDS.contains(&word.as_str()) {
                return Decision::ShowMenu;
            }
        }
        _ => {}
    }
    match chosen {
        Some(brand) if menu.contains(brand) => Decision::Deliver(brand.clone()),
        _ => Decision::ShowMenu,
    }
}

/// Lower case without accents or surrounding punctuation, for comparing
/// what a shopper typed with a brand's name ("Moda Lía!" → "moda lia").
fn fold(text: &str) -> String {
    text.trim()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            other => other,
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The brand of `menu` whose name (as the menu shows it, its id, or its
/// seller's brand name) the shopper typed at the menu, in any case, with or
/// without accents, or the start of it (three letters at least); a whole
/// name before the start of another; `None` when nothing or more than one
/// brand matches. The shopper's text becomes
/// the same interactive reply a tap gives ([`BRAND_REPLY_PREFIX`]), so the
/// seller sees no difference.
pub fn typed_pick(tenant: &Tenant, menu: &[BrandId], text: &str) -> Option<MessageContent> {
    let typed = fold(text);
    if typed.chars().count() < 3 {
        return None;
    }
    let brands: Vec<(&Brand, Vec<String>)> = menu
        .iter()
        .filter_map(|id| tenant.brand(id))
        .map(|brand| {
            let mut names = vec![fold(&brand.name), fold(brand.id.as_str())];
            if let Some(persona) = &brand.persona {
                names.push(fold(&persona.brand_name));
            }
            (brand, names)
        })
        .collect();
    // A whole name wins over the start of another ("tech" beside "techno").
    let only = |matches: &dyn Fn(&String) -> bool| {
        let mut found = brands.iter().filter(|(_, names)| names.iter().any(matches));
        match (found.next(), found.next()) {
            (Some((brand, _)), None) => Some(*brand),
            _ => None,
        }
    };
    let brand = only(&|name| *name == typed).or_else(|| only(&|name| name.starts_with(&typed)))?;
    Some(MessageContent::InteractiveReply {
        reply_id: format!("{BRAND_REPLY_PREFIX}{}", brand.id),
        title: brand.name.clone(),
        description: None,
    })
}

/// The brand menu of `tenant` limited to `menu`, as a list reply.
pub fn menu_part(tenant: &Tenant, menu: &[BrandId]) -> ResponsePart {
    let rows = menu
        .iter()
        .filter_map(|id| tenant.brand(id))
        .map(|brand| ListRow {
            id: format!("{BRAND_REPLY_PREFIX}{}", brand.id),
            title: brand.name.clone(),
            description: brand.description.clone(),
        })
        .collect();
    ResponsePart::List {
        text: tenant.menu_text.clone(),
        button_label: "Choose a shop".to_owned(),
        sections: vec![ListSection {
            title: tenant.name.clone(),
            rows,
        }],
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn b(id: &str) -> BrandId {
        BrandId::parse(id).unwrap()
    }

    fn menu() -> Routing {
        Routing::Menu(vec![b("fashion"), b("tech")])
    }

    fn text(t: &str) -> MessageContent {
        MessageContent::Text { text: t.into() }
    }

    fn tap(id: &str) -> MessageContent {
        MessageContent::InteractiveReply {
            reply_id: id.into(),
            title: "x".into(),
            description: None,
        }
    }

    #[test]
    fn a_single_brand_channel_always_delivers_to_its_brand() {
        let decision = decide(&Routing::Brand(b("bakery")), None, &text("menu"));

        assert_eq!(decision, Decision::Deliver(b("bakery")));
    }

    #[test]
    fn given_no_choice_yet_when_the_shopper_writes_then_the_menu_is_shown() {
        assert_eq!(decide(&menu(), None, &text("hi")), Decision::ShowMenu);
    }

    #[test]
    fn given_the_menu_when_the_shopper_taps_a_brand_then_it_is_chosen() {
        assert_eq!(
            decide(&menu(), None, &tap("brand:tech")),
            Decision::Choose(b("tech"))
        );
    }

    #[test]
    fn given_a_choice_when_the_shopper_writes_then_it_goes_to_that_brand() {
        assert_eq!(
            decide(&menu(), Some(&b("fashion")), &text("red shoes?")),
            Decision::Deliver(b("fashion"))
        );
        // A tap on some other button is an answer for the seller.
        assert_eq!(
            decide(&menu(), Some(&b("fashion")), &tap("size:42")),
            Decision::Deliver(b("fashion"))
        );
    }

    #[test]
    fn given_a_choice_when_the_shopper_asks_for_the_menu_or_taps_another_brand_then_they_switch() {
        assert_eq!(
            decide(&menu(), Some(&b("fashion")), &text("  Menu ")),
            Decision::ShowMenu
        );
        assert_eq!(
            decide(&menu(), Some(&b("fashion")), &tap("brand:tech")),
            Decision::Choose(b("tech"))
        );
    }

    fn tenants() -> crate::domain::tenants::Tenants {
        crate::domain::tenants::Tenants::parse(
            "tenants:\n  - id: demo\n    name: Demo\n    brands:\n      - id: fashion\n        name: Fashion\n        persona: { seller_name: Lía, brand_name: Moda Lía, tone: warm, greeting: Hi }\n      - id: tech\n        name: Tech\n      - id: techno\n        name: Technology Outlet\n",
        )
        .unwrap()
    }

    #[test]
    fn typing_a_brands_name_at_the_menu_picks_it_like_a_tap() {
        let tenants = tenants();
        let tenant = tenants.get("demo").unwrap();
        let menu = vec![b("fashion"), b("tech"), b("techno")];
        let picks = |t: &str| typed_pick(tenant, &menu, t);

        let fashion = Some(tap("brand:fashion"));
        let same = |c: Option<MessageContent>| match c {
            Some(MessageContent::InteractiveReply { reply_id, .. }) => Some(tap(&reply_id)),
            other => other,
        };
        assert_eq!(same(picks("Fashion")), fashion);
        assert_eq!(same(picks("  FASHION! ")), fashion);
        assert_eq!(same(picks("fash")), fashion, "a prefix");
        assert_eq!(
            same(picks("moda lia")),
            fashion,
            "the seller's brand name, no accents"
        );
        assert_eq!(
            same(picks("Tech")),
            Some(tap("brand:tech")),
            "exactly one brand's name"
        );
        assert_eq!(picks("tec"), None, "the start of two brands");
        assert_eq!(picks("fa"), None, "too short");
        assert_eq!(picks("red shoes"), None);
        let Some(MessageContent::InteractiveReply { title, .. }) = picks("fashion") else {
            panic!("no pick")
        };
        assert_eq!(title, "Fashion");
    }

    #[test]
    fn a_brand_outside_the_menu_is_neither_chosen_nor_kept() {
        assert_eq!(
            decide(&menu(), None, &tap("brand:gaming")),
            Decision::ShowMenu
        );
        assert_eq!(
            decide(&menu(), Some(&b("gaming")), &text("hi")),
            Decision::ShowMenu
        );
    }
}
