//! Whatever HTML the upstream sends, the sanitised output carries no script, handler or
//! script-scheme link, and only http(s) URLs are ever treated as links.
#![no_main]

use hn_reader::server::sanitize::{clean_html, display_domain, safe_http_url};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else { return };
    let clean = clean_html(input).to_ascii_lowercase();
    assert!(!clean.contains("<script"), "script survived: {clean}");
    assert!(!clean.contains("href=\"javascript:"), "javascript: link survived: {clean}");
    assert!(!clean.contains("href=\"data:"), "data: link survived: {clean}");
    for tag in clean.split('<').skip(1) {
        let head = tag.split('>').next().unwrap_or_default();
        assert!(!head.split_whitespace().skip(1).any(|attr| attr.starts_with("on")), "handler survived: {head}");
    }
    if let Some(url) = safe_http_url(input) {
        assert!(url.starts_with("http://") || url.starts_with("https://"), "{url}");
        assert!(display_domain(&url).is_some());
    }
});
