//! `docker-compose.yml`, the `Dockerfile` and `deploy/` checked where no
//! Docker engine runs: the compose file against the Compose Specification's
//! JSON schema (vendored in `tests/compose-spec/`), then the references
//! between the files: `depends_on` targets and conditions, build targets,
//! mounted files, named volumes, seller brands against the tenant file,
//! Prometheus scrape targets, and the metrics the Grafana dashboard plots.
//! Which binary each image holds, and that compose and the chart start images
//! that hold it, is `scripts/check-images.sh`'s (it renders the chart).
//!
//! Each check returns the problems it finds; the tests at the bottom break
//! copies of the compose file on purpose to show every check can fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

use serde_json::Value;

pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub(crate) fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A compose file as Compose reads it: YAML anchors resolved and `<<` merge
/// keys applied (serde-saphyr applies them, nested ones included), as JSON
/// for the schema.
fn parse_compose(text: &str) -> Result<Value, String> {
    yaml(text)
}

/// A YAML document as JSON.
fn yaml(text: &str) -> Result<Value, String> {
    serde_saphyr::from_str(text).map_err(|e| format!("not YAML: {e}"))
}

/// A Go duration (`10s`, `1m30s`, `500ms`), the schema's `duration` format.
fn is_duration(text: &str) -> bool {
    let mut rest = text;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits == 0 {
            return false;
        }
        rest = &rest[digits..];
        let Some(unit) = ["ns", "us", "µs", "ms", "s", "m", "h"]
            .into_iter()
            .filter(|unit| rest.starts_with(unit))
            .max_by_key(|unit| unit.len())
        else {
            return false;
        };
        rest = &rest[unit.len()..];
    }
    true
}

/// Schema violations of `compose`, one line each.
fn schema_problems(compose: &Value) -> Vec<String> {
    let schema: Value = serde_json::from_str(&read("tests/compose-spec/compose-spec.json"))
        .expect("the vendored schema is JSON");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .with_format("duration", is_duration)
        .build(&schema)
        .expect("the vendored schema compiles");
    validator
        .iter_errors(compose)
        .map(|e| format!("schema: {} at {}", e, e.instance_path()))
        .collect()
}

/// `${NAME:-default}` and `${NAME-default}` become the default, `${NAME}` an
/// empty string: the value with no environment set.
fn with_defaults(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let inner = &rest[start + 2..start + len];
        if let Some((_, default)) = inner.split_once(":-").or_else(|| inner.split_once('-')) {
            out.push_str(default);
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

fn services(compose: &Value) -> &serde_json::Map<String, Value> {
    compose["services"].as_object().expect("services is a map")
}

/// A service's environment as a map, whether written as a map or a list.
fn environment(service: &Value) -> BTreeMap<String, String> {
    match &service["environment"] {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                (k.clone(), with_defaults(&v))
            })
            .collect(),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(|item| {
                let (k, v) = item.split_once('=').unwrap_or((item, ""));
                (k.to_owned(), with_defaults(v))
            })
            .collect(),
        _ => BTreeMap::new(),
    }
}

fn depends_on(service: &Value) -> BTreeMap<String, String> {
    match &service["depends_on"] {
        Value::Array(names) => names
            .iter()
            .filter_map(Value::as_str)
            .map(|n| (n.to_owned(), "service_started".to_owned()))
            .collect(),
        Value::Object(map) => map
            .iter()
            .map(|(name, spec)| {
                let condition = spec["condition"].as_str().unwrap_or("service_started");
                (name.clone(), condition.to_owned())
            })
            .collect(),
        _ => BTreeMap::new(),
    }
}

fn profiles(service: &Value) -> Vec<&str> {
    service["profiles"]
        .as_array()
        .map(|p| p.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The `FROM … AS <name>` stages of a Dockerfile.
fn dockerfile_stages(dockerfile: &str) -> BTreeSet<String> {
    dockerfile
        .lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                [from, .., as_, name]
                    if from.eq_ignore_ascii_case("FROM") && as_.eq_ignore_ascii_case("AS") =>
                {
                    Some((*name).to_owned())
                }
                _ => None,
            }
        })
        .collect()
}

