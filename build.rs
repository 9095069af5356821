//! Stamps the build with its git revision and time, for /status and the build_info metric.
//! In a container build there is no .git: the Dockerfile passes GIT_SHA instead.
//! The server build also rasterises the app icons from their SVG (see `server::offline`).

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=GIT_SHA");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs/heads");
    let sha = std::env::var("GIT_SHA")
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| {
            let out = Command::new("git")
                .args(["rev-parse", "--short=12", "HEAD"])
                .output()
                .ok()?;
            out.status
                .success()
                .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string());
    let built = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        });
    println!("cargo:rustc-env=HN_GIT_SHA={sha}");
    println!("cargo:rustc-env=HN_BUILD_UNIX={built}");
    #[cfg(feature = "ssr")]
    icons::rasterise();
}

#[cfg(feature = "ssr")]
mod icons {
    use resvg::{tiny_skia, usvg};

    /// (source SVG, size in pixels, PNG written to OUT_DIR): what the web app manifest lists.
    const ICONS: [(&str, u32, &str); 3] = [
        ("public/favicon.svg", 192, "icon-192.png"),
        ("public/favicon.svg", 512, "icon-512.png"),
        ("public/icon-maskable.svg", 512, "icon-maskable-512.png"),
    ];

    pub fn rasterise() {
        let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR for build scripts");
        for (source, size, name) in ICONS {
            println!("cargo:rerun-if-changed={source}");
            let svg = std::fs::read(source).unwrap_or_else(|e| panic!("{source}: {e}"));
            let tree =
                usvg::Tree::from_data(&svg, &usvg::Options::default()).unwrap_or_else(|e| panic!("{source}: {e}"));
            let mut pixmap = tiny_skia::Pixmap::new(size, size).expect("icon sizes are non-zero");
            let scale = size as f32 / tree.size().width();
            resvg::render(
                &tree,
                tiny_skia::Transform::from_scale(scale, scale),
                &mut pixmap.as_mut(),
            );
            let png = pixmap.encode_png().unwrap_or_else(|e| panic!("{name}: {e}"));
            std::fs::write(format!("{out_dir}/{name}"), png).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}
