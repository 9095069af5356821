//! Query strings, path segments and environment values from outside never panic, and what
//! they accept is in range.
#![no_main]

use hn_reader::model::{MAX_PAGE, page_range, parse_page};
use hn_reader::server::config::Config;
use hn_reader::server::hn::is_valid_user_id;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else { return };
    if let Ok(page) = parse_page(Some(input)) {
        assert!((1..=MAX_PAGE).contains(&page));
        if let Ok(range) = page_range(page, 500) {
            assert!(range.end <= 500 && range.start <= range.end);
        }
    }
    if is_valid_user_id(input) {
        assert!(input.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    }
    // Lines of NAME=value as an environment: configuration either validates or says why.
    let vars: Vec<(&str, &str)> = input.lines().filter_map(|line| line.split_once('=')).collect();
    let _ = Config::from_lookup(|name| vars.iter().rev().find(|(k, _)| *k == name).map(|(_, v)| v.to_string()));
});
