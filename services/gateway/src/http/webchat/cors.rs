//! CORS for the web chat's JSON endpoints, per tenant: a browser page of one
//! of the tenant's `allowed_origins` may call them (and open the event
//! stream); other origins get no CORS headers, and their preflights a 403.
//! Requests without `Origin` (the gateway's own page for `GET`s, terminal
//! clients) pass untouched. The endpoints authenticate with a bearer token,
//! never a cookie, so credentials are not allowed.

use axum::{
    extract::{Request, State},
    http::{
        HeaderMap, HeaderValue, Method, StatusCode,
        header::{
            ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
            ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE,
            ORIGIN, VARY,
        },
    },
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::chat_tenant;
use crate::{
    error::{ApiError, GatewayError},
    state::AppState,
};

/// Headers a cross-origin caller may send.
const ALLOWED_HEADERS: &str = "authorization, content-type, last-event-id";
/// Methods of the JSON endpoints.
const ALLOWED_METHODS: &str = "GET, POST, OPTIONS";
/// How long a browser may cache a preflight answer, in seconds.
const MAX_AGE: &str = "600";

/// The CORS middleware of the JSON routes.
pub(super) async fn cors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let origin = request.headers().get(ORIGIN).cloned();
    let Some(origin) = origin else {
        return next.run(request).await;
    };
    let tenant = tenant_of(request.uri().path())
        .unwrap_or_default()
        .to_owned();
    let allowed = match chat_tenant(&state, &tenant) {
        Ok((_, chat)) => origin.to_str().is_ok_and(|o| chat.allows_origin(o)),
        Err(error) if request.method() == Method::OPTIONS => {
            return error.into_response();
        }
        Err(_) => false,
    };
    if request.method() == Method::OPTIONS {
        if !allowed {
            return ApiError::from(GatewayError::OriginNotAllowed).into_response();
        }
        let mut response = StatusCode::NO_CONTENT.into_response();
        let headers = response.headers_mut();
        allow(headers, origin);
        headers.insert(
            ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(ALLOWED_METHODS),
        );
        headers.insert(
            ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(ALLOWED_HEADERS),
        );
        headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(MAX_AGE));
        return response;
    }
    let mut response = next.run(request).await;
    if allowed {
        allow(response.headers_mut(), origin);
        // Not a CORS-safelisted header: a 429's wait must be readable.
        response.headers_mut().insert(
            ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("retry-after"),
        );
    } else {
        response
            .headers_mut()
            .append(VARY, HeaderValue::from_static("origin"));
    }
    response
}

fn allow(headers: &mut HeaderMap, origin: HeaderValue) {
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.append(VARY, HeaderValue::from_static("origin"));
}

/// The tenant of a `/chat/{tenant}/…` path.
fn tenant_of(path: &str) -> Option<&str> {
    path.strip_prefix("/chat/")?.split('/').next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tenant_is_the_second_segment() {
        assert_eq!(tenant_of("/chat/demo/brands"), Some("demo"));
        assert_eq!(tenant_of("/chat/demo/sessions/x/events"), Some("demo"));
        assert_eq!(tenant_of("/webhooks/x"), None);
    }
}
