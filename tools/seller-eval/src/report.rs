//! The result of an evaluation run: pass^1 and pass^k over k runs of every
//! scenario, per-expectation failures, figure violations, tokens and cost;
//! written as Markdown, and judged against a threshold ([`Report::verdict`]).
//!
//! With `n` scenarios each played `k` times, `c_i` of scenario `i`'s runs
//! passing (as in τ-bench, whose pass^k is the chance that all of k
//! independent runs of a task succeed, estimated here with exactly k runs):
//! - pass^1 = Σ c_i / (n·k), the mean success rate over every run;
//! - pass^k = #{i : c_i = k} / n, the share of scenarios that passed every
//!   run.
//!
//! pass^k ≤ pass^1, with equality exactly when every scenario passed all
//! its runs or none: a deterministic brain (the offline one) must show
//! pass^k = pass^1, and a difference is flagged.

use std::{collections::BTreeMap, fmt::Write as _, time::Duration};

use crate::{metrics::Tokens, scenario::Failure};

/// Longest reply text quoted in the table.
const QUOTE_CHARS: usize = 90;

/// Model prices, per million tokens (any currency; USD by convention).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Prices {
    /// Per million prompt tokens.
    pub input_per_mtok: f64,
    /// Per million completion tokens.
    pub output_per_mtok: f64,
}

impl Prices {
    /// What `tokens` cost.
    pub fn cost(&self, tokens: Tokens) -> f64 {
        tokens.input as f64 * self.input_per_mtok / 1e6
            + tokens.output as f64 * self.output_per_mtok / 1e6
    }
}

/// One run of one scenario.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunOutcome {
    /// Failed expectations; empty when the run passed.
    pub failures: Vec<Failure>,
    /// Money and stock figures no catalog or order data back.
    pub figure_violations: usize,
    /// Tokens the run used; `None` when they could not be told apart from
    /// other runs' (runs of one brand at once).
    pub tokens: Option<Tokens>,
}

impl RunOutcome {
    /// Whether every check held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// The outcome of one scenario over its k runs.
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
    /// Its runs, in the order started.
    pub runs: Vec<RunOutcome>,
}

impl Outcome {
    /// Runs that passed.
    pub fn passes(&self) -> usize {
        self.runs.iter().filter(|r| r.passed()).count()
    }

    /// Whether every run passed.
    pub fn passed(&self) -> bool {
        self.passes() == self.runs.len()
    }

    /// Tokens over all runs; `None` when a run's are unknown.
    pub fn tokens(&self) -> Option<Tokens> {
        self.runs
            .iter()
            .try_fold(Tokens::default(), |sum, r| r.tokens.map(|t| sum.plus(t)))
    }

    /// Figure violations over all runs.
    pub fn figure_violations(&self) -> usize {
        self.runs.iter().map(|r| r.figure_violations).sum()
    }
}

/// pass^1 and pass^k of scenarios given as (runs passed, runs played);
/// both 0 without scenarios.
pub fn pass_rates(scenarios: &[(usize, usize)]) -> (f64, f64) {
    let runs: usize = scenarios.iter().map(|(_, k)| k).sum();
    let passes: usize = scenarios.iter().map(|(c, _)| c).sum();
    if runs == 0 {
        return (0.0, 0.0);
    }
    let all = scenarios.iter().filter(|(c, k)| c == k && *k > 0).count();
    (
        passes as f64 / runs as f64,
        all as f64 / scenarios.len() as f64,
    )
}

/// Every scenario's outcome, with the brain that played them.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The brain (`offline` or `openai:<model>`…).
    pub brain: String,
    /// Whether the brain is the offline one (deterministic).
    pub offline: bool,
    /// Runs per scenario.
    pub k: usize,
    /// One outcome per scenario, in the scenarios' order.
    pub outcomes: Vec<Outcome>,
    /// Prices the cost is reckoned at.
    pub prices: Prices,
    /// Tokens every seller used, from their `/metrics`.
    pub tokens: Tokens,
    /// Replies the sellers' own guard had to cut, from their `/metrics`.
    pub guard_interventions: u64,
    /// Wall time of the run, the shop's start included.
    pub wall: Duration,
}

