//! Property tests standing in for a fuzz target (`cargo fuzz` needs a
//! nightly compiler; CI has stable) for the tenants file, which every
//! service reads at start-up: any text, and the demo file cut, spliced and
//! with hostile values, must parse or be refused with an error, never
//! panic. `PROPTEST_CASES` sets the cases (default 128; the demo file is
//! long).
#![allow(clippy::unwrap_used)]

use proptest::{collection::vec, prelude::*};

use crate::{Persona, TenantsFile};

const DEMO: &str = include_str!("../../../config/tenants.demo.yaml");

fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 128;
    }
    config
}

/// Values a hostile or careless operator might write.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("~".to_owned()),
        Just("[]".to_owned()),
        Just("{}".to_owned()),
        Just("-1".to_owned()),
        Just("99999999999999999999999".to_owned()),
        Just("&anchor".to_owned()),
        Just("*alias".to_owned()),
        Just("!!binary aGk=".to_owned()),
        Just("\"\\u0000\"".to_owned()),
        Just("{ env: NOT_SET_ANYWHERE }".to_owned()),
        Just("{ file: /nonexistent }".to_owned()),
        "\\PC{0,12}",
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_text_parses_or_is_refused(text in "\\PC{0,200}") {
        let _ = TenantsFile::parse(&text);
        let _ = Persona::parse(&text);
    }

    #[test]
    fn the_demo_file_cut_anywhere_parses_or_is_refused(cut in 0..DEMO.len()) {
        let end = (0..=cut).rev().find(|i| DEMO.is_char_boundary(*i)).unwrap_or(0);
        let _ = TenantsFile::parse(&DEMO[..end]);
    }

    #[test]
    fn the_demo_file_with_hostile_values_parses_or_is_refused(
        edits in vec((any::<prop::sample::Index>(), hostile()), 1..6),
    ) {
        let mut lines: Vec<String> = DEMO.lines().map(str::to_owned).collect();
        for (at, value) in edits {
            let line = &mut lines[at.index(DEMO.lines().count())];
            // Replace what follows the first `key:`, keeping the layout.
            if let Some(colon) = line.find(": ") {
                line.truncate(colon + 2);
                line.push_str(&value);
            }
        }
        let _ = TenantsFile::parse(&lines.join("\n"));
    }
}
