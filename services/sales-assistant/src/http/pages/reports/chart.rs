//! The report's charts as inline SVG drawn on the server: bars per day,
//! side by side (conversations and escalations) or stacked (revenue of the
//! AI and of humans). The geometry is computed here; `report_chart.svg`
//! writes it out, escaped. Colours are presentation attributes (`fill=`)
//! and classes styled by `report.css`: no `style` attribute, so the pages'
//! Content-Security-Policy holds.

use std::fmt;

use askama::Template;
use chrono::NaiveDate;

/// The drawing's width and height (it scales to its box).
const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 220.0;
/// Room for the y labels, the x labels, the legend, and on the right.
const LEFT: f64 = 56.0;
const BOTTOM: f64 = 22.0;
const TOP: f64 = 26.0;
const RIGHT: f64 = 8.0;
/// At most this many day labels under the bars.
const MAX_X_LABELS: usize = 10;

/// One series of values, one per day.
#[derive(Debug, Clone)]
pub struct Series {
    /// Its name in the legend and the tooltips.
    pub name: String,
    /// Its CSS class (`bar-conversations`, …).
    pub class: &'static str,
    /// Its colour, for viewers without the stylesheet.
    pub fill: &'static str,
    /// One value per day, not negative.
    pub values: Vec<i64>,
}

/// A coordinate, written with one decimal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Px(pub f64);

impl fmt::Display for Px {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.1}", self.0)
    }
}

/// A bar with its tooltip.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub x: Px,
    pub y: Px,
    pub width: Px,
    pub height: Px,
    pub class: &'static str,
    pub fill: &'static str,
    pub title: String,
}

/// A text at a place.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub x: Px,
    pub y: Px,
    pub text: String,
}

/// A horizontal guide with its value on the left.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq)]
pub struct Guide {
    pub y: Px,
    pub label_x: Px,
    pub label_y: Px,
    pub text: String,
}

/// A legend entry.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub x: Px,
    pub text_x: Px,
    pub class: &'static str,
    pub fill: &'static str,
    pub name: String,
}

/// A bar chart, ready to write (the fields are its geometry, in the
/// drawing's units).
#[allow(missing_docs)]
#[derive(Debug, Clone, Template)]
#[template(path = "report_chart.svg")]
pub struct BarChart {
    pub title: String,
    pub width: Px,
    pub height: Px,
    pub left: Px,
    pub right: Px,
    pub baseline: Px,
    pub grid: Vec<Guide>,
    pub bars: Vec<Bar>,
    /// Days under the bars.
    pub days: Vec<Label>,
    pub keys: Vec<Key>,
}

/// Side by side or stacked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    Grouped,
    Stacked,
}

impl BarChart {
    /// Each day's values of `series` side by side; `value` writes a value.
    pub fn grouped(
        title: &str,
        days: &[NaiveDate],
        series: &[Series],
        value: impl Fn(i64) -> String,
    ) -> Self {
        Self::draw(title, days, series, &value, Layout::Grouped)
    }

    /// Each day's values of `series` stacked, the first at the bottom.
    pub fn stacked(
        title: &str,
        days: &[NaiveDate],
        series: &[Series],
        value: impl Fn(i64) -> String,
    ) -> Self {
        Self::draw(title, days, series, &value, Layout::Stacked)
    }

    fn draw(
        title: &str,
        days: &[NaiveDate],
        series: &[Series],
        value: &dyn Fn(i64) -> String,
        layout: Layout,
    ) -> Self {
        let at = |s: &Series, day: usize| s.values.get(day).copied().unwrap_or(0).max(0);
        let highest = (0..days.len())
            .map(|day| match layout {
                Layout::Grouped => series.iter().map(|s| at(s, day)).max().unwrap_or(0),
                Layout::Stacked => series.iter().map(|s| at(s, day)).sum(),
            })
            .max()
            .unwrap_or(0);
        let top = nice_ceiling(highest);
        let plot_height = HEIGHT - TOP - BOTTOM;
        let baseline = HEIGHT - BOTTOM;
        let scale = |v: i64| v as f64 / top as f64 * plot_height;
        let slot = (WIDTH - LEFT - RIGHT) / days.len().max(1) as f64;
        let groups = match layout {
            Layout::Grouped => series.len().max(1),
            Layout::Stacked => 1,
        };
        let bar_width = slot * 0.8 / groups as f64;

        let mut bars = Vec::new();
        for (day_index, day) in days.iter().enumerate() {
            let slot_x = LEFT + slot * day_index as f64 + slot * 0.1;
            let mut stacked = 0.0;
            for (i, s) in series.iter().enumerate() {
                let v = at(s, day_index);
                if v == 0 {
                    continue;
                }
                let height = scale(v);
                let (x, y) = match layout {
                    Layout::Grouped => (slot_x + bar_width * i as f64, baseline - height),
                    Layout::Stacked => {
                        stacked += height;
                        (slot_x, baseline - stacked)
                    }
                };
                bars.push(Bar {
                    x: Px(x),
                    y: Px(y),
                    width: Px(bar_width),
                    height: Px(height),
                    class: s.class,
                    fill: s.fill,
                    title: format!("{day} · {}: {}", s.name, value(v)),
                });
            }
        }
        let grid = [0, top / 2, top]
            .into_iter()
            .map(|v| Guide {
                y: Px(baseline - scale(v)),
                label_x: Px(LEFT - 6.0),
                label_y: Px(baseline - scale(v) + 4.0),
                text: value(v),
            })
            .collect();
        let every = days.len().div_ceil(MAX_X_LABELS).max(1);
        let labels = days
            .iter()
            .enumerate()
            .filter(|(i, _)| i % every == 0)
            .map(|(i, day)| Label {
                x: Px(LEFT + slot * (i as f64 + 0.5)),
                y: Px(HEIGHT - 6.0),
                text: day.format("%m-%d").to_string(),
            })
            .collect();
        let keys = series
            .iter()
            .enumerate()
            .map(|(i, s)| Key {
                x: Px(LEFT + 150.0 * i as f64),
                text_x: Px(LEFT + 150.0 * i as f64 + 14.0),
                class: s.class,
                fill: s.fill,
                name: s.name.clone(),
            })
            .collect();
        Self {
            title: title.to_owned(),
            width: Px(WIDTH),
            height: Px(HEIGHT),
            left: Px(LEFT),
            right: Px(WIDTH - RIGHT),
            baseline: Px(baseline),
            grid,
            bars,
            days: labels,
            keys,
        }
    }
}

