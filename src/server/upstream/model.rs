//! The Hacker News API's JSON, read leniently: upstream data is untrusted.
//!
//! A field that is missing, null or of the wrong type reads as absent rather than
//! failing the whole item; only an unusable document (not JSON, no id) is an error.

use serde_json::Value;

/// Replies kept per item; HN's largest threads have a few thousand.
pub const MAX_KIDS: usize = 5_000;
/// Ids kept per list; HN's lists hold 500.
pub const MAX_LIST_IDS: usize = 1_000;
/// Characters kept of a text field (a comment, an about).
pub const MAX_TEXT_CHARS: usize = 100_000;
/// Characters kept of a title, URL or user name.
pub const MAX_SHORT_CHARS: usize = 2_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("invalid JSON: {0}")]
    Json(String),
    #[error("expected {0}")]
    Shape(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    Story,
    Comment,
    Job,
    Poll,
    PollOpt,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HnItem {
    pub id: u64,
    pub kind: ItemKind,
    pub by: Option<String>,
    pub time: Option<i64>,
    pub text: Option<String>,
    pub url: Option<String>,
    pub title: Option<String>,
    pub score: Option<i64>,
    pub descendants: Option<u64>,
    pub kids: Vec<u64>,
    pub deleted: bool,
    pub dead: bool,
}

impl HnItem {
    /// Rough heap size, so the cache can bound memory by bytes.
    pub fn approx_bytes(&self) -> usize {
        let strings = [&self.by, &self.text, &self.url, &self.title]
            .iter()
            .map(|s| s.as_ref().map_or(0, String::len))
            .sum::<usize>();
        std::mem::size_of::<Self>() + strings + self.kids.len() * 8
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HnUser {
    pub id: String,
    pub created: Option<i64>,
    pub karma: Option<i64>,
    pub about: Option<String>,
}

impl HnUser {
    pub fn approx_bytes(&self) -> usize {
        std::mem::size_of::<Self>() + self.id.len() + self.about.as_ref().map_or(0, String::len)
    }
}

fn parse_json(bytes: &[u8]) -> Result<Value, ModelError> {
    serde_json::from_slice(bytes).map_err(|e| ModelError::Json(e.to_string()))
}

/// A list endpoint (`topstories.json`): ids in order. Non-id entries are skipped.
pub fn parse_id_list(bytes: &[u8]) -> Result<Vec<u64>, ModelError> {
    match parse_json(bytes)? {
        Value::Array(values) => Ok(values.iter().filter_map(Value::as_u64).take(MAX_LIST_IDS).collect()),
        Value::Null => Ok(Vec::new()),
        _ => Err(ModelError::Shape("a JSON array of ids")),
    }
}

/// An item endpoint. `Ok(None)` is HN's `null`: no such item.
pub fn parse_item(bytes: &[u8]) -> Result<Option<HnItem>, ModelError> {
    let value = parse_json(bytes)?;
    let obj = match value {
        Value::Null => return Ok(None),
        Value::Object(obj) => obj,
        _ => return Err(ModelError::Shape("a JSON object")),
    };
    let id = obj
        .get("id")
        .and_then(Value::as_u64)
        .ok_or(ModelError::Shape("an item with a numeric id"))?;
    let kind = match obj.get("type").and_then(Value::as_str) {
        Some("story") => ItemKind::Story,
        Some("comment") => ItemKind::Comment,
        Some("job") => ItemKind::Job,
        Some("poll") => ItemKind::Poll,
        Some("pollopt") => ItemKind::PollOpt,
        _ => ItemKind::Unknown,
    };
    let kids = match obj.get("kids") {
        Some(Value::Array(kids)) => kids
            .iter()
            .filter_map(Value::as_u64)
            .filter(|&kid| kid != id)
            .take(MAX_KIDS)
            .collect(),
        _ => Vec::new(),
    };
    Ok(Some(HnItem {
        id,
        kind,
        by: string(&obj, "by", MAX_SHORT_CHARS),
        time: obj.get("time").and_then(Value::as_i64),
        text: string(&obj, "text", MAX_TEXT_CHARS),
        url: string(&obj, "url", MAX_SHORT_CHARS),
        title: string(&obj, "title", MAX_SHORT_CHARS),
        score: obj.get("score").and_then(Value::as_i64),
        descendants: obj.get("descendants").and_then(Value::as_u64),
        kids,
        deleted: obj.get("deleted").and_then(Value::as_bool).unwrap_or(false),
        dead: obj.get("dead").and_then(Value::as_bool).unwrap_or(false),
    }))
}

/// A user endpoint. `Ok(None)` is HN's `null`: no such user.
pub fn parse_user(bytes: &[u8]) -> Result<Option<HnUser>, ModelError> {
    let obj = match parse_json(bytes)? {
        Value::Null => return Ok(None),
        Value::Object(obj) => obj,
        _ => return Err(ModelError::Shape("a JSON object")),
    };
    let id = string(&obj, "id", MAX_SHORT_CHARS).ok_or(ModelError::Shape("a user with a string id"))?;
    Ok(Some(HnUser {
        id,
        created: obj.get("created").and_then(Value::as_i64),
        karma: obj.get("karma").and_then(Value::as_i64),
        about: string(&obj, "about", MAX_TEXT_CHARS),
    }))
}

fn string(obj: &serde_json::Map<String, Value>, key: &str, max_chars: usize) -> Option<String> {
    let s = obj.get(key)?.as_str()?;
    Some(match s.char_indices().nth(max_chars) {
        Some((cut, _)) => s[..cut].to_string(),
        None => s.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_item_type() {
        for (ty, kind) in [
            ("story", ItemKind::Story),
            ("comment", ItemKind::Comment),
            ("job", ItemKind::Job),
            ("poll", ItemKind::Poll),
            ("pollopt", ItemKind::PollOpt),
            ("something-new", ItemKind::Unknown),
        ] {
            let json = format!(r#"{{"id": 7, "type": "{ty}", "by": "pg", "time": 1175714200, "kids": [8, 9]}}"#);
            let item = parse_item(json.as_bytes()).unwrap().unwrap();
            assert_eq!(item.kind, kind);
            assert_eq!(item.kids, vec![8, 9]);
            assert_eq!(item.by.as_deref(), Some("pg"));
        }
    }

    #[test]
    fn a_full_story_keeps_its_fields() {
        let json = br#"{"by":"dhouston","descendants":71,"id":8863,"kids":[9224,8917],"score":104,
            "time":1175714200,"title":"My YC app: Dropbox","type":"story","url":"http://www.getdropbox.com/u/2/screencast.html"}"#;
        let item = parse_item(json).unwrap().unwrap();
        assert_eq!(item.title.as_deref(), Some("My YC app: Dropbox"));
        assert_eq!(item.score, Some(104));
        assert_eq!(item.descendants, Some(71));
        assert_eq!(
            item.url.as_deref(),
            Some("http://www.getdropbox.com/u/2/screencast.html")
        );
    }

    #[test]
    fn wrong_types_and_nulls_read_as_absent() {
        let json = br#"{"id": 1, "type": 5, "by": null, "time": "yesterday", "score": "lots",
            "title": ["x"], "kids": [2, null, "3", -4, 5.5, 6], "deleted": "yes", "descendants": -1}"#;
        let item = parse_item(json).unwrap().unwrap();
        assert_eq!(item.kind, ItemKind::Unknown);
        assert_eq!(item.by, None);
        assert_eq!(item.time, None);
        assert_eq!(item.score, None);
        assert_eq!(item.title, None);
        assert_eq!(item.kids, vec![2, 6]);
        assert!(!item.deleted);
        assert_eq!(item.descendants, None);
    }

    #[test]
    fn deleted_and_dead_flags_are_kept() {
        let item = parse_item(br#"{"id": 3, "deleted": true, "dead": true}"#)
            .unwrap()
            .unwrap();
        assert!(item.deleted && item.dead);
    }

    #[test]
    fn self_reference_in_kids_is_dropped() {
        let item = parse_item(br#"{"id": 3, "kids": [3, 4]}"#).unwrap().unwrap();
        assert_eq!(item.kids, vec![4]);
    }

    #[test]
    fn broken_documents_are_errors_not_panics() {
        assert_eq!(parse_item(b"null"), Ok(None));
        assert!(matches!(
            parse_item(br#"{"id": 1, "title": "trunc"#),
            Err(ModelError::Json(_))
        ));
        assert!(matches!(parse_item(b"[1,2]"), Err(ModelError::Shape(_))));
        assert!(matches!(
            parse_item(br#"{"title": "no id"}"#),
            Err(ModelError::Shape(_))
        ));
        assert!(matches!(parse_item(br#"{"id": "1"}"#), Err(ModelError::Shape(_))));
        assert!(matches!(parse_item(b""), Err(ModelError::Json(_))));
    }

    #[test]
    fn huge_fields_and_lists_are_capped() {
        let kids: Vec<String> = (1..=20_000).map(|n| n.to_string()).collect();
        let json = format!(
            r#"{{"id": 0, "text": "{}", "kids": [{}]}}"#,
            "é".repeat(MAX_TEXT_CHARS + 10),
            kids.join(",")
        );
        let item = parse_item(json.as_bytes()).unwrap().unwrap();
        assert_eq!(item.kids.len(), MAX_KIDS);
        assert_eq!(item.text.unwrap().chars().count(), MAX_TEXT_CHARS);
    }

    #[test]
    fn id_lists_skip_junk() {
        assert_eq!(parse_id_list(br#"[1, null, "2", 3, {"id": 4}]"#), Ok(vec![1, 3]));
        assert_eq!(parse_id_list(b"null"), Ok(vec![]));
        assert!(parse_id_list(br#"{"ids": []}"#).is_err());
        assert!(parse_id_list(b"[1, 2").is_err());
    }

    #[test]
    fn users_need_an_id() {
        let user = parse_user(br#"{"id": "pg", "created": 1160418092, "karma": 157236, "about": "<p>Hi</p>"}"#)
            .unwrap()
            .unwrap();
        assert_eq!(user.karma, Some(157236));
        assert_eq!(parse_user(b"null"), Ok(None));
        assert!(parse_user(br#"{"karma": 1}"#).is_err());
    }
}
