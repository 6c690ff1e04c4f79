//! The owner's reports: `GET /inbox/reports` and `GET /inbox/reports.csv`.

pub mod chart;
pub mod export;
pub mod view;
