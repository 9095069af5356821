//! The built site: cargo-leptos's hash file, which names the hashed JS, WASM and CSS.

use std::path::{Path, PathBuf};

use leptos::config::LeptosOptions;

#[derive(Debug, thiserror::Error)]
#[error("LEPTOS_HASH_FILES is on but {path} {problem}; run the server from the directory cargo-leptos built it in")]
pub struct HashFileError {
    pub path: PathBuf,
    pub problem: String,
}

/// The URLs of this build's bundle: what pages load and the service worker pre-caches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildAssets {
    pub js: String,
    pub wasm: String,
    pub css: String,
}

/// The bundle's URLs, with their content hashes when file hashing is on. With hashing on, the
/// hash file must exist beside the binary and name the js, wasm and css files: Leptos reads it
/// again on every render and panics if it is missing, so it is checked once, at start.
pub fn build_assets(options: &LeptosOptions) -> Result<BuildAssets, HashFileError> {
    let name = &options.output_name;
    let pkg = &options.site_pkg_dir;
    if !options.hash_files {
        return Ok(BuildAssets {
            js: format!("/{pkg}/{name}.js"),
            wasm: format!("/{pkg}/{name}_bg.wasm"),
            css: format!("/{pkg}/{name}.css"),
        });
    }
    // Where Leptos looks for it: next to the executable.
    let path = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(options.hash_file.as_ref())))
        .unwrap_or_else(|| Path::new(options.hash_file.as_ref()).to_path_buf());
    let text = std::fs::read_to_string(&path).map_err(|err| HashFileError {
        path: path.clone(),
        problem: format!("cannot be read ({err})"),
    })?;
    let hashes = parse_hash_file(&text);
    let hash_of = |kind: &str| hashes.iter().find(|(k, _)| *k == kind).map(|(_, hash)| *hash);
    for kind in ["js", "wasm", "css"] {
        if hash_of(kind).is_none_or(str::is_empty) {
            return Err(HashFileError {
                path,
                problem: format!("has no {kind} entry"),
            });
        }
    }
    let url = |kind: &str| format!("/{pkg}/{name}.{}.{kind}", hash_of(kind).unwrap_or_default());
    Ok(BuildAssets {
        js: url("js"),
        wasm: url("wasm"),
        css: url("css"),
    })
}

/// `kind: hash` lines, as cargo-leptos writes them.
fn parse_hash_file(text: &str) -> Vec<(&str, &str)> {
    text.lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(kind, hash)| (kind.trim(), hash.trim()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_lines_are_read_leniently() {
        let parsed = parse_hash_file("js: abc\nwasm:def\n\ncss : 123 \njunk\n");
        assert_eq!(parsed, vec![("js", "abc"), ("wasm", "def"), ("css", "123")]);
    }

    #[test]
    fn without_hashing_the_plain_name_is_used() {
        let options = LeptosOptions::builder().output_name("app").site_pkg_dir("pkg").build();
        let assets = build_assets(&options).unwrap();
        assert_eq!(assets.css, "/pkg/app.css");
        assert_eq!(assets.js, "/pkg/app.js");
    }

    #[test]
    fn with_hashing_a_missing_file_is_an_error_naming_it() {
        let options = LeptosOptions::builder()
            .output_name("app")
            .hash_files(true)
            .hash_file(std::sync::Arc::from("no-such-hash-file.txt"))
            .build();
        let err = build_assets(&options).unwrap_err();
        assert!(err.path.ends_with("no-such-hash-file.txt"), "{err}");
        assert!(err.to_string().contains("cannot be read"), "{err}");
    }
}
