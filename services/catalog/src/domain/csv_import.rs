//! A shop's CSV export turned into products: one row per variant (or per
//! product without variants); rows sharing a `sku` are one product.
//!
//! Columns (header row required, order free, unknown columns ignored):
//! `sku`, `name`, `price_minor` (required); `description`, `category`,
//! `tags` (`|`-separated), `currency`, `stock`, `image_url`, `active`
//! (`true`/`false`), `variant_sku`, `variant_name`, `variant_attributes`
//! (`key=value|key=value`), `variant_price_minor`, `variant_stock`,
//! `variant_image_url`.
//! Fields follow RFC 4180 (quoted with `"`, quotes doubled inside, newlines
//! allowed inside quotes; `\n`, `\r\n` or `\r` between rows), read by the
//! `csv` crate; a UTF-8 byte-order mark (spreadsheets write one) is skipped.
//! A row is named in errors by the line of the file it starts on.

use std::collections::BTreeMap;

use super::product::{ProductInput, VariantInput};

/// A UTF-8 byte-order mark, which spreadsheet programs put before a CSV.
const BOM: char = '\u{feff}';

/// Splits CSV text into rows of fields, each with the line it starts on
/// (1-based). Blank lines are skipped; a quoted field left open is an
/// error (the `csv` crate would read the rest of the file into it).
pub fn parse_rows(text: &str) -> Result<Vec<(u64, Vec<String>)>, String> {
    let text = text.strip_prefix(BOM).unwrap_or(text);
    if let Some(line) = unclosed_quote(text) {
        return Err(format!("row {line}: a quoted field is not closed"));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        // Rows may be shorter or longer than the header: missing cells are
        // empty, extra ones ignored.
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| match e.position() {
            Some(at) => format!("row {}: {e}", at.line()),
            None => e.to_string(),
        })?;
        let line = record.position().map_or(0, csv::Position::line);
        let fields: Vec<String> = record.iter().map(str::to_owned).collect();
        if fields.len() == 1 && fields[0].trim().is_empty() {
            continue;
        }
        rows.push((line, fields));
    }
    Ok(rows)
}

/// Splits CSV text into records of fields (see [`parse_rows`]).
pub fn parse_records(text: &str) -> Result<Vec<Vec<String>>, String> {
    Ok(parse_rows(text)?
        .into_iter()
        .map(|(_, fields)| fields)
        .collect())
}

/// The line on which a quoted field opens that is never closed, if one is.
/// A quote opens a field only at its start; inside, `""` is a quote.
fn unclosed_quote(text: &str) -> Option<u64> {
    let (mut line, mut opened_on) = (1, None);
    let mut at_field_start = true;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (opened_on, c) {
            (Some(_), '"') if chars.peek() == Some(&'"') => {
                chars.next();
            }
            (Some(_), '"') => opened_on = None,
            (None, '"') if at_field_start => opened_on = Some(line),
            _ => {}
        }
        if c == '\n' {
            line += 1;
        }
        at_field_start = opened_on.is_none() && matches!(c, ',' | '\n' | '\r');
    }
    opened_on
}

