//! The HTML shell and the router.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::components::Header;
use crate::model::StoryKind;
use crate::pages::{ItemView, NotFound, StatusView, StoriesView, UserView};

/// Where the hashed stylesheet lives; the server reads it from cargo-leptos's hash file at start.
#[derive(Clone, Debug)]
pub struct StylesheetHref(pub String);

/// Registers the offline-reading worker (`/sw.js`) after the page has loaded, so it never
/// competes with the page for the network.
const REGISTER_SERVICE_WORKER: &str = r#"if("serviceWorker"in navigator)addEventListener("load",()=>navigator.serviceWorker.register("/sw.js").catch(e=>console.warn("offline reading is off:",e)))"#;

/// Whether the page for `path` holds an island. Only the story lists do (Reload). Other pages load
/// no WASM at all: Leptos's island script walks the whole DOM with an `await` per element, which
/// on a 400-comment thread is most of the page's main-thread blocking, to find nothing.
pub fn page_has_islands(path: &str) -> bool {
    StoryKind::from_path(path).is_some()
}

/// The document the server renders around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let hydrates = request_path().is_none_or(|path| page_has_islands(&path));
    if !hydrates {
        // What `HydrationScripts` does in islands mode. Without it, Leptos serialises the page's
        // resources for a hydration that never comes: 136 KB more on a 400-comment thread.
        if let Some(context) = Owner::current_shared_context() {
            context.set_is_hydrating(false);
        }
    }
    let stylesheet = use_context::<StylesheetHref>()
        .map(|href| href.0)
        .unwrap_or_else(|| format!("/{}/{}.css", options.site_pkg_dir, options.output_name));
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="description" content="A fast, accessible Hacker News reader" />
                <meta name="color-scheme" content="light dark" />
                <meta name="theme-color" content="#ff6600" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="apple-touch-icon" href="/icons/icon-192.png" />
                <link rel="manifest" href="/manifest.webmanifest" />
                <Stylesheet id="leptos" href=stylesheet />
                <AutoReload options=options.clone() />
                {hydrates.then(|| view! { <HydrationScripts options islands=true /> })}
                <script nonce=leptos::nonce::use_nonce() inner_html=REGISTER_SERVICE_WORKER></script>
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The path of the request being rendered (server side only).
fn request_path() -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        use_context::<axum::http::request::Parts>().map(|parts| parts.uri.path().to_string())
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// "Story | Hacker News". leptos_meta 0.8 writes the server-side `<title>` without escaping,
/// and titles come from upstream, so the server escapes them here (the browser sets
/// `document.title`, which needs no escaping).
fn document_title(text: String) -> String {
    let title = if text.is_empty() {
        "Hacker News".to_string()
    } else {
        format!("{text} | Hacker News")
    };
    if cfg!(feature = "ssr") {
        title.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
    } else {
        title
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=document_title />
        <Router>
            <Header />
            <main id="main">
                // Async SSR: the whole page, status code included, is decided before the first byte.
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=|| view! { <StoriesView kind=StoryKind::Top /> } ssr=SsrMode::Async />
                    <Route path=path!("/new") view=|| view! { <StoriesView kind=StoryKind::New /> } ssr=SsrMode::Async />
                    <Route path=path!("/best") view=|| view! { <StoriesView kind=StoryKind::Best /> } ssr=SsrMode::Async />
                    <Route path=path!("/ask") view=|| view! { <StoriesView kind=StoryKind::Ask /> } ssr=SsrMode::Async />
                    <Route path=path!("/show") view=|| view! { <StoriesView kind=StoryKind::Show /> } ssr=SsrMode::Async />
                    <Route path=path!("/jobs") view=|| view! { <StoriesView kind=StoryKind::Jobs /> } ssr=SsrMode::Async />
                    <Route path=path!("/item/:id") view=ItemView ssr=SsrMode::Async />
                    <Route path=path!("/user/:id") view=UserView ssr=SsrMode::Async />
                    <Route path=path!("/status") view=StatusView ssr=SsrMode::Async />
                </Routes>
            </main>
            <footer class="footer">
                <p>
                    "Data from the "
                    <a href="https://github.com/HackerNews/API" rel="noopener">"Hacker News API"</a>
                    ". Rendered on the server, hydrated in your browser."
                </p>
            </footer>
        </Router>
    }
}
