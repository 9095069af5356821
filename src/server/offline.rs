//! Offline reading and installing: the service worker, made for this build from
//! `service_worker.js`, and the app icons the build script rasterised from their SVG.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::policy::{NO_CACHE, PUBLIC_FILE_CACHE_CONTROL, SERVICE_WORKER_CSP};
use super::site::BuildAssets;
use super::state::AppState;

/// Not hashed, so the browser finds a new build's worker at the same URL on the next visit.
pub const SERVICE_WORKER_PATH: &str = "/sw.js";
pub const ICONS_PATH: &str = "/icons/{name}";

const TEMPLATE: &str = include_str!("service_worker.js");

/// The PNG icons the web app manifest lists (public/manifest.webmanifest).
const ICONS: [(&str, &[u8]); 3] = [
    (
        "icon-192.png",
        include_bytes!(concat!(env!("OUT_DIR"), "/icon-192.png")),
    ),
    (
        "icon-512.png",
        include_bytes!(concat!(env!("OUT_DIR"), "/icon-512.png")),
    ),
    (
        "icon-maskable-512.png",
        include_bytes!(concat!(env!("OUT_DIR"), "/icon-maskable-512.png")),
    ),
];

/// What a new worker fetches before it takes over: the bundle, the unhashed files the shell
/// links, and the icons.
fn precache(assets: &BuildAssets) -> Vec<String> {
    let mut paths = vec![
        assets.js.clone(),
        assets.wasm.clone(),
        assets.css.clone(),
        "/favicon.svg".to_string(),
        "/manifest.webmanifest".to_string(),
    ];
    paths.extend(ICONS.iter().map(|(name, _)| format!("/icons/{name}")));
    paths
}

/// The worker's script for this build. Its version changes whenever the bundle or the
/// worker's own code does, which is what makes the browser install it.
pub fn service_worker_script(assets: &BuildAssets) -> String {
    let precache = precache(assets);
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(TEMPLATE.as_bytes());
    for path in &precache {
        hasher.update(path.as_bytes());
    }
    let list = serde_json::to_string(&precache).unwrap_or_else(|_| "[]".to_string());
    TEMPLATE
        .replacen("__VERSION__", &format!("{:08x}", hasher.finalize()), 1)
        .replacen("__PRECACHE__", &list, 1)
}

pub async fn service_worker(State(state): State<AppState>) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(NO_CACHE)),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(SERVICE_WORKER_CSP),
            ),
        ],
        state.service_worker.clone(),
    )
        .into_response()
}

pub async fn icon(Path(name): Path<String>) -> Response {
    match ICONS.iter().find(|(file, _)| *file == name) {
        Some((_, png)) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("image/png")),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static(PUBLIC_FILE_CACHE_CONTROL),
                ),
            ],
            *png,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assets(hash: &str) -> BuildAssets {
        BuildAssets {
            js: format!("/pkg/app.{hash}.js"),
            wasm: format!("/pkg/app.{hash}.wasm"),
            css: format!("/pkg/app.{hash}.css"),
        }
    }

    fn version(script: &str) -> &str {
        let start = script.find("const VERSION = \"").expect("a version") + 17;
        &script[start..start + 8]
    }

    #[test]
    fn the_script_names_this_builds_assets_and_no_placeholder_is_left() {
        let script = service_worker_script(&assets("abc"));
        assert!(!script.contains("__VERSION__") && !script.contains("__PRECACHE__"));
        for path in [
            "/pkg/app.abc.js",
            "/pkg/app.abc.wasm",
            "/pkg/app.abc.css",
            "/icons/icon-192.png",
        ] {
            assert!(script.contains(&format!("\"{path}\"")), "{path} not pre-cached");
        }
    }

    #[test]
    fn a_new_build_is_a_new_worker_and_the_same_build_is_the_same_one() {
        let first = service_worker_script(&assets("abc"));
        assert_eq!(version(&first), version(&service_worker_script(&assets("abc"))));
        assert_ne!(version(&first), version(&service_worker_script(&assets("def"))));
    }

    #[test]
    fn live_answers_are_never_served_from_the_workers_cache() {
        for path in [r"/^\/api\//", r"/^\/status/", r"/^\/healthz$/", r"/^\/readyz$/"] {
            assert!(TEMPLATE.contains(path), "{path} missing from NEVER_CACHED");
        }
    }

    #[test]
    fn every_icon_the_manifest_lists_is_a_png_the_server_has() {
        let manifest: serde_json::Value =
            serde_json::from_str(include_str!("../../public/manifest.webmanifest")).expect("valid JSON");
        let icons = manifest["icons"].as_array().expect("icons");
        for icon in icons.iter().filter(|icon| icon["type"] == "image/png") {
            let src = icon["src"].as_str().expect("src");
            let name = src.strip_prefix("/icons/").expect("under /icons/");
            let (_, png) = ICONS.iter().find(|(file, _)| *file == name).expect("rasterised");
            assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{name} is not a PNG");
            // Width and height from the IHDR chunk match the size the manifest claims.
            let width = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
            let height = u32::from_be_bytes([png[20], png[21], png[22], png[23]]);
            assert_eq!(icon["sizes"], format!("{width}x{height}"), "{name}");
        }
        assert!(icons.iter().any(|icon| icon["purpose"] == "maskable"));
    }
}
