//! The error the UI and the server functions share: what went wrong, as a user should hear it.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    /// Hacker News answered with something unusable (HTTP error, bad JSON).
    #[error("Hacker News returned an error: {0}")]
    UpstreamBad(String),
    /// Hacker News could not be reached in time, and nothing was cached.
    #[error("Hacker News is unreachable right now: {0}")]
    UpstreamUnavailable(String),
    /// This server has too much upstream work queued: shed rather than kept waiting.
    #[error("This server is busy: {0}. Please try again in a moment.")]
    Overloaded(String),
    /// The call between browser and server failed (network, encoding).
    #[error("request failed: {0}")]
    Transport(String),
}

impl AppError {
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::NotFound(_) => 404,
            AppError::BadRequest(_) => 400,
            AppError::UpstreamBad(_) => 502,
            AppError::UpstreamUnavailable(_) | AppError::Overloaded(_) => 503,
            AppError::Transport(_) => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::MissingArg(msg) => AppError::BadRequest(msg),
            // On the server these mean the request body could not be read or decoded (say, it is
            // not UTF-8): the client's mistake. In the browser they are transport failures.
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Deserialization(msg) | ServerFnErrorErr::Request(msg) => AppError::BadRequest(msg),
            other => AppError::Transport(other.to_string()),
        }
    }
}
