//! The owner's reports: `GET /inbox/reports?brand=&from=&to=` (a page with
//! charts and a table per brand) and `GET /inbox/reports.csv` (the same
//! figures as CSV). Owners only (a seller gets 404); a brand the tenant has
//! nothing of is 404 too; a bad range is 422 with the reason.

pub mod chart;
pub mod export;
pub mod view;

use askama::Template;
use axum::{
    Router,
    extract::{Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Deserialize;
use store_events::TenantId;

use self::view::BrandView;
use super::{Flash, Layout, Nav, PageError, render_with};
use crate::{
    db,
    domain::report::{DayRange, Report},
    http::{
        AppState,
        pages::session::{OwnerSignedIn, SignedIn},
    },
};

/// `GET /inbox/reports` and `GET /inbox/reports.csv`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inbox/reports", get(page))
        .route("/inbox/reports.csv", get(csv))
}

/// The query of both routes.
#[derive(Debug, Default, Deserialize)]
pub struct ReportQuery {
    brand: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// Why a report cannot be shown.
enum Refused {
    /// The range is malformed or too long.
    BadRange(String),
    /// Anything else, as the error page.
    Page(PageError),
}

impl<E: Into<PageError>> From<E> for Refused {
    fn from(error: E) -> Self {
        Self::Page(error.into())
    }
}

/// What a report asked for turned into: the report, the tenant's brands,
/// the brand chosen.
struct Loaded {
    report: Report,
    brands: Vec<String>,
    brand: Option<String>,
}

async fn load(state: &AppState, owner: &SignedIn, query: &ReportQuery) -> Result<Loaded, Refused> {
    let pool = &state.inbox.pool;
    let tenant = tenant_of(owner)?;
    let brands = db::reports::brands(pool, &tenant).await?;
    let brand = query
        .brand
        .as_deref()
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(str::to_owned);
    if let Some(brand) = &brand
        && !brands.contains(brand)
    {
        return Err(PageError::NotFound.into());
    }
    let zone = &state.report_time_zone;
    let today = db::reports::today(pool, zone).await?;
    let range = DayRange::parse(query.from.as_deref(), query.to.as_deref(), today)
        .map_err(|e| Refused::BadRange(e.to_string()))?;
    let rows = db::reports::rows(pool, &tenant, &range, zone, brand.as_deref()).await?;
    Ok(Loaded {
        report: Report::build(range, brand.as_deref(), &rows),
        brands,
        brand,
    })
}

/// `templates/reports.html`.
#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    layout: Layout,
    zone: String,
    brands: Vec<String>,
    brand: String,
    from: String,
    to: String,
    /// The query of the CSV link (`brand=…&from=…&to=…`, encoded).
    csv_query: String,
    /// The range was refused (the page shows why, and no figures).
    refused: bool,
    views: Vec<BrandView>,
}

#[tracing::instrument(skip_all, fields(tenant = %owner.tenant))]
async fn page(
    OwnerSignedIn(owner): OwnerSignedIn,
    State(state): State<AppState>,
    Query(query): Query<ReportQuery>,
) -> Result<Response, PageError> {
    let layout = Layout::new(&owner, "Reports", Nav::Reports);
    let mut page = ReportsPage {
        layout,
        zone: state.report_time_zone.clone(),
        brands: Vec::new(),
        brand: query.brand.clone().unwrap_or_default(),
        from: query.from.clone().unwrap_or_default(),
        to: query.to.clone().unwrap_or_default(),
        csv_query: String::new(),
        refused: false,
        views: Vec::new(),
    };
    match load(&state, &owner, &query).await {
        Ok(loaded) => {
            let range = loaded.report.range;
            page.from = range.from().to_string();
            page.to = range.to().to_string();
            page.brand = loaded.brand.clone().unwrap_or_default();
            page.csv_query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("brand", &page.brand)
                .append_pair("from", &page.from)
                .append_pair("to", &page.to)
                .finish();
            page.brands = loaded.brands;
            page.views = loaded
                .report
                .brands
                .iter()
                .map(BrandView::of)
                .collect::<Result<_, _>>()
                .map_err(anyhow::Error::new)?;
            Ok(render_with(StatusCode::OK, &page))
        }
        Err(Refused::BadRange(why)) => {
            page.refused = true;
            page.brands = db::reports::brands(&state.inbox.pool, &tenant_of(&owner)?).await?;
            page.layout = page.layout.with_message(Flash::error(why));
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(Refused::Page(error)) => Err(error),
    }
}

#[tracing::instrument(skip_all, fields(tenant = %owner.tenant))]
async fn csv(
    OwnerSignedIn(owner): OwnerSignedIn,
    State(state): State<AppState>,
    Query(query): Query<ReportQuery>,
) -> Result<Response, PageError> {
    let loaded = match load(&state, &owner, &query).await {
        Ok(loaded) => loaded,
        Err(Refused::BadRange(why)) => return Err(PageError::BadRequest(why)),
        Err(Refused::Page(error)) => return Err(error),
    };
    let body = export::write(&loaded.report).map_err(anyhow::Error::new)?;
    let range = loaded.report.range;
    let name = format!("report-{}-{}.csv", range.from(), range.to());
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}

fn tenant_of(owner: &SignedIn) -> Result<TenantId, PageError> {
    Ok(TenantId::parse(&owner.tenant).map_err(anyhow::Error::new)?)
}
