//! Picks the next token from the logits.
//!
//! The chain and its defaults follow llama.cpp's (penalties, top-k, top-p,
//! min-p, temperature, draw), so settings mean what users of other local
//! engines expect. Temperature 0 is plain argmax with nothing else applied
//! unless asked for, which makes runs comparable token for token.

use std::collections::HashMap;

use crate::backend::Params;

/// llama.cpp's defaults for what a request leaves unset.
const DEFAULT_TEMPERATURE: f32 = 0.8;
const DEFAULT_TOP_K: usize = 40;
const DEFAULT_TOP_P: f32 = 0.95;
const DEFAULT_MIN_P: f32 = 0.05;
/// How many recent tokens the penalties look at.
pub const PENALTY_WINDOW: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub struct SamplingConfig {
    pub temperature: f32,
    pub top_k: Option<usize>,
    pub top_p: Option<f32>,
    pub min_p: Option<f32>,
    pub repetition_penalty: Option<f32>,
    pub presence_penalty: Option<f32>,
    pub frequency_penalty: Option<f32>,
    pub seed: u64,
}

impl SamplingConfig {
    /// The sampling for choice `choice` of a request: each choice draws
    /// from its own seed so `n > 1` gives different texts, and the same
    /// seed gives the same texts again.
    pub fn from_params(params: &Params, choice: u32) -> SamplingConfig {
        let temperature = params.temperature.unwrap_or(DEFAULT_TEMPERATURE);
        let greedy = temperature <= 0.0;
        // Unset filters take llama.cpp's defaults, except when greedy,
        // where they could not change the pick anyway.
        let seed = params
            .seed
            .map_or_else(|| fastrand::u64(..), |seed| seed as u64)
            .wrapping_add(u64::from(choice));
        SamplingConfig {
            temperature,
            top_k: with_default(params.top_k.map(|k| k as usize), DEFAULT_TOP_K, greedy),
            top_p: with_default(params.top_p, DEFAULT_TOP_P, greedy),
            min_p: with_default(params.min_p, DEFAULT_MIN_P, greedy),
            repetition_penalty: params.repetition_penalty,
            presence_penalty: params.presence_penalty,
            frequency_penalty: params.frequency_penalty,
            seed,
        }
    }
}

#[derive(Debug)]
pub struct Sampler {
    config: SamplingConfig,
    rng: fastrand::Rng,
}

impl Sampler {
    pub fn new(config: SamplingConfig) -> Sampler {
        Sampler {
            rng: fastrand::Rng::with_seed(config.seed),
            config,
        }
    }

    /// The next token; `recent` holds the tokens the penalties consider.
    pub fn sample(&mut self, logits: &mut [f32], recent: &[u32]) -> u32 {
        self.penalize(logits, recent);
        if self.config.temperature <= 0.0 {
            return argmax(logits);
        }
        let mut candidates: Vec<(u32, f32)> = logits
            .iter()
            .enumerate()
            .map(|(id, &logit)| (id as u32, logit))
            .filter(|(_, logit)| logit.is_finite())
            .collect();
        if candidates.is_empty() {
            return argmax(logits);
        }
        candidates.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        if let Some(k) = self.config.top_k.filter(|&k| k > 0) {
            candidates.truncate(k);
        }
        let probabilities = softmax(candidates.iter().map(|&(_, logit)| logit), 1.0);
        if let Some(top_p) = self.config.top_p.filter(|&p| p < 1.0) {
            let mut total = 0.0;
            let keep = probabilities
                .iter()
                .position(|&p| {
                    total += p;
                    total >= top_p
                })
                .map_or(candidates.len(), |last| last + 1);
            candidates.truncate(keep);
        }
        if let Some(min_p) = self.config.min_p.filter(|&p| p > 0.0) {
            // Sorted, so the first probability is the largest.
            let floor = probabilities[0] * min_p;
            let keep = probabilities.iter().take_while(|&&p| p >= floor).count();
            candidates.truncate(keep.max(1));
        }
        let weights = softmax(
            candidates.iter().map(|&(_, logit)| logit),
            self.config.temperature,
        );
        let mut draw = self.rng.f32();
        for (&(id, _), weight) in candidates.iter().zip(weights) {
            if draw < weight {
                return id;
            }
            draw -= weight;
        }
        candidates.last().map_or(0, |&(id, _)| id)
    }

