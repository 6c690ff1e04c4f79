//! Human sellers in tests: [`TestApp::account`] makes an account of a
//! tenant with a role and brands, [`Account::browser`] signs it in through
//! the sign-in page and gives a [`Browser`]: a cookie-keeping HTTP client
//! that knows its session's CSRF token and posts forms and JSON with it.
//! (Re-exported by `helpers`.)

// Helpers for every test module; some are used by few.
#![allow(dead_code)]

use std::sync::Arc;

use reqwest::{Method, RequestBuilder, StatusCode, cookie::Jar, redirect::Policy};
use sales_assistant::{
    accounts::{
        Role,
        invitations::{self, Invitee},
    },
    config::TEST_PUBLIC_URL,
};
use serde_json::{Value, json};
use store_testkit::tenants::ADMIN_TOKEN;
use uuid::Uuid;

use crate::helpers::TestApp;

/// The password every test account gets.
pub const PASSWORD: &str = "correct horse battery";

/// A human seller's account made by a test.
#[derive(Debug, Clone)]
pub struct Account {
    /// Its id.
    pub id: Uuid,
    /// Its tenant.
    pub tenant: String,
    /// Its sign-in address (unique to the test).
    pub email: String,
    /// Its name.
    pub name: String,
    /// Its password ([`PASSWORD`]).
    pub password: String,
    /// Its role.
    pub role: Role,
    /// A seller's brands.
    pub brands: Vec<String>,
    /// The service's address (`http://127.0.0.1:<port>`).
    pub address: String,
}

impl TestApp {
    /// A new account of `tenant` with `role` and `brands` (ignored for an
    /// owner), with the password [`PASSWORD`], not signed in. Made the
    /// real ways: an owner through the operator endpoint, a seller by
    /// accepting an invitation on its page.
    pub async fn account(&self, tenant: &str, role: Role, brands: &[&str]) -> Account {
        let email = format!(
            "{}-{}@{tenant}.test",
            role.as_str(),
            &Uuid::new_v4().simple().to_string()[..8]
        );
        let name = format!(
            "{} {}",
            capitalised(role.as_str()),
            &email[..email.find('@').unwrap()]
        );
        let brands: Vec<String> = brands.iter().map(|b| (*b).to_owned()).collect();
        self.account_named(tenant, role, &brands, &email, &name)
            .await
    }

    /// A new account with the given address and name (see
    /// [`TestApp::account`]).
    pub async fn account_named(
        &self,
        tenant: &str,
        role: Role,
        brands: &[String],
        email: &str,
        name: &str,
    ) -> Account {
        let id = match role {
            Role::Owner => {
                let (status, body) = self
                    .operator_post(
                        tenant,
                        json!({"email": email, "name": name, "password": PASSWORD}),
                    )
                    .await;
                assert_eq!(status, 201, "{body}");
                body["account_id"].as_str().unwrap().parse().unwrap()
            }
            Role::Seller => {
                let link = self.invitation(tenant, email, role, brands).await;
                let mut browser = self.anonymous_browser().await;
                let accepted = browser.accept_invitation(&link, name, PASSWORD).await;
                assert_eq!(
                    accepted.status(),
                    StatusCode::SEE_OTHER,
                    "{email} not accepted"
                );
                // Accepting signed them in; the test decides when they are.
                browser.refresh_csrf().await;
                let (status, page) = browser.post_form("/inbox/sign-out", &[]).await;
                assert_eq!(status, 200, "{page}");
                sqlx::query_scalar("select id from seller_account where email = $1")
                    .bind(email)
                    .fetch_one(&self.pool)
                    .await
                    .unwrap()
            }
        };
        Account {
            id,
            tenant: tenant.to_owned(),
            email: email.to_owned(),
            name: name.to_owned(),
            password: PASSWORD.to_owned(),
            role,
            brands: brands.to_vec(),
            address: self.address.clone(),
        }
    }

    /// An invitation of `email` to `tenant` as an owner makes it on the
    /// team page (by the service's own code, without an owner account):
    /// the link's path.
    pub async fn invitation(
        &self,
        tenant: &str,
        email: &str,
        role: Role,
        brands: &[String],
    ) -> String {
        let invitation = invitations::invite(
            &self.pool,
            TEST_PUBLIC_URL,
            tenant,
            &Invitee {
                email: email.to_owned(),
                name: None,
                role,
                brands: brands.to_vec(),
            },
            None,
        )
        .await
        .unwrap();
        path_of(&invitation.url)
    }

