//! When and how long to wait before trying a request again.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// Retries with exponential backoff and jitter, honouring `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    pub max_retries: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
        }
    }
}

/// Statuses that say "try again": timeouts, conflicts, rate limits and
/// server-side failures.
pub(super) fn is_retryable(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 409 | 429 | 500 | 502 | 503 | 504)
}

impl RetryPolicy {
    /// The wait before retry number `attempt` (1-based), or `None` when the
    /// retries are used up or the server asks for a longer wait than we allow.
    pub(super) fn delay(&self, attempt: u32, headers: Option<&HeaderMap>) -> Option<Duration> {
        if attempt > self.max_retries {
            return None;
        }
        if let Some(asked) = headers.and_then(retry_after) {
            return (asked <= self.max_delay).then_some(asked);
        }
        let exponential = self.base_delay.saturating_mul(1 << (attempt - 1).min(16));
        let capped = exponential.min(self.max_delay);
        // Jitter keeps many clients that failed together from retrying together.
        Some(capped.mul_f64(0.5 + fastrand::f64() * 0.5))
    }
}

/// `Retry-After` in seconds or as an HTTP date, or OpenAI's `retry-after-ms`.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    if let Some(ms) = headers
        .get("retry-after-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
    {
        return Some(Duration::from_secs_f64(ms.max(0.0) / 1000.0));
    }
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return Some(Duration::from_secs_f64(seconds.max(0.0)));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(
        date.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, String)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn retry_after_in_seconds_date_and_milliseconds() {
        let policy = RetryPolicy::default();
        let secs = headers(&[("retry-after", "3".into())]);
        assert_eq!(policy.delay(1, Some(&secs)), Some(Duration::from_secs(3)));
        let ms = headers(&[("retry-after-ms", "250".into())]);
        assert_eq!(policy.delay(1, Some(&ms)), Some(Duration::from_millis(250)));
        let in_ten = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(10));
        let date = headers(&[("retry-after", in_ten)]);
        let wait = policy.delay(1, Some(&date)).unwrap();
        assert!(
            wait > Duration::from_secs(8) && wait <= Duration::from_secs(10),
            "{wait:?}"
        );
        let past = headers(&[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT".into())]);
        assert_eq!(policy.delay(1, Some(&past)), Some(Duration::ZERO));
    }

    #[test]
    fn a_wait_longer_than_allowed_is_not_retried() {
        let policy = RetryPolicy::default();
        let hour = headers(&[("retry-after", "3600".into())]);
        assert_eq!(policy.delay(1, Some(&hour)), None);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_stops() {
        let policy = RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(300),
        };
        for _ in 0..50 {
            let first = policy.delay(1, None).unwrap();
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let second = policy.delay(2, None).unwrap();
            assert!(second >= Duration::from_millis(100) && second <= Duration::from_millis(200));
            let third = policy.delay(3, None).unwrap();
            assert!(third >= Duration::from_millis(150) && third <= Duration::from_millis(300));
        }
        assert_eq!(policy.delay(4, None), None);
    }

    #[test]
    fn retryable_statuses() {
        for status in [408, 409, 429, 500, 502, 503, 504] {
            assert!(
                is_retryable(StatusCode::from_u16(status).unwrap()),
                "{status}"
            );
        }
        for status in [400, 401, 403, 404, 422, 501] {
            assert!(
                !is_retryable(StatusCode::from_u16(status).unwrap()),
                "{status}"
            );
        }
    }
}
