//! The alerts and the dashboard against the code: every metric an alert or
//! a panel queries is one a service exports, every alert is complete and has
//! its runbook, and every runbook belongs to an alert. (The chart renders
//! the same rules and dashboard: scripts/check-helm.sh.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
};

use serde_json::Value;

use crate::compose::{read, root};

/// PromQL words that are not metric names.
const KEYWORDS: [&str; 6] = ["and", "or", "unless", "bool", "offset", "inf"];

/// Metric names Prometheus itself provides for every target.
const PROMETHEUS_OWN: [&str; 1] = ["up"];

/// The metric names a PromQL expression reads: what is left once label
/// matchers, grouping clauses, ranges, strings, numbers, functions and
/// operators are taken out.
fn metric_names(expr: &str) -> BTreeSet<String> {
    let mut text = String::with_capacity(expr.len());
    let mut depth = 0usize;
    let mut in_string = false;
    for c in expr.chars() {
        match c {
            '"' => in_string = !in_string,
            '{' | '[' if !in_string => depth += 1,
            '}' | ']' if !in_string => depth = depth.saturating_sub(1),
            _ if in_string || depth > 0 => {}
            _ => text.push(c),
        }
    }
    for clause in [
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
    ] {
        // `by (a, b)`: drop the clause and its label list (`group_left`
        // may have none).
        while let Some(at) = find_word(&text, clause) {
            let rest = &text[at + clause.len()..];
            let end = if rest.trim_start().starts_with('(') {
                rest.find(')').map_or(rest.len(), |i| i + 1)
            } else {
                0
            };
            text.replace_range(at..at + clause.len() + end, " ");
        }
    }
    let mut names = BTreeSet::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if !(c.is_ascii_alphabetic() || c == '_' || c == ':') {
            continue;
        }
        let mut end = start + c.len_utf8();
        while let Some((i, c)) = chars.peek().copied() {
            if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
                end = i + c.len_utf8();
                chars.next();
            } else {
                break;
            }
        }
        let word = &text[start..end];
        let is_function = text[end..].trim_start().starts_with('(');
        let is_number_part = text[..start].ends_with(|c: char| c.is_ascii_digit());
        if !is_function && !is_number_part && !KEYWORDS.contains(&word) {
            names.insert(word.to_owned());
        }
    }
    names
}

/// Where `word` occurs on its own in `text`.
fn find_word(text: &str, word: &str) -> Option<usize> {
    text.match_indices(word).map(|(i, _)| i).find(|&i| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        let apart = |c: Option<char>| c.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'));
        apart(before) && apart(after)
    })
}

/// Every Rust source under `dir`, concatenated.
fn rust_sources(dir: &Path, out: &mut String) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
        }
    }
}

/// Whether the services' code registers `metric` (a histogram's series
/// `_bucket`, `_count` and `_sum` belong to it).
fn exported(sources: &str, metric: &str) -> bool {
    let base = ["_bucket", "_count", "_sum"]
        .iter()
        .find_map(|suffix| metric.strip_suffix(suffix))
        .filter(|base| sources.contains(&format!("\"{base}\"")))
        .unwrap_or(metric);
    PROMETHEUS_OWN.contains(&metric) || sources.contains(&format!("\"{base}\""))
}

fn sources() -> String {
    let mut sources = String::new();
    rust_sources(&root().join("shared"), &mut sources);
    rust_sources(&root().join("services"), &mut sources);
    sources
}

fn alerts() -> Vec<Value> {
    let rules: Value = serde_saphyr::from_str(&read("helm/agent-store/files/alerts.yml")).unwrap();
    rules["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_array().unwrap().clone())
        .collect()
}

fn runbooks_dir() -> PathBuf {
    root().join("docs/runbooks")
}

#[test]
fn the_metric_names_of_an_expression_are_found_and_nothing_else() {
    let names = metric_names(
        r#"sum by (service, route) (rate(http_requests_total{route=~"/webhooks/.*", status=~"5.."}[5m]))
             / on (service) group_left sum without (le) (rate(a_seconds_bucket[5m] offset 1h)) > 0.05
           and histogram_quantile(0.95, x_total) > 1e3 unless up == 0"#,
    );

    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        ["a_seconds_bucket", "http_requests_total", "up", "x_total"]
    );
}

