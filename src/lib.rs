//! hn-reader: a Hacker News reader rendered on the server and hydrated in the browser.
//!
//! `app`, `pages` and `components` are the UI, rendered on the server; only `#[island]`s hydrate
//! in the browser. `api` holds the server functions;
//! `model` is the data shared by both sides; `server` is everything that only runs on the server.

pub mod api;
pub mod app;
pub mod components;
pub mod error;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    // A marker for the end-to-end tests: event handlers are attached from here on.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "");
    }
}