/// The products of a CSV export, in first-appearance order.
pub fn products(text: &str) -> Result<Vec<ProductInput>, String> {
    let mut records = parse_rows(text)?.into_iter();
    let header: Vec<String> = records
        .next()
        .ok_or("the file is empty")?
        .1
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    for required in ["sku", "name", "price_minor"] {
        if !header.iter().any(|h| h == required) {
            return Err(format!("column {required:?} is missing"));
        }
    }
    let mut products: Vec<ProductInput> = Vec::new();
    for (row, record) in records {
        let get = |name: &str| -> Option<String> {
            header
                .iter()
                .position(|h| h == name)
                .and_then(|i| record.get(i))
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let number = |name: &str| -> Result<Option<i64>, String> {
            get(name)
                .map(|v| {
                    v.parse()
                        .map_err(|_| format!("row {row}: {name} is not a number"))
                })
                .transpose()
        };
        let unsigned = |name: &str| -> Result<Option<u32>, String> {
            get(name)
                .map(|v| {
                    v.parse()
                        .map_err(|_| format!("row {row}: {name} is not a count"))
                })
                .transpose()
        };
        let sku = get("sku").ok_or(format!("row {row}: sku is empty"))?;
        let variant = match get("variant_sku") {
            None => None,
            Some(variant_sku) => Some(VariantInput {
                sku: variant_sku,
                name: get("variant_name").unwrap_or_default(),
                attributes: get("variant_attributes")
                    .map(|a| {
                        a.split('|')
                            .filter_map(|pair| pair.split_once('='))
                            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                            .collect()
                    })
                    .unwrap_or_default(),
                price_minor: number("variant_price_minor")?,
                stock: unsigned("variant_stock")?.unwrap_or(0),
                image_url: get("variant_image_url"),
            }),
        };
        if let Some(existing) = products.iter_mut().find(|p| p.sku == sku) {
            match variant {
                Some(variant) => existing.variants.push(variant),
                None => return Err(format!("row {row}: sku {sku:?} appears twice")),
            }
            continue;
        }
        products.push(ProductInput {
            name: get("name").ok_or(format!("row {row}: name is empty"))?,
            description: get("description").unwrap_or_default(),
            category: get("category").unwrap_or_default(),
            tags: get("tags")
                .map(|t| t.split('|').map(str::to_owned).collect())
                .unwrap_or_default(),
            related_categories: vec![],
            attributes: BTreeMap::new(),
            images: get("image_url").into_iter().collect(),
            translations: BTreeMap::new(),
            price_minor: number("price_minor")?
                .ok_or(format!("row {row}: price_minor is empty"))?,
            currency: get("currency"),
            max_per_order: None,
            active: get("active").map(|a| a != "false"),
            stock: if variant.is_some() {
                None
            } else {
                unsigned("stock")?
            },
            variants: variant.into_iter().collect(),
            sku,
        });
    }
    Ok(products)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_keep_commas_quotes_and_newlines() {
        let records =
            parse_records("a,\"b, c\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",x,\n").unwrap();

        assert_eq!(records[0], ["a", "b, c", "say \"hi\""]);
        assert_eq!(records[1], ["two\nlines", "x", ""]);
        assert_eq!(
            parse_records("a\nb,\"open\nc\n").unwrap_err(),
            "row 2: a quoted field is not closed"
        );
        // A quote inside an unquoted field is only a character.
        assert_eq!(
            parse_records("5\" screen,x\n").unwrap(),
            [["5\" screen", "x"]]
        );
    }

    #[test]
    fn a_byte_order_mark_before_the_header_is_skipped() {
        let csv = "\u{feff}sku,name,price_minor\r\nMUG,Mug,2500\r\n";

        let products = products(csv).unwrap();

        assert_eq!(products.len(), 1);
        assert_eq!(products[0].sku, "MUG");
        assert_eq!(products[0].price_minor, 2500);
    }

    #[test]
    fn a_quoted_newline_stays_in_its_field_and_rows_are_named_by_their_line() {
        let csv = "sku,name,description,price_minor\n\
                   MUG,Mug,\"Holds tea.\nDishwasher safe.\",2500\n\
                   CUP,Cup,,cheap\n";

        let error = products(csv).unwrap_err();
        let first = products(&csv.replace("cheap", "900")).unwrap();

        assert_eq!(first[0].description, "Holds tea.\nDishwasher safe.");
        assert_eq!(first[1].sku, "CUP");
        assert_eq!(error, "row 4: price_minor is not a number");
    }

    #[test]
    fn rows_with_one_sku_become_one_product_with_variants() {
        let csv = "sku,name,price_minor,tags,stock,variant_sku,variant_name,variant_attributes,variant_stock\n\
                   TEE,Tee,4990,cotton|summer,,TEE-M,M,size=M,3\n\
                   TEE,Tee,4990,,,TEE-L,L,size=L,0\n\
                   MUG,Mug,2500,,7,,,,\n";

        let products = products(csv).unwrap();

        assert_eq!(products.len(), 2);
        assert_eq!(products[0].variants.len(), 2);
        assert_eq!(products[0].variants[1].attributes["size"], "L");
        assert_eq!(products[0].tags, ["cotton", "summer"]);
        assert_eq!(products[1].stock, Some(7));
    }

    #[test]
    fn missing_columns_and_bad_numbers_are_reported_with_their_row() {
        assert!(
            products("sku,name\nA,B\n")
                .unwrap_err()
                .contains("price_minor")
        );
        assert_eq!(
            products("sku,name,price_minor\nA,B,cheap\n").unwrap_err(),
            "row 2: price_minor is not a number"
        );
    }
}
