//! Signing in and out of the inbox's pages: the session cookie, the same
//! answer for a wrong password and an unknown address, sessions that end,
//! the CSRF guard and the headers of every page.

use std::time::Duration;

use reqwest::{Method, header};
use sales_assistant::accounts::Role;

use crate::helpers::{Browser, TestApp, csrf_of};

async fn session_rows(app: &TestApp, account: uuid::Uuid) -> i64 {
    sqlx::query_scalar::<_, i64>("select count(*) from inbox_session where account_id = $1")
        .bind(account)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_seller_signs_in_and_out() {
    let app = TestApp::spawn().await;
    let ana = app.account("acme", Role::Seller, &["shoes"]).await;
    let mut browser = app.anonymous_browser().await;

    let signed_in = browser.sign_in(&ana.email, &ana.password).await;
    let location = signed_in.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    let (_, page) = browser.get_page("/inbox/sign-in").await;
    browser.refresh_csrf().await;
    let live = session_rows(&app, ana.id).await;
    let (status, after) = browser.post_form("/inbox/sign-out", &[]).await;

    assert_eq!(signed_in.status(), 303);
    assert_eq!(location, "/inbox");
    assert!(page.contains("You are signed in"), "{page}");
    assert!(page.contains(&ana.name));
    assert_eq!(live, 1);
    assert_eq!(status, 200);
    assert!(after.contains("You are signed out"), "{after}");
    assert!(after.contains("<h1>Sign in</h1>"));
    assert_eq!(
        session_rows(&app, ana.id).await,
        0,
        "sign-out deletes the session"
    );
    app.stop().await;
}

#[tokio::test]
async fn signing_in_draws_a_new_session_id_and_csrf_token() {
    let app = TestApp::spawn().await;
    let ana = app.account("acme", Role::Owner, &[]).await;
    let mut browser = app.anonymous_browser().await;
    let before = browser.cookies_for("/inbox/").unwrap();
    let csrf_before = browser.csrf.clone();

    browser.sign_in(&ana.email, &ana.password).await;
    browser.refresh_csrf().await;

    let after = browser.cookies_for("/inbox/").unwrap();
    assert_ne!(before, after, "the session id is rotated at sign-in");
    assert_ne!(csrf_before, browser.csrf);
    // The id the browser came with names nothing any more.
    let stale = Browser::open(&app.address).await;
    let old_id = before.trim_start_matches("inbox_session=");
    let replay = stale
        .request(Method::GET, "/inbox/sign-in")
        .header(header::COOKIE, format!("inbox_session={old_id}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(replay.contains("<h1>Sign in</h1>"));
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_address_get_the_same_answer_and_no_session() {
    let app = TestApp::spawn().await;
    let ana = app.account("acme", Role::Seller, &["shoes"]).await;
    let browser = app.anonymous_browser().await;

    let wrong = browser.sign_in(&ana.email, "not the password").await;
    let wrong_status = wrong.status();
    let wrong_page = wrong.text().await.unwrap();
    let unknown = browser.sign_in("nobody@acme.test", &ana.password).await;
    let unknown_status = unknown.status();
    let unknown_page = unknown.text().await.unwrap();
    let (_, page) = browser.get_page("/inbox/sign-in").await;

    assert_eq!(wrong_status, 401);
    assert_eq!(unknown_status, 401);
    assert!(
        wrong_page.contains("Wrong email or password"),
        "{wrong_page}"
    );
    assert!(
        unknown_page.contains("Wrong email or password"),
        "{unknown_page}"
    );
    assert!(page.contains("<h1>Sign in</h1>"), "still signed out");
    assert_eq!(session_rows(&app, ana.id).await, 0);
    app.stop().await;
}

#[tokio::test]
async fn the_session_cookie_is_http_only_lax_and_scoped_to_the_inbox() {
    let app = TestApp::spawn().await;

    let response = app
        .http
        .get(app.url("/inbox/sign-in"))
        .send()
        .await
        .unwrap();

    let cookie = response.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("inbox_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/inbox"), "{cookie}");
    assert!(cookie.contains("Max-Age="), "{cookie}");
    // The tests speak plain HTTP (INBOX_COOKIE_SECURE=false); by default
    // the cookie is Secure.
    assert!(!cookie.contains("Secure"), "{cookie}");
    app.stop().await;
}

#[tokio::test]
async fn every_page_has_a_strict_content_security_policy() {
    let app = TestApp::spawn().await;

    let page = app
        .http
        .get(app.url("/inbox/sign-in"))
        .send()
        .await
        .unwrap();
    let missing = app
        .http
        .get(app.url("/inbox/no-such-page"))
        .send()
        .await
        .unwrap();
    let css = app
        .http
        .get(app.url("/inbox/assets/base.css"))
        .send()
        .await
        .unwrap();

    for response in [&page, &missing, &css] {
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .unwrap();
        let script = csp
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src"))
            .unwrap();
        assert_eq!(script, "script-src 'self'");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    }
    assert_eq!(page.headers()[header::CACHE_CONTROL], "no-store");
    assert_eq!(missing.status(), 404);
    assert_eq!(css.status(), 200);
    assert!(
        css.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let html = page.text().await.unwrap();
    assert!(
        !html.contains("<script>") && !html.contains("style="),
        "no inline script or style"
    );
    assert!(csrf_of(&html).is_some());
    app.stop().await;
}

#[tokio::test]
async fn a_post_without_the_csrf_token_or_with_a_wrong_one_is_refused() {
    let app = TestApp::spawn().await;
    let ana = app.account("acme", Role::Seller, &["shoes"]).await;
    let browser = ana.browser().await;

    let without = browser
        .request(Method::POST, "/inbox/sign-out")
        .form(&[("other", "field")])
        .send()
        .await
        .unwrap();
    let without_status = without.status();
    let without_page = without.text().await.unwrap();
    let wrong = browser
        .request(Method::POST, "/inbox/sign-out")
        .form(&[("csrf", "not-the-token")])
        .send()
        .await
        .unwrap()
        .status();
    let wrong_header = browser
        .request(Method::POST, "/inbox/sign-out")
        .header("x-csrf-token", "not-the-token")
        .send()
        .await
        .unwrap()
        .status();

    assert_eq!(without_status, 403);
    assert!(
        without_page.contains("This page has expired: reload it and try again"),
        "{without_page}"
    );
    assert_eq!(wrong, 403);
    assert_eq!(wrong_header, 403);
    assert_eq!(
        session_rows(&app, ana.id).await,
        1,
        "still signed in: nothing changed"
    );
    let (_, page) = browser.get_page("/inbox/sign-in").await;
    assert!(page.contains("You are signed in"));
    app.stop().await;
}

#[tokio::test]
async fn a_sign_in_from_another_site_without_the_token_is_refused() {
    let app = TestApp::spawn().await;
    let ana = app.account("acme", Role::Seller, &["shoes"]).await;

    // A fresh client: no session, so no token it could know.
    let response = app
        .http
        .post(app.url("/inbox/sign-in"))
        .form(&[
            ("email", ana.email.as_str()),
            ("password", ana.password.as_str()),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 403);
    assert!(response.headers().get(header::SET_COOKIE).is_none());
    app.stop().await;
}

#[tokio::test]
async fn an_idle_session_ends_and_the_next_page_asks_to_sign_in_again() {
    let app = TestApp::spawn_with(|config| config.session_idle = Duration::from_secs(2)).await;
    let owner = app.account("acme", Role::Owner, &[]).await;
    let browser = owner.browser().await;
    let cookie = browser.cookies_for("/inbox/").unwrap();
    let before = browser
        .request(Method::GET, "/inbox/team")
        .send()
        .await
        .unwrap()
        .status();

    // Idle for longer than the session lives (time passing is the
    // condition here; nothing to wait for).
    tokio::time::sleep(Duration::from_millis(2500)).await;
    // The same cookie, sent again whatever the browser's jar thinks.
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let after = plain
        .get(app.url("/inbox/team"))
        .header(header::COOKIE, &cookie)
        .header(header::ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    let action = plain
        .post(app.url("/inbox/team/invitations"))
        .header(header::COOKIE, &cookie)
        .header("x-csrf-token", &browser.csrf)
        .form(&[
            ("email", "late@acme.test"),
            ("role", "seller"),
            ("brands", "shoes"),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(before, 200);
    assert_eq!(after.status(), 303);
    assert_eq!(
        after.headers()[header::LOCATION],
        "/inbox/sign-in?next=%2Finbox%2Fteam"
    );
    // An action on an ended session changes nothing.
    assert_eq!(action.status(), 403);
    let invites: i64 = sqlx::query_scalar("select count(*) from seller_invite")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(invites, 0);
    app.stop().await;
}

#[tokio::test]
async fn signing_in_sends_the_person_back_to_the_page_they_asked_for() {
    let app = TestApp::spawn().await;
    let owner = app.account("acme", Role::Owner, &[]).await;
    let browser = app.anonymous_browser().await;

    let asked = browser
        .request(Method::GET, "/inbox/team")
        .send()
        .await
        .unwrap();
    let to = asked.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    let (_, form) = browser.get_page(&to).await;
    let signed_in = browser
        .request(Method::POST, "/inbox/sign-in")
        .form(&[
            ("csrf", csrf_of(&form).unwrap().as_str()),
            ("email", owner.email.as_str()),
            ("password", owner.password.as_str()),
            ("next", "/inbox/team"),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(asked.status(), 303);
    assert!(
        form.contains(r#"name="next" value="/inbox/team""#),
        "{form}"
    );
    assert_eq!(signed_in.status(), 303);
    assert_eq!(signed_in.headers()[header::LOCATION], "/inbox/team");
    app.stop().await;
}
