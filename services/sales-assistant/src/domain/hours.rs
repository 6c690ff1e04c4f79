//! Staffed hours per brand (`INBOX_STAFFED_HOURS`): when a person is there
//! to answer, in the brand's own time zone. A brand without an entry is
//! always staffed.
//!
//! The setting reads `fashion=Mon-Fri 09:00-18:00 Europe/Madrid;
//! tech=Mon-Sat 10:00-20:00 America/Sao_Paulo`: per brand, days (a range
//! `Mon-Fri`, a list `Mon,Wed,Sat`, or both `Mon-Wed,Sat`), one daily
//! window `HH:MM-HH:MM` (the end after the start, the same day) and an
//! IANA time zone.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone as _, Utc, Weekday};
use chrono_tz::Tz;

/// When a brand is staffed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    /// Staffed on these days (Monday first).
    days: [bool; 7],
    /// Daily start, local time.
    start: NaiveTime,
    /// Daily end, local time (after `start`).
    end: NaiveTime,
    /// The brand's time zone.
    zone: Tz,
}

/// Every brand's staffed hours.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaffedHours(BTreeMap<String, Shift>);

/// When a person can answer, for a brand at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Staffing {
    /// Someone is on shift now (or the brand has no hours).
    Now,
    /// Outside hours; the next shift starts then.
    From {
        /// The next shift's start.
        at: DateTime<Utc>,
        /// The brand's zone, to tell the shopper the local time.
        zone: Tz,
    },
}

impl StaffedHours {
    /// Parses the setting; the error says which part is wrong and why.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut brands = BTreeMap::new();
        for entry in text.split(';').map(str::trim).filter(|e| !e.is_empty()) {
            let (brand, shift) = entry.split_once('=').ok_or_else(|| {
                format!("`{entry}`: expected <brand>=<days> <HH:MM-HH:MM> <zone>")
            })?;
            let brand = brand.trim();
            if brand.is_empty() {
                return Err(format!("`{entry}`: the brand is missing"));
            }
            let shift = Shift::parse(shift.trim()).map_err(|why| format!("`{entry}`: {why}"))?;
            if brands.insert(brand.to_owned(), shift).is_some() {
                return Err(format!("brand {brand} is given twice"));
            }
        }
        Ok(Self(brands))
    }

    /// Whether anyone is on shift for `brand` at `now`, or when next.
    pub fn staffing(&self, brand: &str, now: DateTime<Utc>) -> Staffing {
        match self.0.get(brand) {
            None => Staffing::Now,
            Some(shift) => shift.staffing(now),
        }
    }

    /// Whether no brand has hours.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Shift {
    fn parse(text: &str) -> Result<Self, String> {
        let parts: Vec<&str> = text.split_whitespace().collect();
        let [days, window, zone] = parts.as_slice() else {
            return Err("expected <days> <HH:MM-HH:MM> <zone>".to_owned());
        };
        let days = parse_days(days)?;
        let (start, end) = window
            .split_once('-')
            .ok_or_else(|| format!("`{window}` is not a window HH:MM-HH:MM"))?;
        let start = parse_time(start)?;
        let end = parse_time(end)?;
        if end <= start {
            return Err(format!("the window {window} ends before it starts"));
        }
        let zone: Tz = zone
            .parse()
            .map_err(|_| format!("`{zone}` is not an IANA time zone (like Europe/Madrid)"))?;
        Ok(Self {
            days,
            start,
            end,
            zone,
        })
    }

    fn staffing(&self, now: DateTime<Utc>) -> Staffing {
        let local = now.with_timezone(&self.zone);
        let today = local.date_naive();
        if self.works(today.weekday()) && local.time() >= self.start && local.time() < self.end {
            return Staffing::Now;
        }
        // The next start within a week (today's, when it is still ahead).
        for ahead in 0..=7 {
            let day = today + Duration::days(ahead);
            if !self.works(day.weekday()) {
                continue;
            }
            let Some(start) = self
                .zone
                .from_local_datetime(&day.and_time(self.start))
                .earliest()
            else {
                continue;
            };
            if start > now {
                return Staffing::From {
                    at: start.with_timezone(&Utc),
                    zone: self.zone,
                };
            }
        }
        // No working day at all cannot be configured; be staffed.
        Staffing::Now
    }

    fn works(&self, day: Weekday) -> bool {
        self.days[day.num_days_from_monday() as usize]
    }
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn day_index(name: &str) -> Result<usize, String> {
    let lower = name.trim().to_ascii_lowercase();
    DAYS.iter()
        .position(|d| lower.len() >= 3 && d.starts_with(&lower[..3]) && lower.starts_with(d))
        .ok_or_else(|| format!("`{name}` is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun)"))
}