/// The axis' top for values up to `highest`: the smallest of 2, 4, 6, 8
/// or 10 × 10ⁿ (even, so its half is whole) at or above it; 2 for nothing.
fn nice_ceiling(highest: i64) -> i64 {
    let mut unit: i64 = 1;
    loop {
        for step in [2_i64, 4, 6, 8, 10] {
            let top = step.saturating_mul(unit);
            if top >= highest || top == i64::MAX {
                return top;
            }
        }
        unit = unit.saturating_mul(10);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn days(n: u32) -> Vec<NaiveDate> {
        (1..=n)
            .map(|d| NaiveDate::from_ymd_opt(2026, 12, d).unwrap())
            .collect()
    }

    fn series(name: &str, class: &'static str, values: &[i64]) -> Series {
        Series {
            name: name.to_owned(),
            class,
            fill: "#123456",
            values: values.to_vec(),
        }
    }

    #[test]
    fn the_axis_tops_at_a_round_even_number() {
        let tops: Vec<i64> = [0, 1, 2, 3, 5, 7, 11, 40, 41, 99, 101, 12_345]
            .into_iter()
            .map(nice_ceiling)
            .collect();

        assert_eq!(tops, [2, 2, 2, 4, 6, 8, 20, 40, 60, 100, 200, 20_000]);
    }

    #[test]
    fn grouped_bars_stand_side_by_side_in_proportion() {
        let chart = BarChart::grouped(
            "Conversations and escalations",
            &days(2),
            &[
                series("conversations", "bar-a", &[10, 5]),
                series("escalations", "bar-b", &[4, 0]),
            ],
            |v| v.to_string(),
        );

        // Top 10; 172 px of plot; the zero bar is not drawn.
        assert_eq!(chart.bars.len(), 3);
        let (a, b) = (&chart.bars[0], &chart.bars[1]);
        assert_eq!(a.height, Px(172.0));
        assert!((b.height.0 - 68.8).abs() < 1e-9);
        assert_eq!(a.y.0 + a.height.0, chart.baseline.0);
        assert!((b.x.0 - (a.x.0 + a.width.0)).abs() < 1e-9);
        assert_eq!(b.title, "2026-12-01 · escalations: 4");
        let grid: Vec<&str> = chart.grid.iter().map(|g| g.text.as_str()).collect();
        assert_eq!(grid, ["0", "5", "10"]);
    }

    #[test]
    fn stacked_bars_pile_up_the_series_of_a_day() {
        let chart = BarChart::stacked(
            "Revenue",
            &days(1),
            &[
                series("AI", "bar-ai", &[3_000]),
                series("human", "bar-human", &[1_000]),
            ],
            |v| format!("{v} c"),
        );

        let (ai, human) = (&chart.bars[0], &chart.bars[1]);
        assert_eq!(chart.grid[2].text, "4000 c");
        assert_eq!(ai.x, human.x);
        assert!((human.y.0 + human.height.0 - ai.y.0).abs() < 1e-9);
        assert!((chart.baseline.0 - human.y.0 - 172.0).abs() < 1e-9);
    }

    #[test]
    fn the_svg_has_no_style_attribute_and_escapes_its_texts() {
        let chart = BarChart::grouped(
            "<script>alert(1)</script>",
            &days(31),
            &[series("a & b", "bar-a", &[1; 31])],
            |v| v.to_string(),
        );

        let svg = chart.render().unwrap();

        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(!svg.contains("style="));
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&#60;script&#62;"), "{svg}");
        assert!(svg.contains("a &#38; b"), "{svg}");
        // At most ten day labels for a month.
        assert_eq!(chart.days.len(), 8);
        assert_eq!(svg.matches("<rect").count(), 31 + 1);
    }
}
