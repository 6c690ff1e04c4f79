//! A shop's CSV export turned into products: one row per variant (or per
//! product without variants); rows sharing a `sku` are one product.
//!
//! Columns (header row required, order free, unknown columns ignored):
//! `sku`, `name`, `price_minor` (required); `description`, `category`,
//! `tags` (`|`-separated), `currency`, `stock`, `image_url`, `active`
//! (`true`/`false`), `variant_sku`, `variant_name`, `variant_attributes`
//! (`key=value|key=value`), `variant_price_minor`, `variant_stock`.
//! Fields follow RFC 4180: quoted with `"`, quotes doubled inside.

use std::collections::BTreeMap;

use super::product::{ProductInput, VariantInput};

/// Splits CSV text into records of fields (RFC 4180, `\n` or `\r\n`).
pub fn parse_records(text: &str) -> Result<Vec<Vec<String>>, String> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err("a quoted field is not closed".to_owned());
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records.retain(|r| !(r.len() == 1 && r[0].trim().is_empty()));
    Ok(records)
}

/// The products of a CSV export, in first-appearance order.
pub fn products(text: &str) -> Result<Vec<ProductInput>, String> {
    let mut records = parse_records(text)?.into_iter();
    let header: Vec<String> = records
        .next()
        .ok_or("the file is empty")?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    for required in ["sku", "name", "price_minor"] {
        if !header.iter().any(|h| h == required) {
            return Err(format!("column {required:?} is missing"));
        }
    }
    let mut products: Vec<ProductInput> = Vec::new();
    for (index, record) in records.enumerate() {
        let row = index + 2;
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
        assert!(parse_records("\"open").is_err());
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
