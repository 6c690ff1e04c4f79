//! The security headers of every response of every service, set where
//! every listener serves ([`super::serve`]) so no router can forget them:
//!
//! - `X-Content-Type-Options: nosniff` on every response: a browser never
//!   reads a JSON transcript or an error as HTML or script;
//! - `Referrer-Policy: no-referrer` unless the response has its own;
//! - a Content-Security-Policy on a response that has none: nothing loads
//!   but the service's own scripts, styles and pictures, no inline script,
//!   no framing (`frame-ancestors 'none'`, and `X-Frame-Options: DENY` for
//!   older browsers). A page with its own policy keeps it, and with it its
//!   own framing rule (the web chat page names the shop's sites in its
//!   `frame-ancestors`).

use axum::{
    http::{HeaderValue, header},
    response::Response,
};

/// The policy of a response that brings none.
pub const DEFAULT_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// Adds the security headers to `response` (see the module).
pub async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers
        .entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("no-referrer"));
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DEFAULT_CONTENT_SECURITY_POLICY),
        );
        headers
            .entry(header::X_FRAME_OPTIONS)
            .or_insert(HeaderValue::from_static("DENY"));
    }
    response
}
