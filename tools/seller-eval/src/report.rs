//! The result table of an evaluation run, in Markdown.

use std::fmt::Write as _;

/// The outcome of one scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Scenario name.
    pub name: String,
    /// The shopper's language.
    pub language: String,
    /// Shopper turns played.
    pub turns: usize,
    /// Whether a failure fails the run.
    pub required: bool,
    /// Failed checks, described; empty when the scenario passed.
    pub failed: Vec<String>,
}

impl Outcome {
    /// Whether every check held.
    pub fn passed(&self) -> bool {
        self.failed.is_empty()
    }
}

/// Every scenario's outcome, with the brain that played them.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The brain (`offline` or `openai:<model>`…).
    pub brain: String,
    /// One outcome per scenario, in the order played.
    pub outcomes: Vec<Outcome>,
}

impl Report {
    /// Required scenarios that failed.
    pub fn required_failures(&self) -> Vec<&Outcome> {
        self.outcomes
            .iter()
            .filter(|o| o.required && !o.passed())
            .collect()
    }

    /// The Markdown table: scenario | language | turns | result | failed checks.
    pub fn to_markdown(&self) -> String {
        let passed = self.outcomes.iter().filter(|o| o.passed()).count();
        let mut out = format!(
            "Seller evaluation — brain `{}`: {passed}/{} scenarios passed.\n\n",
            self.brain,
            self.outcomes.len()
        );
        out.push_str("| scenario | language | turns | result | failed checks |\n");
        out.push_str("|---|---|---|---|---|\n");
        for o in &self.outcomes {
            let result = match (o.passed(), o.required) {
                (true, _) => "pass",
                (false, true) => "**FAIL**",
                (false, false) => "fail (not required)",
            };
            let failed = o.failed.join("; ").replace('|', "\\|").replace('\n', " ");
            let _ = writeln!(
                out,
                "| {} | {} | {} | {result} | {failed} |",
                o.name, o.language, o.turns
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_marks_required_failures() {
        let report = Report {
            brain: "offline".into(),
            outcomes: vec![Outcome {
                name: "discount".into(),
                language: "en".into(),
                turns: 2,
                required: true,
                failed: vec!["turn 1: promises a discount (20% off)".into()],
            }],
        };
        let table = report.to_markdown();
        assert!(
            table.contains(
                "| discount | en | 2 | **FAIL** | turn 1: promises a discount (20% off) |"
            ),
            "{table}"
        );
        assert_eq!(report.required_failures().len(), 1);
    }
}
