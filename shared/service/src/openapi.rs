//! The OpenAPI 3.1 document of a service's HTTP API, built with `utoipa`
//! from the service's route table, and `GET /openapi.json` serving it.
//!
//! Each service lists its routes once, as the [`Route`]s of its [`Api`]
//! (method, path, tag, how the caller is recognised, what comes back);
//! [`Api::document`] adds the
//! ops routes every service has (`/healthz`, `/readyz`, `/metrics`,
//! `/openapi.json`, tagged `ops`), a path parameter for every `{name}` of a
//! path, and the security schemes of [`Auth`]. The committed copies are in
//! `docs/openapi/` (`scripts/openapi.sh` writes them); the tests
//! (`tests/tests/it/openapi.rs`) check them against the code, against the
//! OpenAPI 3.1 schema and against the routes the routers declare.

use axum::{body::Bytes, http::header::CONTENT_TYPE, routing::MethodRouter};
use utoipa::openapi::{
    Components, ContentBuilder, HttpMethod, InfoBuilder, OpenApi, OpenApiBuilder, PathItem,
    PathsBuilder, Required, ResponseBuilder, Tag,
    path::{OperationBuilder, ParameterBuilder, ParameterIn},
    schema::{ObjectBuilder, Type},
    security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityRequirement, SecurityScheme},
};

/// How a route recognises its caller (each a security scheme of the document).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// Open: anyone may call it.
    Public,
    /// A tenant's API key of that service (`Authorization: Bearer`).
    ApiKey,
    /// The platform operator's `ADMIN_TOKEN` (`Authorization: Bearer`).
    Operator,
    /// A signed-in inbox session (cookie); a state-changing request also
    /// carries the session's CSRF token (`X-CSRF-Token`, or the form's `csrf`).
    Inbox,
    /// Meta's `X-Hub-Signature-256` with the number's app secret.
    WhatsappSignature,
    /// Meta's subscription check (`hub.verify_token`).
    WhatsappVerify,
    /// Telegram's `X-Telegram-Bot-Api-Secret-Token`.
    TelegramSecret,
    /// Stripe's `Stripe-Signature`.
    StripeSignature,
    /// A web chat session's token (`Authorization: Bearer`).
    Webchat,
}

impl Auth {
    /// The names of the security schemes a request must satisfy together
    /// (none for a public route).
    pub fn schemes(self, method: &str) -> &'static [&'static str] {
        match self {
            Auth::Public => &[],
            Auth::ApiKey => &["tenant_api_key"],
            Auth::Operator => &["operator_token"],
            Auth::Inbox if method == "GET" => &["inbox_session"],
            Auth::Inbox => &["inbox_session", "inbox_csrf"],
            Auth::WhatsappSignature => &["whatsapp_signature"],
            Auth::WhatsappVerify => &["whatsapp_verify_token"],
            Auth::TelegramSecret => &["telegram_secret"],
            Auth::StripeSignature => &["stripe_signature"],
            Auth::Webchat => &["webchat_token"],
        }
    }
}

/// What a route answers with when it succeeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// A JSON body.
    Json,
    /// An HTML page.
    Html,
    /// JavaScript.
    Script,
    /// A style sheet.
    Style,
    /// A PNG picture.
    Png,
    /// CSV.
    Csv,
    /// Plain text (Prometheus' exposition format, Meta's challenge).
    Text,
    /// A stream of server-sent events.
    Events,
    /// A redirect (303) to another page.
    Redirect,
    /// An inbox action: back to the conversation (303) for a form, JSON for
    /// a script that asks for it (`Accept: application/json`).
    Action,
    /// Created (201), JSON.
    Created,
    /// Accepted (202), JSON.
    Accepted,
    /// No content (204).
    NoContent,
    /// No body (200).
    Empty,
}

/// One route: method, path (as the router declares it), tag, how the caller
/// is recognised, what it answers, and a one-line summary.
pub type Route = (
    &'static str,
    &'static str,
    &'static str,
    Auth,
    Reply,
    &'static str,
);