    fn penalize(&self, logits: &mut [f32], recent: &[u32]) {
        let config = &self.config;
        let repetition = config.repetition_penalty.filter(|&p| p != 1.0);
        let presence = config.presence_penalty.filter(|&p| p != 0.0);
        let frequency = config.frequency_penalty.filter(|&p| p != 0.0);
        if repetition.is_none() && presence.is_none() && frequency.is_none() {
            return;
        }
        let window = &recent[recent.len().saturating_sub(PENALTY_WINDOW)..];
        let mut counts: HashMap<u32, u32> = HashMap::new();
        for &token in window {
            *counts.entry(token).or_default() += 1;
        }
        for (&token, &count) in &counts {
            let Some(logit) = logits.get_mut(token as usize) else {
                continue;
            };
            if let Some(penalty) = repetition {
                // Dividing a negative logit would raise it, so those shrink
                // by multiplication instead (as llama.cpp and CTRL do).
                *logit = if *logit > 0.0 {
                    *logit / penalty
                } else {
                    *logit * penalty
                };
            }
            *logit -= count as f32 * frequency.unwrap_or(0.0) + presence.unwrap_or(0.0);
        }
    }
}

fn with_default<T>(value: Option<T>, fallback: T, greedy: bool) -> Option<T> {
    if greedy {
        value
    } else {
        value.or(Some(fallback))
    }
}

/// The first largest logit.
pub fn argmax(logits: &[f32]) -> u32 {
    let mut best = 0;
    for (index, &logit) in logits.iter().enumerate() {
        if logit > logits[best] {
            best = index;
        }
    }
    best as u32
}

fn softmax(logits: impl Iterator<Item = f32> + Clone, temperature: f32) -> Vec<f32> {
    let max = logits.clone().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f32> = logits.map(|l| ((l - max) / temperature).exp()).collect();
    let sum: f32 = exps.iter().sum();
    exps.into_iter().map(|e| e / sum).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(temperature: f32) -> Params {
        Params {
            temperature: Some(temperature),
            seed: Some(7),
            ..Params::default()
        }
    }

    #[test]
    fn temperature_zero_is_argmax_even_with_defaults_in_force() {
        let config = SamplingConfig::from_params(&params(0.0), 0);
        assert_eq!(
            (config.top_k, config.top_p, config.min_p),
            (None, None, None)
        );
        let mut sampler = Sampler::new(config);
        let mut logits = vec![0.1, 2.0, 2.0, -1.0];
        // Ties go to the first, as in llama.cpp.
        assert_eq!(sampler.sample(&mut logits, &[1, 1, 1]), 1);
        assert_eq!(logits, [0.1, 2.0, 2.0, -1.0], "nothing was applied");
    }

    #[test]
    fn the_same_seed_draws_the_same_tokens_and_choices_differ() {
        let logits: Vec<f32> = (0..50).map(|i| (i % 7) as f32 * 0.3).collect();
        let draw = |choice| {
            let mut sampler = Sampler::new(SamplingConfig::from_params(&params(1.0), choice));
            (0..40)
                .map(|_| sampler.sample(&mut logits.clone(), &[]))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(0), draw(0));
        assert_ne!(draw(0), draw(1));
    }

    #[test]
    fn filters_keep_only_the_likely_tokens() {
        let logits = [5.0, 4.0, 0.0, -3.0, -3.0];
        let only = |params: Params| {
            let mut sampler = Sampler::new(SamplingConfig::from_params(&params, 0));
            let mut seen: Vec<u32> = (0..300)
                .map(|_| sampler.sample(&mut logits.to_vec(), &[]))
                .collect();
            seen.sort_unstable();
            seen.dedup();
            seen
        };
        let open = Params {
            top_k: Some(0),
            top_p: Some(1.0),
            min_p: Some(0.0),
            temperature: Some(3.0),
            ..Params::default()
        };
        assert_eq!(only(open.clone()), [0, 1, 2, 3, 4]);
        assert_eq!(
            only(Params {
                top_k: Some(2),
                ..open.clone()
            }),
            [0, 1]
        );
        // Probabilities ≈ 0.72, 0.27, 0.005: 0.9 needs the first two.
        assert_eq!(
            only(Params {
                top_p: Some(0.9),
                ..open.clone()
            }),
            [0, 1]
        );
        // 0.27 ≥ 0.3 × 0.72 survives; 0.005 does not.
        assert_eq!(
            only(Params {
                min_p: Some(0.3),
                ..open
            }),
            [0, 1]
        );
    }

    #[test]
    fn penalties_apply_only_when_asked_and_only_to_recent_tokens() {
        let config = SamplingConfig {
            repetition_penalty: Some(2.0),
            frequency_penalty: Some(0.5),
            presence_penalty: Some(0.25),
            ..SamplingConfig::from_params(&params(0.0), 0)
        };
        let sampler = Sampler::new(config);
        let mut logits = vec![4.0, -1.0, 3.0, 1.0];
        let mut recent = vec![3; PENALTY_WINDOW];
        recent.extend([0, 0, 1]);
        sampler.penalize(&mut logits, &recent);
        // Token 3 fell out of the window by three places but still appears.
        assert_eq!(
            logits,
            [
                4.0 / 2.0 - 1.0 - 0.25,
                -2.0 - 0.5 - 0.25,
                3.0,
                0.5 - 30.5 - 0.25
            ]
        );
    }
}
