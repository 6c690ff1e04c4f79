//! The chat page (`GET /chat/{tenant}`), its script and style sheet, and the
//! embeddable widget (`GET /chat/{tenant}/widget.js`). The assets live in
//! `assets/` and are compiled into the binary; they use no third-party code.
//! The page is served with a strict Content Security Policy: its own script
//! and style only, pictures from HTTPS, and framing (the widget's iframe) by
//! the tenant's allowed origins when it lists any, by any site otherwise.

use axum::{
    extract::{Path, State},
    http::{
        HeaderName, HeaderValue,
        header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY},
    },
    response::{IntoResponse, Response},
};

use super::chat_tenant;
use crate::{error::ApiError, state::AppState};

const PAGE: &str = include_str!("../../../assets/chat.html");
const SCRIPT: &str = include_str!("../../../assets/chat.js");
const STYLE: &str = include_str!("../../../assets/chat.css");
const WIDGET: &str = include_str!("../../../assets/widget.js");

/// Assets change only with a new gateway version: short cache.
const ASSET_CACHE: &str = "public, max-age=300";

/// The chat page of a tenant.
#[tracing::instrument(skip_all, fields(tenant = %tenant))]
pub(super) async fn page(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
) -> Result<Response, ApiError> {
    let (tenant, chat) = chat_tenant(&state, &tenant)?;
    let html = PAGE
        .replace("{{tenant}}", &escape(tenant.id.as_str()))
        .replace("{{title}}", &escape(&tenant.name));
    // The widget frames the page on the shop's own site. A tenant that lists
    // its sites gets framing restricted to them; one that lists none can be
    // embedded anywhere (the page has nothing to click-jack but its chat).
    let ancestors = if chat.allowed_origins.is_empty() {
        "*".to_owned()
    } else {
        let mut ancestors = String::from("'self'");
        for origin in &chat.allowed_origins {
            ancestors.push(' ');
            ancestors.push_str(origin);
        }
        ancestors
    };
    // Pictures: the shop's own over HTTPS, and a catalog on loopback (the
    // local demo serves product pictures from `http://127.0.0.1:<port>`).
    let csp = format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; \
         img-src 'self' https: data: http://127.0.0.1:* http://localhost:*; \
         connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}"
    );
    let mut response = (
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (CACHE_CONTROL, "no-cache"),
            (REFERRER_POLICY, "no-referrer"),
        ],
        html,
    )
        .into_response();
    let headers = response.headers_mut();
    if let Ok(csp) = HeaderValue::from_str(&csp) {
        headers.insert(CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

/// The page's script.
pub(super) async fn script(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
) -> Result<Response, ApiError> {
    asset(&state, &tenant, "text/javascript; charset=utf-8", SCRIPT)
}

/// The page's style sheet.
pub(super) async fn style(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
) -> Result<Response, ApiError> {
    asset(&state, &tenant, "text/css; charset=utf-8", STYLE)
}

/// The embeddable widget.
pub(super) async fn widget(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
) -> Result<Response, ApiError> {
    asset(&state, &tenant, "text/javascript; charset=utf-8", WIDGET)
}

fn asset(
    state: &AppState,
    tenant: &str,
    content_type: &'static str,
    body: &'static str,
) -> Result<Response, ApiError> {
    chat_tenant(state, tenant)?;
    Ok((
        [
            (CONTENT_TYPE, content_type),
            (CACHE_CONTROL, ASSET_CACHE),
            (HeaderName::from_static("x-content-type-options"), "nosniff"),
        ],
        body,
    )
        .into_response())
}

/// `text` safe inside HTML text and double-quoted attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            escape(r#"<b class="x">Tom & 'Jerry'</b>"#),
            "&lt;b class=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/b&gt;"
        );
    }
}