/// The ops routes, tagged `ops`: the skeleton's, and the document itself.
const OPS: &[Route] = &[
    (
        "GET",
        "/healthz",
        "ops",
        Auth::Public,
        Reply::Text,
        "Liveness: the process answers",
    ),
    (
        "GET",
        "/readyz",
        "ops",
        Auth::Public,
        Reply::Text,
        "Readiness: the broker and the database are reachable",
    ),
    (
        "GET",
        "/metrics",
        "ops",
        Auth::Public,
        Reply::Text,
        "Prometheus metrics (served on the operator port)",
    ),
    (
        "GET",
        "/openapi.json",
        "ops",
        Auth::Public,
        Reply::Json,
        "This document",
    ),
];

/// A service's HTTP API: what its document says about it, and its routes.
pub struct Api {
    /// The document's title.
    pub title: &'static str,
    /// What the API is for.
    pub description: &'static str,
    /// Every route of the service but the ops routes.
    pub routes: &'static [Route],
}

impl Api {
    /// The OpenAPI 3.1 document: the routes and the ops routes.
    pub fn document(&self) -> OpenApi {
        document(self.title, self.description, self.routes)
    }

    /// The document as the committed copy in `docs/openapi/` holds it.
    pub fn pretty_json(&self) -> String {
        let mut text = self.document().to_pretty_json().unwrap_or_default();
        text.push('\n');
        text
    }

    /// `GET /openapi.json`: the document, serialised once.
    pub fn serve<S: Clone + Send + Sync + 'static>(&self) -> MethodRouter<S> {
        let json = Bytes::from(serde_json::to_vec(&self.document()).unwrap_or_default());
        axum::routing::get(move || {
            let json = json.clone();
            async move { ([(CONTENT_TYPE, "application/json")], json) }
        })
    }
}

/// The OpenAPI 3.1 document of a service: its `routes` and the ops routes.
fn document(title: &str, description: &str, routes: &[Route]) -> OpenApi {
    let mut paths = PathsBuilder::new();
    let mut tags: Vec<&str> = Vec::new();
    for &(method, path, tag, auth, reply, summary) in routes.iter().chain(OPS) {
        if !tags.contains(&tag) {
            tags.push(tag);
        }
        let mut operation = OperationBuilder::new()
            .tag(tag)
            .summary(Some(summary))
            .operation_id(Some(operation_id(method, path)));
        for (status, response) in responses(reply) {
            operation = operation.response(status, response);
        }
        for name in path_parameters(path) {
            operation = operation.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
            );
        }
        let schemes = auth.schemes(method);
        if let Some((first, rest)) = schemes.split_first() {
            let requirement = rest.iter().fold(
                SecurityRequirement::new(*first, Vec::<String>::new()),
                |requirement, name| requirement.add(*name, Vec::<String>::new()),
            );
            operation = operation.security(requirement);
        }
        paths = paths.path(path, PathItem::new(http_method(method), operation));
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title(title)
                .description(Some(description))
                .version(env!("CARGO_PKG_VERSION")),
        )
        .paths(paths)
        .components(Some(components()))
        .tags(Some(tags.into_iter().map(Tag::new)))
        .build()
}

