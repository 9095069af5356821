//! Upstream JSON is untrusted: parsing any bytes must not panic, and what it keeps must
//! respect the model's caps.
#![no_main]

use hn_reader::server::upstream::model::{MAX_KIDS, MAX_LIST_IDS, MAX_TEXT_CHARS, parse_id_list, parse_item, parse_user};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some(item)) = parse_item(data) {
        assert!(item.kids.len() <= MAX_KIDS);
        assert!(!item.kids.contains(&item.id), "an item is never its own reply");
        assert!(item.text.as_ref().is_none_or(|t| t.chars().count() <= MAX_TEXT_CHARS));
    }
    if let Ok(ids) = parse_id_list(data) {
        assert!(ids.len() <= MAX_LIST_IDS);
    }
    let _ = parse_user(data);
});