impl Report {
    /// pass^1: the mean success rate over every run.
    pub fn pass_1(&self) -> f64 {
        self.rates().0
    }

    /// pass^k: the share of scenarios that passed all k runs.
    pub fn pass_k(&self) -> f64 {
        self.rates().1
    }

    fn rates(&self) -> (f64, f64) {
        let counts: Vec<(usize, usize)> = self
            .outcomes
            .iter()
            .map(|o| (o.passes(), o.runs.len()))
            .collect();
        pass_rates(&counts)
    }

    /// Whether pass^k and pass^1 differ: some scenario passed some runs
    /// and failed others.
    pub fn nondeterministic(&self) -> bool {
        self.outcomes
            .iter()
            .any(|o| o.passes() != 0 && o.passes() != o.runs.len())
    }

    /// Money and stock figures no catalog or order data back, in every run.
    pub fn figure_violations(&self) -> usize {
        self.outcomes.iter().map(Outcome::figure_violations).sum()
    }

    /// Required scenarios that failed a run.
    pub fn required_failures(&self) -> Vec<&Outcome> {
        self.outcomes
            .iter()
            .filter(|o| o.required && !o.passed())
            .collect()
    }

    /// Failed expectations by check kind, over every run.
    pub fn failures_by_check(&self) -> BTreeMap<&str, usize> {
        let mut out = BTreeMap::new();
        for failure in self
            .outcomes
            .iter()
            .flat_map(|o| &o.runs)
            .flat_map(|r| &r.failures)
        {
            *out.entry(failure.check.as_str()).or_default() += 1;
        }
        out
    }

    /// Why the run fails, empty when it passes: pass^1 below `min_pass`,
    /// any figure violation, required scenarios failing, or (offline) a
    /// difference between pass^k and pass^1.
    pub fn verdict(&self, min_pass: f64) -> Vec<String> {
        let mut why = Vec::new();
        if self.outcomes.is_empty() {
            why.push("no scenario was played".to_owned());
        }
        if self.pass_1() < min_pass {
            why.push(format!(
                "pass^1 {:.1}% is below the threshold {:.1}%",
                self.pass_1() * 100.0,
                min_pass * 100.0
            ));
        }
        let figures = self.figure_violations();
        if figures > 0 {
            why.push(format!(
                "{figures} money or stock figure(s) not in catalog or order data"
            ));
        }
        let required: Vec<&str> = self
            .required_failures()
            .iter()
            .map(|o| o.name.as_str())
            .collect();
        if !required.is_empty() {
            why.push(format!(
                "required scenarios failed: {}",
                required.join(", ")
            ));
        }
        if self.offline && self.nondeterministic() {
            why.push(format!(
                "the offline brain is deterministic, yet pass^k {:.1}% ≠ pass^1 {:.1}%",
                self.pass_k() * 100.0,
                self.pass_1() * 100.0
            ));
        }
        why
    }

    /// The summary line.
    pub fn summary(&self) -> String {
        let runs: usize = self.outcomes.iter().map(|o| o.runs.len()).sum();
        let passes: usize = self.outcomes.iter().map(Outcome::passes).sum();
        let all = self.outcomes.iter().filter(|o| o.passed()).count();
        let k_note = match (self.nondeterministic(), self.offline) {
            (false, true) => " (= pass^1: deterministic)",
            (true, true) => " — **≠ pass^1: the offline brain was not deterministic**",
            (true, false) => " (< pass^1: some scenarios passed only some runs)",
            (false, false) => "",
        };
        format!(
            "Seller evaluation — brain `{}`, k = {}: pass^1 = {:.1}% ({passes}/{runs} runs), \
             pass^k = {:.1}% ({all}/{} scenarios passed every run){k_note}; figure violations: {}; \
             seller guard interventions: {}; tokens {} in / {} out, cost {:.4}; {:.0} s.",
            self.brain,
            self.k,
            self.pass_1() * 100.0,
            self.pass_k() * 100.0,
            self.outcomes.len(),
            self.figure_violations(),
            self.guard_interventions,
            self.tokens.input,
            self.tokens.output,
            self.prices.cost(self.tokens),
            self.wall.as_secs_f64(),
        )
    }