fn parse_days(text: &str) -> Result<[bool; 7], String> {
    let mut days = [false; 7];
    for item in text.split(',') {
        match item.split_once('-') {
            Some((from, to)) => {
                let (from, to) = (day_index(from)?, day_index(to)?);
                if to < from {
                    return Err(format!(
                        "the days {item} run backwards (weeks start on Mon)"
                    ));
                }
                days[from..=to].iter_mut().for_each(|d| *d = true);
            }
            None => days[day_index(item)?] = true,
        }
    }
    Ok(days)
}

fn parse_time(text: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M")
        .map_err(|_| format!("`{text}` is not a time HH:MM"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn a_brand_is_staffed_inside_its_window_in_its_own_zone() {
        let hours = StaffedHours::parse(
            "fashion=Mon-Fri 09:00-18:00 Europe/Madrid; tech=Mon-Sat 10:00-20:00 America/Sao_Paulo",
        )
        .unwrap();
        // Wednesday 2026-12-09 10:00 in Madrid is 09:00 UTC.
        assert_eq!(
            hours.staffing("fashion", utc("2026-12-09T09:00:00Z")),
            Staffing::Now
        );
        // 07:00 in São Paulo: tech opens at 10:00 local, 13:00 UTC.
        assert_eq!(
            hours.staffing("tech", utc("2026-12-09T10:00:00Z")),
            Staffing::From {
                at: utc("2026-12-09T13:00:00Z"),
                zone: chrono_tz::America::Sao_Paulo
            }
        );
        assert_eq!(
            hours.staffing("shoes", utc("2026-12-09T03:00:00Z")),
            Staffing::Now
        );
    }

    #[test]
    fn after_friday_closing_the_next_shift_is_monday() {
        let hours = StaffedHours::parse("fashion=Mon-Fri 09:00-18:00 Europe/Madrid").unwrap();
        // Friday 2026-12-11 19:00 Madrid (18:00 UTC) → Monday 09:00 (08:00 UTC).
        assert_eq!(
            hours.staffing("fashion", utc("2026-12-11T18:00:00Z")),
            Staffing::From {
                at: utc("2026-12-14T08:00:00Z"),
                zone: chrono_tz::Europe::Madrid
            }
        );
    }

    #[test]
    fn day_lists_and_ranges_mix() {
        let hours = StaffedHours::parse("a=Mon-Tue,Sat 10:00-11:00 UTC").unwrap();
        // Thursday 2026-12-10 10:30 UTC: not a working day; Saturday is.
        assert_eq!(
            hours.staffing("a", utc("2026-12-10T10:30:00Z")),
            Staffing::From {
                at: utc("2026-12-12T10:00:00Z"),
                zone: chrono_tz::UTC
            }
        );
    }

    #[test]
    fn nonsense_is_refused_with_the_reason() {
        for (text, why) in [
            ("fashion", "expected <brand>="),
            ("fashion=Mon-Fri 09:00-18:00", "expected <days>"),
            ("fashion=Mon-Fry 09:00-18:00 UTC", "`Fry` is not a day"),
            ("fashion=Mon-Fri 18:00-09:00 UTC", "ends before it starts"),
            (
                "fashion=Mon-Fri 09:00-18:00 Mars/Olympus",
                "not an IANA time zone",
            ),
            ("fashion=Fri-Mon 09:00-18:00 UTC", "run backwards"),
            (
                "a=Mon 09:00-10:00 UTC; a=Tue 09:00-10:00 UTC",
                "given twice",
            ),
        ] {
            let error = StaffedHours::parse(text).unwrap_err();
            assert!(error.contains(why), "{text}: {error}");
        }
        assert!(StaffedHours::parse("").unwrap().is_empty());
    }
}