    /// `POST /admin/tenants/{tenant}/owners` on the operator port, with
    /// the operator token.
    pub async fn operator_post(&self, tenant: &str, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!(
                "http://127.0.0.1:{}/admin/tenants/{tenant}/owners",
                self.operator_port
            ))
            .bearer_auth(ADMIN_TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// A browser nobody has signed in on yet, on the sign-in page (it has
    /// the page's CSRF token).
    pub async fn anonymous_browser(&self) -> Browser {
        Browser::open(&self.address).await
    }
}

/// The path of a link the service built with its public URL.
pub fn path_of(url: &str) -> String {
    url.strip_prefix(TEST_PUBLIC_URL)
        .unwrap_or_else(|| panic!("{url} is not under {TEST_PUBLIC_URL}"))
        .to_owned()
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

impl Account {
    /// A browser signed in as this account through `POST /inbox/sign-in`.
    pub async fn browser(&self) -> Browser {
        let mut browser = Browser::open(&self.address).await;
        let response = browser.sign_in(&self.email, &self.password).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "sign-in of {} refused",
            self.email
        );
        browser.refresh_csrf().await;
        browser
    }
}

/// A browser: a cookie store shared by a client that follows redirects
/// (like a person clicking) and one that does not (to look at them).
pub struct Browser {
    address: String,
    jar: Arc<Jar>,
    follow: reqwest::Client,
    raw: reqwest::Client,
    /// The session's CSRF token, as the last page gave it.
    pub csrf: String,
}

impl Browser {
    /// Opens the sign-in page at `address` (a session with its CSRF token).
    pub async fn open(address: &str) -> Self {
        let jar = Arc::new(Jar::default());
        let client = |policy| {
            reqwest::Client::builder()
                .cookie_provider(jar.clone())
                .redirect(policy)
                .timeout(std::time::Duration::from_secs(30))
                .build()
                .unwrap()
        };
        let mut browser = Self {
            address: address.to_owned(),
            follow: client(Policy::limited(10)),
            raw: client(Policy::none()),
            jar,
            csrf: String::new(),
        };
        browser.refresh_csrf().await;
        browser
    }

    /// The URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Reads the CSRF token of the session from the sign-in page (which
    /// shows who is signed in, or the form).
    pub async fn refresh_csrf(&mut self) {
        let (status, body) = self.get_page("/inbox/sign-in").await;
        assert_eq!(status, 200, "{body}");
        self.csrf = csrf_of(&body).expect("the page has a csrf-token meta tag");
    }

    /// Posts the sign-in form (with this session's CSRF token); the answer
    /// is not followed (303 on success).
    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.raw
            .post(self.url("/inbox/sign-in"))
            .form(&[
                ("csrf", self.csrf.as_str()),
                ("email", email),
                ("password", password),
            ])
            .send()
            .await
            .unwrap()
    }

    /// Opens the invitation at `link` (a path) and accepts it with `name`
    /// and `password`; the answer is not followed (303 to the inbox when
    /// accepted).
    pub async fn accept_invitation(
        &mut self,
        link: &str,
        name: &str,
        password: &str,
    ) -> reqwest::Response {
        let (status, page) = self.get_page(link).await;
        assert_eq!(status, 200, "{page}");
        self.csrf = csrf_of(&page).unwrap();
        self.raw
            .post(self.url(link))
            .form(&[
                ("csrf", self.csrf.as_str()),
                ("name", name),
                ("password", password),
            ])
            .send()
            .await
            .unwrap()
    }

    /// `GET path`, following redirects: the final status and page.
    pub async fn get_page(&self, path: &str) -> (u16, String) {
        let response = self.follow.get(self.url(path)).send().await.unwrap();
        text(response).await
    }

    /// Posts a form to `path` with this session's CSRF token added (field
    /// `csrf`), following redirects: the final status and page.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let mut form: Vec<(&str, &str)> = vec![("csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        let response = self
            .follow
            .post(self.url(path))
            .form(&form)
            .send()
            .await
            .unwrap();
        text(response).await
    }

    /// Posts JSON to `path` with the CSRF token in `X-CSRF-Token`, as the
    /// pages' scripts do: the status and the JSON answer (a string when it
    /// is not JSON).
    pub async fn post_json(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .follow
            .post(self.url(path))
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        let (status, text) = text(response).await;
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// A request with this browser's cookies that does not follow
    /// redirects and adds nothing else (no CSRF token).
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.raw.request(method, self.url(path))
    }

    /// The `Cookie` header this browser sends to `path`.
    pub fn cookies_for(&self, path: &str) -> Option<String> {
        use reqwest::cookie::CookieStore as _;
        let url = self.url(path).parse().unwrap();
        self.jar
            .cookies(&url)
            .map(|v| v.to_str().unwrap().to_owned())
    }
}

async fn text(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// The content of `<meta name="csrf-token" content="…">` in `html`.
pub fn csrf_of(html: &str) -> Option<String> {
    let start = html.find(r#"<meta name="csrf-token" content=""#)? + 33;
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}