    /// The Markdown report: the summary line, a row per scenario (runs
    /// passed, tokens, cost, figure violations, and the failed checks of its
    /// first failed run: turn, check, what, the reply quoted), and the
    /// failures by check kind.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("{}\n\n", self.summary());
        out.push_str(
            "| scenario | language | turns | runs passed | result | tokens in/out | cost | figure violations | failed checks |\n",
        );
        out.push_str("|---|---|---|---|---|---|---|---|---|\n");
        for o in &self.outcomes {
            let result = match (o.passed(), o.required) {
                (true, _) => "pass",
                (false, true) => "**FAIL**",
                (false, false) => "fail",
            };
            let (tokens, cost) = match o.tokens() {
                Some(t) => (
                    format!("{}/{}", t.input, t.output),
                    format!("{:.4}", self.prices.cost(t)),
                ),
                None => ("—".to_owned(), "—".to_owned()),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {}/{} | {result} | {tokens} | {cost} | {} | {} |",
                o.name,
                o.language,
                o.turns,
                o.passes(),
                o.runs.len(),
                o.figure_violations(),
                failed_cell(o),
            );
        }
        let runs: usize = self.outcomes.iter().map(|o| o.runs.len()).sum();
        let passes: usize = self.outcomes.iter().map(Outcome::passes).sum();
        let _ = writeln!(
            out,
            "| **total** | | | {passes}/{runs} | | {}/{} | {:.4} | {} | |",
            self.tokens.input,
            self.tokens.output,
            self.prices.cost(self.tokens),
            self.figure_violations(),
        );
        let failures = self.failures_by_check();
        if !failures.is_empty() {
            out.push_str(
                "\nFailures by check (over every run):\n\n| check | failures |\n|---|---|\n",
            );
            for (check, n) in failures {
                let _ = writeln!(out, "| `{check}` | {n} |");
            }
        }
        out
    }
}

/// The failures of a scenario's first failed run, for a table cell.
fn failed_cell(outcome: &Outcome) -> String {
    let Some((i, run)) = outcome.runs.iter().enumerate().find(|(_, r)| !r.passed()) else {
        return String::new();
    };
    let prefix = if outcome.runs.len() > 1 {
        format!("run {}: ", i + 1)
    } else {
        String::new()
    };
    let items: Vec<String> = run
        .failures
        .iter()
        .map(|f| match &f.reply {
            Some(reply) => format!("{f} — “{}”", quote(reply)),
            None => f.to_string(),
        })
        .collect();
    cell(&format!("{prefix}{}", items.join("<br>")))
}

/// `text` cut to [`QUOTE_CHARS`] characters.
fn quote(text: &str) -> String {
    let mut chars = text.chars();
    let cut: String = chars.by_ref().take(QUOTE_CHARS).collect();
    if chars.next().is_some() {
        format!("{}…", cut.trim_end())
    } else {
        cut
    }
}