#[test]
fn every_metric_the_alerts_and_the_dashboard_query_is_exported_by_a_service() {
    let sources = sources();
    let dashboard: Value =
        serde_json::from_str(&read("helm/agent-store/files/agent-store-dashboard.json")).unwrap();
    let panels = dashboard["panels"].as_array().unwrap();
    let mut queried = BTreeSet::new();
    for target in panels
        .iter()
        .flat_map(|p| p["targets"].as_array().into_iter().flatten())
    {
        queried.extend(metric_names(target["expr"].as_str().unwrap_or_default()));
    }
    let from_dashboard = queried.len();
    for alert in alerts() {
        queried.extend(metric_names(alert["expr"].as_str().unwrap()));
    }

    let missing: Vec<_> = queried.iter().filter(|m| !exported(&sources, m)).collect();
    assert!(
        from_dashboard >= 15,
        "few metrics in the dashboard: {queried:?}"
    );
    for wanted in [
        "http_requests_total",
        "store_queue_messages",
        "store_dead_letter_messages",
    ] {
        assert!(queried.contains(wanted), "nothing queries {wanted}");
    }
    assert!(missing.is_empty(), "no service exports {missing:?}");
    assert!(
        !exported(&sources, "store_made_up_total"),
        "the check can fail"
    );
}

#[test]
fn every_alert_is_complete_and_has_its_runbook_and_every_runbook_an_alert() {
    let alerts = alerts();
    let mut linked = BTreeSet::new();
    for alert in &alerts {
        let name = alert["alert"].as_str().unwrap();
        for field in ["expr", "for"] {
            assert!(alert[field].is_string(), "{name} has no {field}");
        }
        assert!(
            ["warning", "critical"].contains(&alert["labels"]["severity"].as_str().unwrap_or("")),
            "{name}'s severity"
        );
        for field in ["summary", "description", "runbook_url"] {
            assert!(
                alert["annotations"][field].is_string(),
                "{name} has no {field}"
            );
        }
        let url = alert["annotations"]["runbook_url"].as_str().unwrap();
        let file = url
            .strip_prefix("docs/runbooks/")
            .unwrap_or_else(|| panic!("{name}: {url}"));
        let runbook = std::fs::read_to_string(runbooks_dir().join(file))
            .unwrap_or_else(|e| panic!("{name}'s runbook {url}: {e}"));
        assert!(
            runbook.starts_with(&format!("# {name}\n")),
            "{url} is not {name}'s"
        );
        for part in ["**What it means.**", "**How to look.**", "**How to fix.**"] {
            assert!(runbook.contains(part), "{url} lacks {part}");
        }
        linked.insert(file.to_owned());
    }
    let index = std::fs::read_to_string(runbooks_dir().join("README.md")).unwrap();
    for entry in std::fs::read_dir(runbooks_dir()).unwrap().flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        if file != "README.md" {
            assert!(linked.contains(&file), "no alert links {file}");
            assert!(
                index.contains(&format!("({file})")),
                "README.md does not list {file}"
            );
        }
    }
    assert!(alerts.len() >= 8, "{} alerts", alerts.len());
}

#[test]
fn the_compose_prometheus_loads_the_alerts_file_it_mounts() {
    let prometheus: Value = serde_saphyr::from_str(&read("deploy/prometheus.yml")).unwrap();
    let compose = read("docker-compose.yml");
    let rule_files: Vec<&str> = prometheus["rule_files"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();

    assert_eq!(rule_files, ["/etc/prometheus/alerts.yml"]);
    assert!(compose.contains("./helm/agent-store/files/alerts.yml:/etc/prometheus/alerts.yml:ro"));
}
