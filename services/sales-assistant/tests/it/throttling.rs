//! Guessing passwords is throttled: 5 failures per account and 20 per
//! network address in 15 minutes, then 429 with `Retry-After`, the right
//! password refused too.

use reqwest::header;
use sales_assistant::accounts::Role;
use store_service::client_ip::TrustedProxies;

use crate::helpers::{Browser, TestApp};

/// The number in `Retry-After`.
fn retry_after(response: &reqwest::Response) -> u64 {
    response.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_even_against_the_right_one() {
    let app = TestApp::spawn().await;
    let ana = app.account("acme", Role::Seller, &["shoes"]).await;
    let bob = app.account("acme", Role::Seller, &["shoes"]).await;
    let browser = app.anonymous_browser().await;

    for attempt in 1..=5 {
        let wrong = browser.sign_in(&ana.email, "guess number one").await;
        assert_eq!(wrong.status(), 401, "attempt {attempt}");
    }
    let right = browser.sign_in(&ana.email, &ana.password).await;
    let status = right.status();
    let wait = retry_after(&right);
    let page = right.text().await.unwrap();
    let other = browser.sign_in(&bob.email, &bob.password).await;

    assert_eq!(status, 429);
    assert!((14 * 60..=15 * 60).contains(&wait), "Retry-After {wait}");
    assert!(
        page.contains("Too many failed sign-ins. Try again at"),
        "{page}"
    );
    assert!(page.contains("(in 15 minutes)"), "{page}");
    assert_eq!(other.status(), 303, "another account is not locked");
    app.stop().await;
}

#[tokio::test]
async fn twenty_failures_from_one_address_lock_it_for_every_account() {
    let app = TestApp::spawn().await;
    let ana = app.account("acme", Role::Seller, &["shoes"]).await;
    let browser = app.anonymous_browser().await;

    // Four guesses at each of five addresses: no account reaches its own
    // limit, the address reaches its.
    for n in 0..20 {
        let guess = browser
            .sign_in(
                &format!("someone-{}@acme.test", n % 5),
                "a guessed password",
            )
            .await;
        assert_eq!(guess.status(), 401, "guess {n}");
    }
    let right = browser.sign_in(&ana.email, &ana.password).await;

    assert_eq!(right.status(), 429);
    assert!(retry_after(&right) > 0);
    app.stop().await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_hop_it_saw_is_the_address() {
    let app = TestApp::spawn_with(|config| {
        // The tests' requests come from loopback, the proxy here.
        config.trusted_proxies = TrustedProxies::parse("127.0.0.1, ::1").expect("a list");
    })
    .await;
    let ana = app.account("acme", Role::Seller, &["shoes"]).await;
    let browser = app.anonymous_browser().await;
    let sign_in = |browser: &Browser, forwarded: &'static str, email: String, password: &str| {
        browser
            .request(reqwest::Method::POST, "/inbox/sign-in")
            .header("x-forwarded-for", forwarded)
            .form(&[
                ("csrf", browser.csrf.clone()),
                ("email", email),
                ("password", password.to_owned()),
            ])
            .send()
    };

    for n in 0..20 {
        // The client may put anything first; the proxy's hop is last.
        let guess = sign_in(
            &browser,
            "198.51.100.1, 203.0.113.7",
            format!("someone-{}@acme.test", n % 5),
            "a guessed password",
        )
        .await
        .unwrap();
        assert_eq!(guess.status(), 401);
    }
    let locked = sign_in(&browser, "203.0.113.7", ana.email.clone(), &ana.password)
        .await
        .unwrap();
    let elsewhere = sign_in(&browser, "203.0.113.8", ana.email.clone(), &ana.password)
        .await
        .unwrap();

    assert_eq!(locked.status(), 429);
    assert_eq!(elsewhere.status(), 303);
    app.stop().await;
}