/// `text` safe in a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::At;

    fn failure(check: &str) -> Failure {
        Failure {
            at: At::Turn(1),
            check: check.into(),
            detail: "promises a discount (20% off)".into(),
            reply: Some("Sure | 20% off today!\nAnything else?".into()),
        }
    }

    fn outcome(name: &str, runs: &[bool]) -> Outcome {
        Outcome {
            name: name.into(),
            language: "en".into(),
            turns: 2,
            required: false,
            runs: runs
                .iter()
                .map(|passed| RunOutcome {
                    failures: if *passed {
                        vec![]
                    } else {
                        vec![failure("no_discount")]
                    },
                    figure_violations: 0,
                    tokens: Some(Tokens {
                        input: 1000,
                        output: 100,
                    }),
                })
                .collect(),
        }
    }

    fn report(offline: bool, outcomes: Vec<Outcome>) -> Report {
        Report {
            brain: "offline".into(),
            offline,
            k: outcomes.first().map_or(1, |o| o.runs.len()),
            outcomes,
            prices: Prices {
                input_per_mtok: 3.0,
                output_per_mtok: 15.0,
            },
            tokens: Tokens::default(),
            guard_interventions: 0,
            wall: Duration::from_secs(1),
        }
    }

    #[test]
    fn pass_1_is_the_mean_over_runs_and_pass_k_the_share_passing_every_run() {
        // 4 scenarios × k=4: all pass, 3/4, 1/4, none.
        let (p1, pk) = pass_rates(&[(4, 4), (3, 4), (1, 4), (0, 4)]);
        assert!((p1 - 8.0 / 16.0).abs() < 1e-12, "{p1}");
        assert!((pk - 1.0 / 4.0).abs() < 1e-12, "{pk}");
        // k=1: both are the share of scenarios that passed.
        assert_eq!(pass_rates(&[(1, 1), (0, 1), (1, 1), (1, 1)]), (0.75, 0.75));
        assert_eq!(pass_rates(&[]), (0.0, 0.0));
    }

    #[test]
    fn all_or_nothing_scenarios_give_pass_k_equal_to_pass_1() {
        let steady = report(
            true,
            vec![outcome("a", &[true, true]), outcome("b", &[false, false])],
        );
        assert_eq!(steady.pass_1(), steady.pass_k());
        assert!(!steady.nondeterministic());
        assert!(
            steady.summary().contains("deterministic"),
            "{}",
            steady.summary()
        );

        let flaky = report(
            true,
            vec![outcome("a", &[true, false]), outcome("b", &[true, true])],
        );
        assert_eq!((flaky.pass_1(), flaky.pass_k()), (0.75, 0.5));
        assert!(
            flaky.verdict(0.5).iter().any(|w| w.contains("≠ pass^1")),
            "{:?}",
            flaky.verdict(0.5)
        );
        // With a model a difference is expected, not a failure.
        assert_eq!(
            report(false, flaky.outcomes.clone()).verdict(0.5),
            Vec::<String>::new()
        );
    }

    #[test]
    fn the_threshold_and_any_figure_violation_fail_the_run() {
        let mut r = report(
            true,
            (0..20)
                .map(|i| outcome(&format!("s{i}"), &[i != 0]))
                .collect(),
        );
        assert_eq!(r.pass_1(), 0.95);
        assert_eq!(r.verdict(0.95), Vec::<String>::new());
        assert_eq!(r.verdict(0.96).len(), 1);

        r.outcomes[1].runs[0].figure_violations = 1;
        let why = r.verdict(0.95);
        assert!(
            why.iter().any(|w| w.contains("1 money or stock figure")),
            "{why:?}"
        );
    }

    #[test]
    fn the_table_lists_turn_check_and_reply_of_each_failure_with_tokens_and_cost() {
        let mut failing = outcome("discount", &[true, false]);
        failing.required = true;
        let r = report(false, vec![failing, outcome("fine", &[true, true])]);

        let table = r.to_markdown();

        assert!(
            table.contains(
                "| discount | en | 2 | 1/2 | **FAIL** | 2000/200 | 0.0090 | 0 | run 2: turn 1 `no_discount`: promises a discount (20% off) — “Sure \\| 20% off today! Anything else?” |"
            ),
            "{table}"
        );
        assert!(
            table.contains("| fine | en | 2 | 2/2 | pass | 2000/200 | 0.0090 | 0 |  |"),
            "{table}"
        );
        assert!(table.contains("| `no_discount` | 1 |"), "{table}");
        assert!(
            table.contains("| **total** | | | 3/4 | | 0/0 | 0.0000 | 0 | |"),
            "{table}"
        );
        assert!(
            table.contains(
                "k = 2: pass^1 = 75.0% (3/4 runs), pass^k = 50.0% (1/2 scenarios passed every run)"
            ),
            "{table}"
        );
        assert_eq!(r.required_failures().len(), 1);
    }

    #[test]
    fn long_replies_are_cut_and_unknown_tokens_shown_as_such() {
        assert_eq!(quote(&"a".repeat(200)).chars().count(), QUOTE_CHARS + 1);
        let mut o = outcome("x", &[true]);
        o.runs[0].tokens = None;
        assert_eq!(o.tokens(), None);
        assert!(
            report(true, vec![o])
                .to_markdown()
                .contains("| 1/1 | pass | — | — |")
        );
    }
}