/// The brands of each tenant of a tenant file.
fn tenant_brands(tenants_yaml: &str) -> BTreeMap<String, BTreeSet<String>> {
    let file: Value = serde_saphyr::from_str(tenants_yaml).expect("tenant file is YAML");
    file["tenants"]
        .as_array()
        .expect("tenants is a list")
        .iter()
        .map(|tenant| {
            let id = tenant["id"].as_str().expect("tenant id").to_owned();
            let brands = tenant["brands"]
                .as_array()
                .map(|b| {
                    b.iter()
                        .filter_map(|b| b["id"].as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            (id, brands)
        })
        .collect()
}

/// Everything wrong in the references of `compose` to itself, to the
/// Dockerfile and to the files of the repository under `repo`.
fn reference_problems(compose: &Value, repo: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let services = services(compose);
    let stages = std::fs::read_to_string(repo.join("Dockerfile"))
        .map(|d| dockerfile_stages(&d))
        .unwrap_or_default();
    let declared_volumes: BTreeSet<&str> = compose["volumes"]
        .as_object()
        .map(|v| v.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let mut image_targets: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();

    for (name, service) in services {
        // depends_on: the target exists, is not behind a profile this
        // service does not share, and can satisfy the condition.
        for (target, condition) in depends_on(service) {
            let Some(dependency) = services.get(&target) else {
                problems.push(format!("{name}: depends_on unknown service {target}"));
                continue;
            };
            let theirs = profiles(dependency);
            if !theirs.is_empty() && !profiles(service).iter().any(|p| theirs.contains(p)) {
                problems.push(format!(
                    "{name}: depends_on {target}, which only runs with profile(s) {theirs:?}"
                ));
            }
            match condition.as_str() {
                "service_healthy" if dependency.get("healthcheck").is_none() => problems.push(
                    format!("{name}: waits for {target} to be healthy, but it has no healthcheck"),
                ),
                "service_completed_successfully"
                    if !matches!(dependency["restart"].as_str(), None | Some("no")) =>
                {
                    problems.push(format!(
                        "{name}: waits for {target} to complete, but it restarts"
                    ));
                }
                _ => {}
            }
        }

        // build: our images come from a stage of our Dockerfile.
        if let Some(build) = service.get("build") {
            let target = build["target"].as_str().unwrap_or_default();
            if !stages.contains(target) {
                problems.push(format!(
                    "{name}: build target {target:?} is not a stage of the Dockerfile"
                ));
            }
            let context = build["context"].as_str().unwrap_or(".");
            let dockerfile = build["dockerfile"].as_str().unwrap_or("Dockerfile");
            if !repo.join(context).join(dockerfile).is_file() {
                problems.push(format!(
                    "{name}: no {dockerfile} in build context {context}"
                ));
            }
            if let Some(image) = service["image"].as_str() {
                image_targets
                    .entry(with_defaults(image))
                    .or_default()
                    .insert(target.to_owned());
            }
        } else if service["image"]
            .as_str()
            .is_some_and(|i| i.starts_with("agent-store/"))
        {
            problems.push(format!("{name}: our image without a build section"));
        }

        // volumes: bind mounts name files of the repository, named volumes
        // are declared.
        for volume in service["volumes"].as_array().into_iter().flatten() {
            let source = match volume {
                Value::String(s) => s.split(':').next().unwrap_or_default().to_owned(),
                other => other["source"].as_str().unwrap_or_default().to_owned(),
            };
            if source.starts_with('.') || source.starts_with('/') {
                if !repo.join(&source).exists() {
                    problems.push(format!(
                        "{name}: mounts {source}, which is not in the repository"
                    ));
                }
            } else if !source.is_empty() && !declared_volumes.contains(source.as_str()) {
                problems.push(format!("{name}: volume {source} is not declared"));
            }
        }

        // Our services export traces to the collector of this file.
        let env = environment(service);
        if service.get("build").is_some()
            && let Some(endpoint) = env.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        {
            let host = endpoint
                .trim_start_matches("http://")
                .split([':', '/'])
                .next()
                .unwrap_or_default();
            if !services.contains_key(host) {
                problems.push(format!(
                    "{name}: OTLP endpoint {endpoint} is no service here"
                ));
            }
        }
    }

    for (image, targets) in image_targets {
        if targets.len() > 1 {
            problems.push(format!(
                "image {image} is built from several targets: {targets:?}"
            ));
        }
    }

    problems.extend(seller_problems(services, repo));
    problems
}

/// One seller per brand of the tenant file, each serving a brand of its
/// tenant, reading the tenant file that is mounted into it.
fn seller_problems(services: &serde_json::Map<String, Value>, repo: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let tenants = tenant_brands(
        &std::fs::read_to_string(repo.join("config/tenants.demo.yaml")).unwrap_or_default(),
    );
    let mut served = BTreeSet::new();
    for (name, service) in services {
        let env = environment(service);
        let (Some(tenant), Some(brand)) = (env.get("SELLER_TENANT"), env.get("SELLER_BRAND"))
        else {
            continue;
        };
        match tenants.get(tenant) {
            None => problems.push(format!("{name}: tenant {tenant} is not in the tenant file")),
            Some(brands) if !brands.contains(brand) => problems.push(format!(
                "{name}: brand {brand} is not a brand of tenant {tenant}"
            )),
            Some(_) => {}
        }
        if !served.insert((tenant.clone(), brand.clone())) {
            problems.push(format!("{name}: a second seller for {tenant}/{brand}"));
        }
        let file = env
            .get("TENANTS_FILE")
            .cloned()
            .unwrap_or_else(|| "config/tenants.demo.yaml".to_owned());
        let mounted = service["volumes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .any(|v| v.split(':').nth(1) == Some(file.as_str()));
        if !mounted {
            problems.push(format!("{name}: its TENANTS_FILE {file} is not mounted"));
        }
    }
    for (tenant, brands) in &tenants {
        for brand in brands {
            if !served.contains(&(tenant.clone(), brand.clone())) {
                problems.push(format!("no seller for brand {brand} of tenant {tenant}"));
            }
        }
    }
    problems
}

/// Prometheus scrapes hosts that are services here, and every service built
/// from our Dockerfile (one-shot jobs aside).
fn prometheus_problems(compose: &Value, prometheus_yaml: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let services = services(compose);
    let config: Value = serde_saphyr::from_str(prometheus_yaml).expect("prometheus.yml");
    let mut scraped = BTreeSet::new();
    for job in config["scrape_configs"].as_array().into_iter().flatten() {
        for static_config in job["static_configs"].as_array().into_iter().flatten() {
            for target in static_config["targets"].as_array().into_iter().flatten() {
                let target = target.as_str().unwrap_or_default();
                let host = target.split(':').next().unwrap_or_default().to_owned();
                if !services.contains_key(&host) {
                    problems.push(format!("prometheus scrapes {target}, which is no service"));
                }
                scraped.insert(host);
            }
        }
    }
    for (name, service) in services {
        let long_running = !matches!(service["restart"].as_str(), None | Some("no"));
        if service.get("build").is_some() && long_running && !scraped.contains(name) {
            problems.push(format!("prometheus does not scrape {name}"));
        }
    }
    problems
}

fn real_compose() -> Value {
    parse_compose(&read("docker-compose.yml")).expect("docker-compose.yml parses")
}

#[test]
fn compose_file_matches_the_compose_specification() {
    let problems = schema_problems(&real_compose());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn compose_file_references_resolve() {
    let compose = real_compose();
    let mut problems = reference_problems(&compose, &root());
    problems.extend(prometheus_problems(
        &compose,
        &read("deploy/prometheus.yml"),
    ));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn compose_starts_the_documented_stack() {
    let compose = real_compose();
    let services = services(&compose);
    for name in [
        "rabbitmq",
        "postgres",
        "otel-collector",
        "jaeger",
        "prometheus",
        "grafana",
        "seed",
        "catalog",
        "order-processor",
        "gateway",
    ] {
        assert!(services.contains_key(name), "no service {name}");
    }
    // Infrastructure is waited for until healthy, the seed until it is done.
    for name in ["catalog", "order-processor", "gateway"] {
        let deps = depends_on(&services[name]);
        assert_eq!(deps["rabbitmq"], "service_healthy", "{name}");
        assert_eq!(deps["postgres"], "service_healthy", "{name}");
        assert_eq!(deps["seed"], "service_completed_successfully", "{name}");
    }
    assert_eq!(services["seed"]["command"], serde_json::json!(["seed"]));
    // The ollama profile is optional: nothing else needs it.
    assert_eq!(profiles(&services["ollama"]), ["ollama"]);
}

#[test]
fn dockerfile_copies_files_that_exist_and_runs_as_non_root() {
    let dockerfile = read("Dockerfile");
    for line in dockerfile.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let [copy, rest @ ..] = words.as_slice()
            && copy.eq_ignore_ascii_case("COPY")
            && !rest.iter().any(|w| w.starts_with("--from"))
            && rest.len() >= 2
        {
            for source in &rest[..rest.len() - 1] {
                assert!(
                    *source == "." || root().join(source).exists(),
                    "Dockerfile copies {source}, which is not in the repository"
                );
            }
        }
    }
    assert!(
        dockerfile
            .lines()
            .any(|l| l.trim_start().starts_with("USER ")
                && !l.contains("root")
                && !l.contains(" 0")),
        "the runtime image sets a non-root USER"
    );
}

/// The host of a URL or `host:port` endpoint.
fn host_of(endpoint: &str) -> &str {
    let rest = endpoint
        .split_once("://")
        .map_or(endpoint, |(_, rest)| rest);
    rest.split([':', '/']).next().unwrap_or_default()
}

/// Where `service` mounts the repository path `source` (`./…`).
fn mount_target<'a>(service: &'a Value, source: &str) -> Option<&'a str> {
    service["volumes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .find_map(|v| {
            let mut parts = v.split(':');
            (parts.next() == Some(source))
                .then(|| parts.next())
                .flatten()
        })
}

#[test]
fn observability_configs_point_at_services_of_the_compose_file() {
    let compose = real_compose();
    let services = services(&compose);

    // The collector loads the mounted file, whose pipelines use only
    // components it defines, and exports to a service of the stack.
    let collector = &services["otel-collector"];
    let config_path = mount_target(collector, "./deploy/otel-collector.yaml").unwrap();
    let command = collector["command"].to_string();
    assert!(
        command.contains(config_path),
        "{command} does not load {config_path}"
    );
    let otel: Value = serde_saphyr::from_str(&read("deploy/otel-collector.yaml")).unwrap();
    for (_, pipeline) in otel["service"]["pipelines"].as_object().unwrap() {
        for kind in ["receivers", "processors", "exporters"] {
            for component in pipeline[kind].as_array().into_iter().flatten() {
                let component = component.as_str().unwrap();
                assert!(
                    !otel[kind][component].is_null(),
                    "{kind} {component} is not defined"
                );
            }
        }
    }
    for (_, exporter) in otel["exporters"].as_object().unwrap() {
        if let Some(endpoint) = exporter["endpoint"].as_str() {
            assert!(
                services.contains_key(host_of(endpoint)),
                "collector exports to {endpoint}"
            );
        }
    }

    // Grafana: datasources are services here, the dashboard uses them, and
    // the provider reads the directory the dashboards are mounted at.
    let grafana = &services["grafana"];
    let datasources: Value = serde_saphyr::from_str(&read(
        "deploy/grafana/provisioning/datasources/datasources.yaml",
    ))
    .unwrap();
    let mut uids = BTreeSet::new();
    for source in datasources["datasources"].as_array().unwrap() {
        let url = source["url"].as_str().unwrap();
        assert!(services.contains_key(host_of(url)), "datasource {url}");
        uids.insert(source["uid"].as_str().unwrap().to_owned());
    }
    let dashboard: Value =
        serde_json::from_str(&read("helm/agent-store/files/agent-store-dashboard.json")).unwrap();
    for panel in dashboard["panels"].as_array().unwrap() {
        if let Some(uid) = panel["datasource"]["uid"].as_str() {
            assert!(
                uids.contains(uid),
                "panel {} uses datasource {uid}",
                panel["title"]
            );
        }
    }
    let providers: Value = serde_saphyr::from_str(&read(
        "deploy/grafana/provisioning/dashboards/dashboards.yaml",
    ))
    .unwrap();
    let path = providers["providers"][0]["options"]["path"]
        .as_str()
        .unwrap();
    let mounted = mount_target(
        grafana,
        "./helm/agent-store/files/agent-store-dashboard.json",
    );
    assert_eq!(
        mounted.and_then(|m| m.rsplit_once('/')).map(|(dir, _)| dir),
        Some(path)
    );
    assert!(mount_target(grafana, "./deploy/grafana/provisioning").is_some());
}

// --- the checks fail on broken files ----------------------------------------

/// The real compose file with `from` replaced by `to` (which must occur).
fn broken(from: &str, to: &str) -> Value {
    let text = read("docker-compose.yml");
    assert!(text.contains(from), "{from:?} not in docker-compose.yml");
    parse_compose(&text.replacen(from, to, 1)).expect("still YAML")
}

fn all_problems(compose: &Value) -> String {
    let mut problems = schema_problems(compose);
    problems.extend(reference_problems(compose, &root()));
    problems.join("\n")
}

#[test]
fn an_unknown_service_key_breaks_the_schema() {
    let compose = broken("    command: [\"seed\"]", "    comand: [\"seed\"]");
    assert!(all_problems(&compose).contains("comand"));
}

#[test]
fn a_bad_duration_or_condition_breaks_the_schema() {
    let compose = broken("interval: 5s", "interval: five seconds");
    assert!(all_problems(&compose).contains("schema"));
    let compose = broken(
        "condition: service_completed_successfully",
        "condition: service_done",
    );
    assert!(all_problems(&compose).contains("schema"));
}

#[test]
fn a_missing_dependency_is_reported() {
    let compose = broken(
        "    catalog:\n      condition: service_healthy",
        "    catalogue:\n      condition: service_healthy",
    );
    assert!(all_problems(&compose).contains("depends_on unknown service catalogue"));
}

#[test]
fn a_missing_build_target_is_reported() {
    let compose = broken("target: order-processor", "target: orders");
    assert!(all_problems(&compose).contains("\"orders\" is not a stage"));
}

#[test]
fn a_missing_mounted_file_is_reported() {
    let compose = broken("./deploy/prometheus.yml", "./deploy/prometheus.yaml");
    assert!(all_problems(&compose).contains("not in the repository"));
}

#[test]
fn a_seller_for_an_unknown_brand_is_reported() {
    let compose = broken("SELLER_BRAND: gaming", "SELLER_BRAND: toys");
    let problems = all_problems(&compose);
    assert!(problems.contains("brand toys is not a brand of tenant demo"));
    assert!(problems.contains("no seller for brand gaming of tenant demo"));
}

#[test]
fn waiting_for_health_without_a_healthcheck_is_reported() {
    let compose = broken(
        "    healthcheck:\n      test: [\"CMD\", \"wget\", \"-q\", \"--spider\", \"http://127.0.0.1:9090",
        "    x-healthcheck:\n      test: [\"CMD\", \"wget\", \"-q\", \"--spider\", \"http://127.0.0.1:9090",
    );
    assert!(all_problems(&compose).contains("waits for prometheus to be healthy"));
}

#[test]
fn durations_are_go_durations() {
    for ok in ["10s", "1m30s", "500ms", "1.5h"] {
        assert!(is_duration(ok), "{ok}");
    }
    for bad in ["", "10", "s", "ten seconds", "10 s"] {
        assert!(!is_duration(bad), "{bad}");
    }
}