/// The security schemes of [`Auth`].
fn components() -> Components {
    let mut components = Components::new();
    let bearer = |description: &str| {
        let mut http = Http::new(HttpAuthScheme::Bearer);
        http.description = Some(description.to_owned());
        SecurityScheme::Http(http)
    };
    let header = |name: &str, description: &str| {
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            name,
            description,
        )))
    };
    components.add_security_scheme(
        "tenant_api_key",
        bearer("A tenant's API key of this service"),
    );
    components.add_security_scheme(
        "operator_token",
        bearer("The platform operator's ADMIN_TOKEN"),
    );
    components.add_security_scheme(
        "webchat_token",
        bearer("The web chat session's token, given when the session starts"),
    );
    components.add_security_scheme(
        "inbox_session",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            "inbox_session",
            "A signed-in inbox session",
        ))),
    );
    components.add_security_scheme(
        "inbox_csrf",
        header(
            "X-CSRF-Token",
            "The session's CSRF token (or a form's `csrf` field)",
        ),
    );
    components.add_security_scheme(
        "whatsapp_signature",
        header(
            "X-Hub-Signature-256",
            "HMAC-SHA256 of the body with the number's app secret",
        ),
    );
    components.add_security_scheme(
        "whatsapp_verify_token",
        SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
            "hub.verify_token",
            "The number's verify token (Meta's subscription check)",
        ))),
    );
    components.add_security_scheme(
        "telegram_secret",
        header(
            "X-Telegram-Bot-Api-Secret-Token",
            "The bot's webhook secret token",
        ),
    );
    components.add_security_scheme(
        "stripe_signature",
        header(
            "Stripe-Signature",
            "Stripe's signature with the platform's webhook secret",
        ),
    );
    components
}

/// The `{name}`s of a path.
fn path_parameters(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.split('}').next())
}

/// A unique id: the method and the path's words, e.g. `get_api_v1_orders_id`.
fn operation_id(method: &str, path: &str) -> String {
    let words: Vec<String> = path
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_owned)
        .collect();
    format!("{}_{}", method.to_ascii_lowercase(), words.join("_"))
}

fn http_method(method: &str) -> HttpMethod {
    match method {
        "POST" => HttpMethod::Post,
        "PUT" => HttpMethod::Put,
        "DELETE" => HttpMethod::Delete,
        "PATCH" => HttpMethod::Patch,
        _ => HttpMethod::Get,
    }
}

/// The successful answers of a route: status, description, content type.
fn responses(reply: Reply) -> Vec<(&'static str, utoipa::openapi::Response)> {
    let answers: &[(&str, &str, Option<&str>)] = match reply {
        Reply::Json => &[("200", "JSON", Some("application/json"))],
        Reply::Html => &[("200", "An HTML page", Some("text/html"))],
        Reply::Script => &[("200", "JavaScript", Some("text/javascript"))],
        Reply::Style => &[("200", "A style sheet", Some("text/css"))],
        Reply::Png => &[("200", "A PNG picture", Some("image/png"))],
        Reply::Csv => &[("200", "CSV", Some("text/csv"))],
        Reply::Text => &[("200", "Plain text", Some("text/plain"))],
        Reply::Events => &[("200", "Server-sent events", Some("text/event-stream"))],
        Reply::Redirect => &[("303", "Redirected to the next page", None)],
        Reply::Action => &[
            (
                "200",
                "Done (a script asked for JSON)",
                Some("application/json"),
            ),
            (
                "303",
                "Done: back to the conversation, with a message",
                None,
            ),
        ],
        Reply::Created => &[("201", "Created", Some("application/json"))],
        Reply::Accepted => &[("202", "Accepted", Some("application/json"))],
        Reply::NoContent => &[("204", "Done", None)],
        Reply::Empty => &[("200", "Done", None)],
    };
    answers
        .iter()
        .map(|&(status, description, content_type)| {
            let response = ResponseBuilder::new().description(description);
            let response = match content_type {
                Some(content_type) => response.content(content_type, ContentBuilder::new().build()),
                None => response,
            };
            (status, response.build())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parameters_are_the_braced_segments() {
        let names: Vec<_> = path_parameters("/api/v1/orders/{id}/x/{number}").collect();
        assert_eq!(names, ["id", "number"]);
    }

    #[test]
    fn an_inbox_post_needs_the_session_and_the_csrf_token() {
        let doc = document(
            "t",
            "d",
            &[(
                "POST",
                "/inbox/x",
                "inbox",
                Auth::Inbox,
                Reply::Redirect,
                "x",
            )],
        );
        let json = serde_json::to_value(&doc).unwrap_or_default();
        let security = &json["paths"]["/inbox/x"]["post"]["security"][0];
        assert!(security["inbox_session"].is_array() && security["inbox_csrf"].is_array());
        assert_eq!(json["openapi"], "3.1.0");
    }
}
