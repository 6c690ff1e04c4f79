//! What the harness reads from each seller's `/metrics` (Prometheus text):
//! tokens used (`seller_llm_tokens_total`, by direction) and the honesty
//! guard's interventions (`seller_guard_interventions_total`).

use anyhow::Context as _;
use store_testkit::app::metric_sum;

/// Tokens used by a seller, or by one scenario.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tokens {
    /// Prompt tokens.
    pub input: u64,
    /// Completion tokens.
    pub output: u64,
}

impl Tokens {
    /// Tokens used since `before`.
    pub fn since(self, before: Tokens) -> Tokens {
        Tokens {
            input: self.input.saturating_sub(before.input),
            output: self.output.saturating_sub(before.output),
        }
    }

    /// Both counts added.
    pub fn plus(self, other: Tokens) -> Tokens {
        Tokens {
            input: self.input + other.input,
            output: self.output + other.output,
        }
    }
}

/// What one scrape of a seller's `/metrics` says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SellerCounters {
    /// Tokens used so far.
    pub tokens: Tokens,
    /// Replies the guard had to cut so far.
    pub guard_interventions: u64,
}

impl SellerCounters {
    /// Reads the counters from Prometheus text.
    pub fn parse(text: &str) -> Self {
        let count = |name: &str, labels: &[(&str, &str)]| metric_sum(text, name, labels) as u64;
        Self {
            tokens: Tokens {
                input: count("seller_llm_tokens_total", &[("direction", "input")]),
                output: count("seller_llm_tokens_total", &[("direction", "output")]),
            },
            guard_interventions: count("seller_guard_interventions_total", &[]),
        }
    }

    /// Scrapes the seller listening on `port`.
    pub async fn scrape(http: &reqwest::Client, port: u16) -> anyhow::Result<Self> {
        let text = http
            .get(format!("http://127.0.0.1:{port}/metrics"))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .context("Failed to read a seller's /metrics")?
            .text()
            .await
            .context("Failed to read a seller's /metrics")?;
        Ok(Self::parse(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"# HELP seller_llm_tokens_total Tokens used, by direction (input/output)
# TYPE seller_llm_tokens_total counter
seller_llm_tokens_total{brand="fashion",direction="input",provider="openai",tenant="demo"} 1200
seller_llm_tokens_total{brand="fashion",direction="output",provider="openai",tenant="demo"} 80
seller_llm_tokens_total{brand="fashion",direction="input",provider="anthropic",tenant="demo"} 300
seller_llm_tokens_total_other{direction="input"} 5
# TYPE seller_guard_interventions_total counter
seller_guard_interventions_total{brand="fashion",tenant="demo"} 2
"#;

    #[test]
    fn counters_are_summed_over_the_labels_not_asked_for() {
        assert_eq!(
            SellerCounters::parse(TEXT),
            SellerCounters {
                tokens: Tokens {
                    input: 1500,
                    output: 80
                },
                guard_interventions: 2,
            }
        );
        assert_eq!(SellerCounters::parse(""), SellerCounters::default());
    }

    #[test]
    fn token_deltas_never_go_negative() {
        let before = Tokens {
            input: 10,
            output: 5,
        };
        let after = Tokens {
            input: 25,
            output: 5,
        };
        assert_eq!(
            after.since(before),
            Tokens {
                input: 15,
                output: 0
            }
        );
        assert_eq!(before.since(after), Tokens::default());
    }
}
