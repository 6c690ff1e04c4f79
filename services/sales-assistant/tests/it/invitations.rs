//! Joining the team: an owner invites on the team page, the link works
//! once and for 7 days, and accepting it signs the person in. The team
//! page is the owners': sellers are told it does not exist.

use reqwest::{Method, StatusCode, header};
use sales_assistant::accounts::Role;

use crate::helpers::{Browser, TestApp, csrf_of, path_of};

/// The invitation link shown on the team page after inviting.
fn link_on(page: &str) -> String {
    let start = page
        .find(r#"id="invitation-link""#)
        .expect("no link on the page");
    let value = &page[start..];
    let from = value.find(r#"value=""#).unwrap() + 7;
    let to = value[from..].find('"').unwrap() + from;
    path_of(&value[from..to])
}

#[tokio::test]
async fn an_owner_invites_a_seller_who_joins_and_is_signed_in() {
    let app = TestApp::spawn().await;
    let owner = app.account("acme", Role::Owner, &[]).await;
    let browser = owner.browser().await;

    let (status, page) = browser
        .post_form(
            "/inbox/team/invitations",
            &[
                ("email", "Bea@Acme.test"),
                ("role", "seller"),
                ("brands", "shoes, bags"),
            ],
        )
        .await;
    let link = link_on(&page);
    let mut bea = app.anonymous_browser().await;
    let accepted = bea.accept_invitation(&link, "Bea", "a long password").await;
    let location = accepted.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    let (_, signed_in) = bea.get_page("/inbox/sign-in").await;
    let (_, team) = browser.get_page("/inbox/team").await;

    assert_eq!(status, 201, "{page}");
    assert!(
        page.contains("Invitation for bea@acme.test created"),
        "{page}"
    );
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    assert_eq!(location, "/inbox");
    assert!(signed_in.contains("You are signed in"), "{signed_in}");
    assert!(signed_in.contains("Bea"));
    let (role, brands): (String, Vec<String>) =
        sqlx::query_as("select role, brands from seller_account where email = 'bea@acme.test'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(role, "seller");
    assert_eq!(brands, ["shoes", "bags"]);
    assert!(team.contains("bea@acme.test"));
    assert!(team.contains("shoes, bags"));
    assert!(
        !team.contains("Invitation link for"),
        "the link is shown once"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_invitation_works_once() {
    let app = TestApp::spawn().await;
    let link = app
        .invitation("acme", "cai@acme.test", Role::Seller, &["shoes".to_owned()])
        .await;
    let mut first = app.anonymous_browser().await;
    let accepted = first
        .accept_invitation(&link, "Cai", "a long password")
        .await;

    let second = Browser::open(&app.address).await;
    let (status, page) = second.get_page(&link).await;
    let again = second
        .request(Method::POST, &link)
        .form(&[
            ("csrf", second.csrf.as_str()),
            ("name", "Mallory"),
            ("password", "another password"),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    assert_eq!(status, 410);
    assert!(
        page.contains("This invitation was already used: sign in instead"),
        "{page}"
    );
    assert_eq!(again.status(), 410);
    let names: Vec<String> =
        sqlx::query_scalar("select name from seller_account where email = 'cai@acme.test'")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(names, ["Cai"]);
    app.stop().await;
}

#[tokio::test]
async fn an_expired_or_unknown_invitation_is_refused() {
    let app = TestApp::spawn().await;
    let link = app
        .invitation("acme", "dan@acme.test", Role::Seller, &["shoes".to_owned()])
        .await;
    sqlx::query("update seller_invite set expires_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    let browser = app.anonymous_browser().await;

    let (expired, page) = browser.get_page(&link).await;
    let posted = browser
        .request(Method::POST, &link)
        .form(&[
            ("csrf", browser.csrf.as_str()),
            ("name", "Dan"),
            ("password", "a long password"),
        ])
        .send()
        .await
        .unwrap()
        .status();
    let (unknown, _) = browser
        .get_page("/inbox/invitations/not-a-real-token")
        .await;

    assert_eq!(expired, 410);
    assert!(page.contains("This invitation has expired"), "{page}");
    assert_eq!(posted, 410);
    assert_eq!(unknown, 404);
    let accounts: i64 = sqlx::query_scalar("select count(*) from seller_account")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(accounts, 0);
    app.stop().await;
}

#[tokio::test]
async fn a_short_password_is_refused_with_the_reason_and_the_link_still_works() {
    let app = TestApp::spawn().await;
    let link = app
        .invitation("acme", "eve@acme.test", Role::Seller, &["shoes".to_owned()])
        .await;
    let mut browser = app.anonymous_browser().await;

    let short = browser.accept_invitation(&link, "Eve", "short").await;
    let status = short.status();
    let page = short.text().await.unwrap();
    let fine = browser
        .accept_invitation(&link, "Eve", "long enough now")
        .await;

    assert_eq!(status, 422);
    assert!(
        page.contains("A password has at least 10 characters"),
        "{page}"
    );
    assert_eq!(fine.status(), StatusCode::SEE_OTHER);
    app.stop().await;
}

#[tokio::test]
async fn the_team_page_is_for_owners_only() {
    let app = TestApp::spawn().await;
    let seller = app.account("acme", Role::Seller, &["shoes"]).await;
    let browser = seller.browser().await;

    let (page, _) = browser.get_page("/inbox/team").await;
    let (invite, _) = browser
        .post_form(
            "/inbox/team/invitations",
            &[("email", "x@acme.test"), ("role", "owner"), ("brands", "")],
        )
        .await;
    let (disable, _) = browser
        .post_form(&format!("/inbox/team/{}/disable", seller.id), &[])
        .await;

    assert_eq!(page, 404);
    assert_eq!(invite, 404);
    assert_eq!(disable, 404);
    let invites: i64 =
        sqlx::query_scalar("select count(*) from seller_invite where email = 'x@acme.test'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(invites, 0);
    app.stop().await;
}

#[tokio::test]
async fn the_team_page_lists_the_tenants_accounts_escaped_and_who_is_signed_in() {
    let app = TestApp::spawn().await;
    let owner = app.account("acme", Role::Owner, &[]).await;
    let sly = app
        .account_named(
            "acme",
            Role::Seller,
            &["shoes".to_owned()],
            "sly@acme.test",
            r#"<script>alert("hi")</script> Sly"#,
        )
        .await;
    let _away = app.account("acme", Role::Seller, &["bags"]).await;
    let other = app.account("globex", Role::Seller, &["shoes"]).await;
    let _sly_browser = sly.browser().await;
    let browser = owner.browser().await;

    let (status, page) = browser.get_page("/inbox/team").await;

    assert_eq!(status, 200);
    assert!(!page.contains("<script>alert"), "a name is escaped");
    assert!(
        page.contains("&#60;script&#62;alert(&#34;hi&#34;)&#60;/script&#62; Sly"),
        "{page}"
    );
    assert!(
        !page.contains(&other.email),
        "another tenant's account is not listed"
    );
    assert_eq!(
        page.matches("badge-on").count(),
        2,
        "the owner and Sly are signed in"
    );
    assert!(page.contains(r#"<meta name="csrf-token""#));
    assert!(page.contains(r#"aria-current="page">Team"#));
    app.stop().await;
}

#[tokio::test]
async fn a_disabled_account_is_signed_out_and_cannot_sign_in() {
    let app = TestApp::spawn().await;
    let owner = app.account("acme", Role::Owner, &[]).await;
    let seller = app.account("acme", Role::Seller, &["shoes"]).await;
    let other_tenant = app.account("globex", Role::Seller, &["shoes"]).await;
    let seller_browser = seller.browser().await;
    let browser = owner.browser().await;

    let (foreign, _) = browser
        .post_form(&format!("/inbox/team/{}/disable", other_tenant.id), &[])
        .await;
    let (status, page) = browser
        .post_form(&format!("/inbox/team/{}/disable", seller.id), &[])
        .await;
    let (_, seller_page) = seller_browser.get_page("/inbox/sign-in").await;
    let again = app.anonymous_browser().await;
    let refused = again.sign_in(&seller.email, &seller.password).await;
    let refused_status = refused.status();
    let refused_page = refused.text().await.unwrap();

    assert_eq!(foreign, 404, "another tenant's account is not found");
    assert_eq!(status, 200);
    assert!(page.contains("can no longer sign in"), "{page}");
    assert!(
        seller_page.contains("<h1>Sign in</h1>"),
        "the session ended"
    );
    assert_eq!(refused_status, 403);
    assert!(
        refused_page.contains("This account is disabled"),
        "{refused_page}"
    );
    let disabled: bool =
        sqlx::query_scalar("select disabled_at is not null from seller_account where id = $1")
            .bind(other_tenant.id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(!disabled);
    app.stop().await;
}

#[tokio::test]
async fn an_invitation_to_a_taken_address_or_a_seller_without_brands_is_refused() {
    let app = TestApp::spawn().await;
    let owner = app.account("acme", Role::Owner, &[]).await;
    let elsewhere = app.account("globex", Role::Seller, &["shoes"]).await;
    let browser = owner.browser().await;

    let (taken, taken_page) = browser
        .post_form(
            "/inbox/team/invitations",
            &[
                ("email", elsewhere.email.as_str()),
                ("role", "seller"),
                ("brands", "shoes"),
            ],
        )
        .await;
    let (no_brands, no_brands_page) = browser
        .post_form(
            "/inbox/team/invitations",
            &[
                ("email", "new@acme.test"),
                ("role", "seller"),
                ("brands", ""),
            ],
        )
        .await;
    let (bad_brand, bad_brand_page) = browser
        .post_form(
            "/inbox/team/invitations",
            &[
                ("email", "new@acme.test"),
                ("role", "seller"),
                ("brands", "Shoes & Bags"),
            ],
        )
        .await;

    assert_eq!(taken, 409);
    assert!(
        taken_page.contains("already has an account"),
        "{taken_page}"
    );
    assert_eq!(no_brands, 422);
    assert!(no_brands_page.contains("A seller needs at least one brand"));
    assert_eq!(bad_brand, 422);
    assert!(
        bad_brand_page.contains("is not a brand id"),
        "{bad_brand_page}"
    );
    assert!(
        bad_brand_page.contains(r#"value="new@acme.test""#),
        "the form keeps what was typed"
    );
    let _ = csrf_of(&bad_brand_page).unwrap();
    app.stop().await;
}
