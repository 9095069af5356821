//! What the server functions need from the server: its state, and the response policy for
//! what they return.

use leptos::prelude::*;

use crate::error::AppError;
use crate::server::hn::HnService;
use crate::server::policy::STALE_PAGE_CACHE_CONTROL;
use crate::server::state::AppState;

/// The app state, from the request's context.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| AppError::Transport("server state missing from context".into()))
}

/// The HN service, from the request's context.
pub fn hn_service() -> Result<HnService, AppError> {
    app_state().map(|state| state.hn.clone())
}

/// Gives the response the status of `result`, and a short CDN lifetime when the data is stale.
pub fn respond<T>(result: Result<T, AppError>, is_stale: impl Fn(&T) -> bool) -> Result<T, AppError> {
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        match &result {
            Err(err) => {
                if let Ok(status) = http::StatusCode::from_u16(err.status_code()) {
                    options.set_status(status);
                }
            }
            Ok(value) if is_stale(value) => {
                options.insert_header(
                    http::header::CACHE_CONTROL,
                    http::HeaderValue::from_static(STALE_PAGE_CACHE_CONTROL),
                );
            }
            Ok(_) => {}
        }
    }
    result
}
