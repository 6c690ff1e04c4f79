//! Tool arguments as small models write them, brought to the tool's JSON
//! Schema where that is safe, or a clear reason why not for the model.
//!
//! Safe fixes: a number or boolean written as a string (`"limit": "5"`,
//! `"quantity": "two"`, `"in_stock_only": "yes"`), a whole number written
//! as `5.0`, a single value where a list is wanted, arguments double-encoded
//! as a JSON string or with trailing commas, `camelCase` field names, an
//! enum value in another case, a `limit` above its maximum (lowered to it),
//! and fields the tool does not have (dropped: no tool takes a price).
//! Everything else is an error for the model to correct: a missing required
//! field, a value below its minimum (a quantity of 0), text where a number
//! is needed.

use serde_json::{Map, Value};

/// Number words (1–10, and 12) in the shops' languages, for quantities.
const NUMBER_WORDS: &[(&str, i64)] = &[
    ("one", 1),
    ("a", 1),
    ("an", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("dozen", 12),
    ("uno", 1),
    ("una", 1),
    ("un", 1),
    ("dos", 2),
    ("tres", 3),
    ("cuatro", 4),
    ("cinco", 5),
    ("seis", 6),
    ("siete", 7),
    ("ocho", 8),
    ("nueve", 9),
    ("diez", 10),
    ("um", 1),
    ("uma", 1),
    ("dois", 2),
    ("duas", 2),
    ("três", 3),
    ("quatro", 4),
    ("sete", 7),
    ("oito", 8),
    ("nove", 9),
    ("dez", 10),
    ("une", 1),
    ("deux", 2),
    ("trois", 3),
    ("quatre", 4),
    ("cinq", 5),
    ("six", 6),
    ("sept", 7),
    ("huit", 8),
    ("neuf", 9),
    ("dix", 10),
    ("ein", 1),
    ("eine", 1),
    ("eins", 1),
    ("zwei", 2),
    ("drei", 3),
    ("vier", 4),
    ("fünf", 5),
    ("sechs", 6),
    ("sieben", 7),
    ("acht", 8),
    ("neun", 9),
    ("zehn", 10),
    ("due", 2),
    ("tre", 3),
    ("quattro", 4),
    ("sei", 6),
    ("sette", 7),
    ("otto", 8),
    ("dieci", 10),
];

/// The arguments the model wrote, fixed to `schema`, and what was fixed;
/// or why they cannot be used.
pub fn coerce(arguments: &str, schema: &Value) -> Result<(Value, Vec<String>), String> {
    let mut fixes = Vec::new();
    let value = parse_lenient(arguments, &mut fixes)?;
    let value = match value {
        Value::Null => Value::Object(Map::new()),
        Value::Object(_) => value,
        // `"sneakers"` for a tool with one required field: that field.
        scalar @ (Value::String(_) | Value::Number(_)) => match only_required(schema) {
            Some(field) => {
                fixes.push(format!("took the bare value as `{field}`"));
                Value::Object(Map::from_iter([(field.to_owned(), scalar)]))
            }
            None => return Err("the arguments must be a JSON object".to_owned()),
        },
        _ => return Err("the arguments must be a JSON object".to_owned()),
    };
    let value = fit(value, schema, "", &mut fixes)?;
    Ok((value, fixes))
}

/// JSON as models write it: double-encoded, fenced, with trailing commas.
fn parse_lenient(text: &str, fixes: &mut Vec<String>) -> Result<Value, String> {
    let trimmed = text
        .trim()
        .trim_start_matches("```json")
        .trim_start_matches("```")
        .trim_end_matches("```")
        .trim();
    if trimmed.is_empty() {
        return Ok(Value::Null);
    }
    let parsed = serde_json::from_str::<Value>(trimmed).or_else(|error| {
        let without_trailing_commas = regex_free_trailing_commas(trimmed);
        serde_json::from_str::<Value>(&without_trailing_commas)
            .inspect(|_| fixes.push("removed trailing commas".to_owned()))
            .map_err(|_| format!("the arguments are not valid JSON ({error})"))
    })?;
    match parsed {
        Value::String(inner) if inner.trim_start().starts_with(['{', '[']) => {
            fixes.push("decoded arguments written as a JSON string".to_owned());
            serde_json::from_str(&inner)
                .map_err(|error| format!("the arguments are not valid JSON ({error})"))
        }
        other => Ok(other),
    }
}

/// `text` without commas right before a closing brace or bracket (outside
/// strings).
fn regex_free_trailing_commas(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for (i, &c) in chars.iter().enumerate() {
        if in_string {
            escaped = !escaped && c == '\\';
            if c == '"' && !escaped {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        } else if c == ',' {
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if matches!(next, Some('}' | ']') | None) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

fn only_required(schema: &Value) -> Option<&str> {
    match schema.get("required")?.as_array()?.as_slice() {
        [one] => one.as_str(),
        _ => None,
    }
}

/// The types a schema allows, without `null`.
fn types(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect(),
        _ => Vec::new(),
    }
}

fn shown(path: &str) -> &str {
    if path.is_empty() {
        "the arguments"
    } else {
        path
    }
}

/// `value` fitted to `schema` at `path` (for messages).
fn fit(value: Value, schema: &Value, path: &str, fixes: &mut Vec<String>) -> Result<Value, String> {
    if value.is_null() {
        return Ok(value);
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(options)) = schema.get(key) {
            let mut last_error = None;
            for option in options.iter().filter(|o| o["type"] != "null") {
                let mut tried = Vec::new();
                match fit(value.clone(), option, path, &mut tried) {
                    Ok(fitted) => {
                        fixes.extend(tried);
                        return Ok(fitted);
                    }
                    Err(error) => last_error = Some(error),
                }
            }
            return Err(last_error.unwrap_or_else(|| format!("{} has no valid shape", shown(path))));
        }
    }
    let value = match types(schema).first().copied() {
        Some("object") => fit_object(value, schema, path, fixes)?,
        Some("array") => fit_array(value, schema, path, fixes)?,
        Some("integer") => fit_integer(value, path, fixes)?,
        Some("number") => fit_number(value, path, fixes)?,
        Some("boolean") => fit_boolean(value, path, fixes)?,
        Some("string") => fit_string(value, path, fixes)?,
        _ => value,
    };
    let value = fit_enum(value, schema, path, fixes)?;
    fit_range(value, schema, path, fixes)
}

fn fit_object(
    value: Value,
    schema: &Value,
    path: &str,
    fixes: &mut Vec<String>,
) -> Result<Value, String> {
    let value = match value {
        Value::String(text) if text.trim_start().starts_with('{') => {
            serde_json::from_str(&text).map_err(|_| format!("{} must be an object", shown(path)))?
        }
        other => other,
    };
    let Value::Object(map) = value else {
        return Err(format!("{} must be an object", shown(path)));
    };
    let empty = Map::new();
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut fitted = Map::new();
    for (key, field) in map {
        let name = if properties.contains_key(&key) {
            key
        } else {
            let snake = snake_case(&key);
            if properties.contains_key(&snake) {
                fixes.push(format!("renamed `{key}` to `{snake}`"));
                snake
            } else {
                fixes.push(format!(
                    "dropped `{}`, which the tool does not take",
                    join(path, &key)
                ));
                continue;
            }
        };
        let field = fit(field, &properties[&name], &join(path, &name), fixes)?;
        if !field.is_null() {
            fitted.insert(name, field);
        }
    }
    let missing: Vec<String> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|field| !fitted.contains_key(*field))
        .map(|field| format!("`{}`", join(path, field)))
        .collect();
    if !missing.is_empty() {
        return Err(format!("missing required {}", missing.join(", ")));
    }
    Ok(Value::Object(fitted))
}

fn fit_array(
    value: Value,
    schema: &Value,
    path: &str,
    fixes: &mut Vec<String>,
) -> Result<Value, String> {
    let items = match value {
        Value::Array(items) => items,
        Value::String(text) if text.trim_start().starts_with('[') => {
            serde_json::from_str(&text).map_err(|_| format!("{} must be a list", shown(path)))?
        }
        single => {
            fixes.push(format!("made `{}` a list", shown(path)));
            vec![single]
        }
    };
    let item_schema = schema.get("items").cloned().unwrap_or(Value::Null);
    let items = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| fit(item, &item_schema, &format!("{path}[{i}]"), fixes))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
        && (items.len() as u64) < min
    {
        return Err(format!("{} needs at least {min} item(s)", shown(path)));
    }
    Ok(Value::Array(items))
}

fn fit_integer(value: Value, path: &str, fixes: &mut Vec<String>) -> Result<Value, String> {
    let whole = |n: f64| (n.fract() == 0.0 && n.abs() < 1e15).then_some(n as i64);
    let number = match &value {
        Value::Number(n) if n.is_i64() || n.is_u64() => return Ok(value),
        Value::Number(n) => n.as_f64().and_then(whole),
        Value::String(text) => {
            let text = text.trim().to_lowercase();
            text.parse::<i64>()
                .ok()
                .or_else(|| text.replace(',', ".").parse::<f64>().ok().and_then(whole))
                .or_else(|| {
                    NUMBER_WORDS
                        .iter()
                        .find(|(word, _)| *word == text)
                        .map(|(_, n)| *n)
                })
        }
        _ => None,
    };
    let Some(number) = number else {
        return Err(format!(
            "{} must be a whole number, not {value}",
            shown(path)
        ));
    };
    fixes.push(format!("read `{}` {value} as {number}", shown(path)));
    Ok(Value::from(number))
}

fn fit_number(value: Value, path: &str, fixes: &mut Vec<String>) -> Result<Value, String> {
    let Value::String(text) = &value else {
        return match value {
            Value::Number(_) => Ok(value),
            _ => Err(format!("{} must be a number, not {value}", shown(path))),
        };
    };
    // "49,90 €", "$50": the figure, with a decimal comma when there is no point.
    let digits: String = text
        .trim()
        .chars()
        .filter(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-'))
        .collect();
    let digits = if digits.contains('.') {
        digits.replace(',', "")
    } else {
        digits.replace(',', ".")
    };
    match digits
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
    {
        Some(number) if !digits.is_empty() => {
            fixes.push(format!("read `{}` {value} as {number}", shown(path)));
            Ok(Value::Number(number))
        }
        _ => Err(format!("{} must be a number, not {value}", shown(path))),
    }
}

fn fit_boolean(value: Value, path: &str, fixes: &mut Vec<String>) -> Result<Value, String> {
    let truth = match &value {
        Value::Bool(_) => return Ok(value),
        Value::String(text) => match text.trim().to_lowercase().as_str() {
            "true" | "yes" | "y" | "1" | "sí" | "si" | "sim" | "oui" | "ja" => Some(true),
            "false" | "no" | "n" | "0" | "não" | "nao" | "non" | "nein" => Some(false),
            _ => None,
        },
        Value::Number(n) if n.as_i64() == Some(1) => Some(true),
        Value::Number(n) if n.as_i64() == Some(0) => Some(false),
        _ => None,
    };
    let Some(truth) = truth else {
        return Err(format!(
            "{} must be true or false, not {value}",
            shown(path)
        ));
    };
    fixes.push(format!("read `{}` {value} as {truth}", shown(path)));
    Ok(Value::Bool(truth))
}

fn fit_string(value: Value, path: &str, fixes: &mut Vec<String>) -> Result<Value, String> {
    match value {
        Value::String(_) => Ok(value),
        Value::Number(n) => {
            fixes.push(format!("read `{}` {n} as text", shown(path)));
            Ok(Value::String(n.to_string()))
        }
        other => Err(format!("{} must be text, not {other}", shown(path))),
    }
}

fn fit_enum(
    value: Value,
    schema: &Value,
    path: &str,
    fixes: &mut Vec<String>,
) -> Result<Value, String> {
    let allowed = match (schema.get("enum"), schema.get("const")) {
        (Some(Value::Array(allowed)), _) => allowed.clone(),
        (_, Some(one)) => vec![one.clone()],
        _ => return Ok(value),
    };
    if allowed.contains(&value) {
        return Ok(value);
    }
    let wanted = value.as_str().map(|s| s.trim().to_lowercase());
    match allowed
        .iter()
        .find(|a| a.as_str().map(str::to_lowercase) == wanted && wanted.is_some())
    {
        Some(found) => {
            fixes.push(format!("read `{}` {value} as {found}", shown(path)));
            Ok(found.clone())
        }
        None => Err(format!(
            "{} must be one of {}",
            shown(path),
            Value::Array(allowed)
        )),
    }
}

fn fit_range(
    value: Value,
    schema: &Value,
    path: &str,
    fixes: &mut Vec<String>,
) -> Result<Value, String> {
    let Some(number) = value.as_f64() else {
        return Ok(value);
    };
    if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
        && number < min
    {
        return Err(format!(
            "{} must be at least {min}, not {value}",
            shown(path)
        ));
    }
    match schema.get("maximum") {
        Some(max) if max.as_f64().is_some_and(|max| number > max) => {
            fixes.push(format!("lowered `{}` {value} to {max}", shown(path)));
            Ok(max.clone())
        }
        _ => Ok(value),
    }
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_owned()
    } else {
        format!("{path}.{field}")
    }
}

fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        match c {
            '-' | ' ' => out.push('_'),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;
    use crate::tools;

    fn schema(tool: &str) -> Value {
        tools::specs()
            .into_iter()
            .find(|s| s.name == tool)
            .unwrap()
            .parameters
    }

    fn fixed(tool: &str, arguments: &str) -> Value {
        coerce(arguments, &schema(tool))
            .unwrap_or_else(|e| panic!("{arguments}: {e}"))
            .0
    }

    fn refused(tool: &str, arguments: &str) -> String {
        coerce(arguments, &schema(tool)).unwrap_err()
    }

    #[test]
    fn numbers_and_booleans_written_as_text_are_read() {
        assert_eq!(
            fixed(
                tools::SEARCH_PRODUCTS,
                r#"{"query": "sneakers", "limit": "5", "max_price": "49,90 €", "in_stock_only": "yes"}"#
            ),
            json!({"query": "sneakers", "limit": 5, "max_price": 49.9, "in_stock_only": true})
        );
    }

    #[test]
    fn quantities_in_words_and_single_items_are_read() {
        let got = fixed(
            tools::CREATE_ORDER,
            r#"{"items": {"productId": "p1", "quantity": "two", "price": 10}}"#,
        );
        assert_eq!(got, json!({"items": [{"product_id": "p1", "quantity": 2}]}));
        let got = fixed(
            tools::CREATE_ORDER,
            r#"{"items": [{"product_id": "p1", "quantity": "dos"}]}"#,
        );
        assert_eq!(got["items"][0]["quantity"], 2);
    }

    #[test]
    fn extra_fields_are_dropped_and_a_limit_above_the_maximum_lowered() {
        let (got, fixes) = coerce(
            r#"{"query": "dress", "limit": 50.0, "sort": "price", "currency": "EUR",}"#,
            &schema(tools::SEARCH_PRODUCTS),
        )
        .unwrap();
        assert_eq!(got, json!({"query": "dress", "limit": 10}));
        assert!(
            fixes.iter().any(|f| f.contains("dropped `sort`")),
            "{fixes:?}"
        );
        assert!(
            fixes.iter().any(|f| f.contains("trailing commas")),
            "{fixes:?}"
        );
    }

    #[test]
    fn double_encoded_and_bare_arguments_are_read() {
        assert_eq!(
            fixed(tools::SEARCH_PRODUCTS, r#""{\"query\": \"boots\"}""#),
            json!({"query": "boots"})
        );
        assert_eq!(
            fixed(tools::GET_PRODUCT, r#""p-42""#),
            json!({"product_id": "p-42"})
        );
        assert_eq!(fixed(tools::GET_CUSTOMER_ORDERS, ""), json!({}));
    }

    #[test]
    fn enums_in_another_case_are_read() {
        let got = fixed(
            tools::RECOMMEND_PRODUCTS,
            r#"{"product_ids": "p1", "relation": "Similar"}"#,
        );
        assert_eq!(got, json!({"product_ids": ["p1"], "relation": "similar"}));
    }

    #[test]
    fn what_cannot_be_guessed_is_an_error_naming_the_field() {
        assert_eq!(
            refused(tools::CREATE_ORDER, r#"{"items": [{"product_id": "p1"}]}"#),
            "missing required `items[0].quantity`"
        );
        assert!(refused(tools::SEARCH_PRODUCTS, r#"{"limit": 3}"#).contains("`query`"));
        assert!(
            refused(
                tools::CREATE_ORDER,
                r#"{"items": [{"product_id": "p1", "quantity": "lots"}]}"#
            )
            .contains("items[0].quantity must be a whole number")
        );
        assert!(
            refused(
                tools::CREATE_ORDER,
                r#"{"items": [{"product_id": "p1", "quantity": 0}]}"#
            )
            .contains("at least 1")
        );
        assert!(refused(tools::SEARCH_PRODUCTS, r#"{"query": "#).contains("not valid JSON"));
        assert!(refused(tools::CREATE_ORDER, "[1, 2]").contains("JSON object"));
    }
}
