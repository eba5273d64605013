//! What can go wrong talking to a model, each as one sentence.

use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TimeoutPhase {
    /// Opening the connection.
    Connect,
    /// Waiting for the response to start.
    FirstByte,
    /// Waiting for the next chunk of a started stream.
    Idle,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    #[error("Cannot connect to {url}: {reason}.")]
    Connect { url: String, reason: String },

    #[error("{}", timeout_message(*.phase, *.after))]
    Timeout {
        phase: TimeoutPhase,
        after: Duration,
    },

    /// The server answered with an error status.
    #[error("The server answered {status}{}: {message}", reason_suffix(*.status))]
    Http { status: u16, message: String },

    /// The server reported an error inside a started stream.
    #[error("The server reported an error mid-stream: {message}")]
    Provider { message: String },

    /// The stream broke or did not follow the protocol.
    #[error("The response stream broke: {reason}.")]
    Stream { reason: String },

    #[error("The backend is not configured correctly: {reason}.")]
    Config { reason: String },

    /// A local model could not be loaded or run; the message is a sentence.
    #[error("{message}")]
    Local { message: String },

    #[error("The request was cancelled.")]
    Cancelled,
}

impl BackendError {
    pub fn code(&self) -> &'static str {
        match self {
            BackendError::Connect { .. } => "connect",
            BackendError::Timeout { .. } => "timeout",
            BackendError::Http { .. } => "http",
            BackendError::Provider { .. } => "provider",
            BackendError::Stream { .. } => "stream",
            BackendError::Config { .. } => "config",
            BackendError::Local { .. } => "local",
            BackendError::Cancelled => "cancelled",
        }
    }
}

fn timeout_message(phase: TimeoutPhase, after: Duration) -> String {
    let secs = after.as_secs_f32();
    match phase {
        TimeoutPhase::Connect => format!("The server did not accept a connection within {secs} s."),
        TimeoutPhase::FirstByte => format!("The server did not start answering within {secs} s."),
        TimeoutPhase::Idle => {
            format!("The server stopped sending for {secs} s, so the stream was closed.")
        }
    }
}

fn reason_suffix(status: u16) -> String {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|code| code.canonical_reason())
        .map(|reason| format!(" {reason}"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_sentence_with_the_status() {
        let error = BackendError::Http {
            status: 401,
            message: "Incorrect API key provided.".into(),
        };
        assert_eq!(
            error.to_string(),
            "The server answered 401 Unauthorized: Incorrect API key provided."
        );
        let idle = BackendError::Timeout {
            phase: TimeoutPhase::Idle,
            after: Duration::from_millis(1500),
        };
        assert_eq!(
            idle.to_string(),
            "The server stopped sending for 1.5 s, so the stream was closed."
        );
    }
}
