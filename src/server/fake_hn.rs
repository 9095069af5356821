//! A fake Hacker News API on loopback, serving deterministic fixtures that this code generates.
//!
//! Tests, the e2e suite, benches and the offline demo all use it. It can also be told to fail
//! (`down`), to hang (`stall`), to add latency, or to serve a given body for a given path.
//! Remote control: `POST /_control/{up,down,stall}`, `POST /_control/delay/<ms>`,
//! `POST /_control/reset`, `GET /_control/calls`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// First story id; stories are `STORY_BASE + n`.
pub const STORY_BASE: u64 = 10_000;
/// Number of stories in the fixtures.
pub const STORY_COUNT: u64 = 120;
/// The story with the large thread (400 comments, with a deleted and a dead one).
pub const BIG_THREAD_STORY: u64 = STORY_BASE;
const JOB_BASE: u64 = 20_000;
const JOB_COUNT: u64 = 6;
const COMMENT_BASE: u64 = 1_000_000;
/// Users `user0` … `user9` exist, and `pg`.
pub const USER_COUNT: u64 = 10;

const TOPICS: &[&str] = &[
    "A fast Rust web framework",
    "Why SQLite is enough",
    "The history of the mouse",
    "Building a CPU from scratch",
    "How DNS really works",
    "A tour of the Linux scheduler",
    "Notes on distributed consensus",
    "What I learned running a small SaaS",
    "Rethinking the terminal",
    "The economics of open source",
    "Type systems for everyone",
    "A visual guide to TLS",
];
const DOMAINS: &[&str] = &["example.com", "www.example.org", "blog.example.net", "docs.example.io"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    /// Serve fixtures.
    Up = 0,
    /// Answer 503 to everything.
    Down = 1,
    /// Accept requests and never answer.
    Stall = 2,
}

struct FakeState {
    items: HashMap<u64, Value>,
    lists: HashMap<&'static str, Vec<u64>>,
    epoch: i64,
    mode: AtomicU8,
    delay_ms: AtomicU64,
    calls: AtomicU64,
    call_arrived: tokio::sync::Notify,
    seen: Mutex<std::collections::HashSet<String>>,
    overrides: Mutex<HashMap<String, String>>,
}

/// A handle on a running fake; clones share it.
#[derive(Clone)]
pub struct FakeHn {
    state: Arc<FakeState>,
    pub addr: SocketAddr,
}

impl FakeHn {
    /// Starts the fake on `addr` (port 0 picks a free one) and serves until the runtime ends.
    pub async fn start(addr: SocketAddr) -> std::io::Result<FakeHn> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(FakeState::new());
        let app = router(Arc::clone(&state));
        tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app).await {
                tracing::error!(error = %err, "fake HN stopped");
            }
        });
        Ok(FakeHn { state, addr })
    }

    /// The base URL to give the app as `HN_API_URL`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v0", self.addr)
    }

    pub fn set_mode(&self, mode: Mode) {
        self.state.mode.store(mode as u8, Ordering::SeqCst);
    }

    pub fn set_delay(&self, delay: Duration) {
        self.state.delay_ms.store(delay.as_millis() as u64, Ordering::SeqCst);
    }

    /// API calls served (or attempted) so far, control calls excluded.
    pub fn calls(&self) -> u64 {
        self.state.calls.load(Ordering::SeqCst)
    }

    /// Resolves once every one of `paths` (e.g. `item/1.json`) has been requested.
    pub async fn wait_for_paths(&self, paths: &[String]) {
        loop {
            let arrived = self.state.call_arrived.notified();
            let all_seen = {
                let seen = self.state.seen.lock().unwrap_or_else(|p| p.into_inner());
                paths.iter().all(|path| seen.contains(path))
            };
            if all_seen {
                return;
            }
            arrived.await;
        }
    }

    /// Resolves once at least `count` calls have arrived (answered or not).
    pub async fn wait_for_calls(&self, count: u64) {
        loop {
            let arrived = self.state.call_arrived.notified();
            if self.calls() >= count {
                return;
            }
            arrived.await;
        }
    }

    /// Serves `body` verbatim for `path` (e.g. `item/10000.json`), whatever it is, and whatever
    /// the mode: one document can answer badly at once while the rest is down or stalled.
    pub fn set_override(&self, path: &str, body: impl Into<String>) {
        self.set_overrides([(path.to_string(), body.into())]);
    }

    /// Serves each `(path, body)` verbatim, in one go.
    pub fn set_overrides(&self, documents: impl IntoIterator<Item = (String, String)>) {
        self.state
            .overrides
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(documents);
    }

    /// Drops every override: the fixtures answer again.
    pub fn clear_overrides(&self) {
        self.state.overrides.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

impl FakeState {
    fn new() -> FakeState {
        let epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let mut items = HashMap::new();
        for n in 0..STORY_COUNT {
            let (story, comments) = story_fixture(n, epoch);
            items.insert(STORY_BASE + n, story);
            items.extend(comments);
        }
        for j in 0..JOB_COUNT {
            items.insert(
                JOB_BASE + j,
                json!({
                    "id": JOB_BASE + j, "type": "job", "by": format!("user{}", j % USER_COUNT),
                    "time": epoch - 3_600 * (j as i64 + 1), "score": 1,
                    "title": format!("Fixture Corp (YC S{}) is hiring engineers", 20 + j),
                    "url": format!("https://jobs.example.com/{j}"),
                }),
            );
        }
        let all: Vec<u64> = (0..STORY_COUNT).map(|n| STORY_BASE + n).collect();
        let lists = HashMap::from([
            ("topstories", all[..90].to_vec()),
            ("newstories", all.iter().rev().copied().collect()),
            ("beststories", all.iter().step_by(2).copied().collect()),
            (
                "askstories",
                all.iter()
                    .copied()
                    .filter(|id| (id - STORY_BASE).is_multiple_of(5))
                    .collect(),
            ),
            (
                "showstories",
                all.iter().copied().filter(|id| (id - STORY_BASE) % 7 == 1).collect(),
            ),
            ("jobstories", (0..JOB_COUNT).map(|j| JOB_BASE + j).collect()),
        ]);
        FakeState {
            items,
            lists,
            epoch,
            mode: AtomicU8::new(Mode::Up as u8),
            delay_ms: AtomicU64::new(0),
            calls: AtomicU64::new(0),
            call_arrived: tokio::sync::Notify::new(),
            seen: Mutex::new(std::collections::HashSet::new()),
            overrides: Mutex::new(HashMap::new()),
        }
    }

    fn user(&self, id: &str) -> Option<Value> {
        let known = id == "pg"
            || id
                .strip_prefix("user")
                .and_then(|n| n.parse::<u64>().ok())
                .is_some_and(|n| n < USER_COUNT);
        known.then(|| {
            json!({
                "id": id,
                "created": self.epoch - 86_400 * 365 * 3 - id.len() as i64 * 86_400,
                "karma": id.bytes().map(u64::from).sum::<u64>() * 17,
                "about": format!("<p>Fixture account <i>{id}</i>.</p><p>Writes about <a href=\"https://example.com/{id}\">systems</a>.</p>"),
                "submitted": [],
            })
        })
    }
}

/// Story `n` and its comments. Every fifth story is an "Ask HN" text post without a URL.
fn story_fixture(n: u64, epoch: i64) -> (Value, Vec<(u64, Value)>) {
    let id = STORY_BASE + n;
    let ask = n.is_multiple_of(5);
    let topic = TOPICS[(n as usize) % TOPICS.len()];
    let title = if ask {
        format!("Ask HN: {topic}? ({n})")
    } else {
        format!("{topic} ({n})")
    };
    let time = epoch - 600 * (n as i64 + 1);
    let comments = comment_fixture(id, n, time);
    let top_level: Vec<u64> = comments
        .iter()
        .filter(|(_, c)| c["parent"] == json!(id))
        .map(|(cid, _)| *cid)
        .collect();
    let mut story = json!({
        "id": id, "type": "story", "by": format!("user{}", n % USER_COUNT), "time": time,
        "title": title, "score": 500 - (n as i64 * 3) % 480, "descendants": comments.len(), "kids": top_level,
    });
    if ask {
        story["text"] = json!(format!(
            "<p>Curious what everyone thinks about {topic}.</p><p>Links welcome.</p>"
        ));
    } else {
        let domain = DOMAINS[(n as usize) % DOMAINS.len()];
        story["url"] = json!(format!("https://{domain}/articles/{n}"));
    }
    (story, comments)
}

/// The comment tree of story `n`: 25 × 3 × 2 × 1 replies (400) on the big story, a few elsewhere.
fn comment_fixture(story_id: u64, n: u64, story_time: i64) -> Vec<(u64, Value)> {
    let fan: &[u64] = if story_id == BIG_THREAD_STORY {
        &[25, 3, 2, 1]
    } else {
        &[n % 4, 1]
    };
    let mut out = Vec::new();
    let mut next_id = COMMENT_BASE + n * 1_000;
    let mut frontier = vec![story_id];
    for (depth, &width) in fan.iter().enumerate() {
        let mut next_frontier = Vec::new();
        for &parent in &frontier {
            for k in 0..width {
                let cid = next_id;
                next_id += 1;
                let mut comment = json!({
                    "id": cid, "type": "comment", "parent": parent, "by": format!("user{}", cid % USER_COUNT),
                    "time": story_time + 60 * (cid - COMMENT_BASE - n * 1_000) as i64,
                    "text": format!("<p>Comment {k} at depth {depth} (#{cid}).</p><p>See <a href=\"https://example.com/ref/{cid}\">this reference</a> and <i>think</i>.</p>"),
                });
                if story_id == BIG_THREAD_STORY && depth == 0 && k == 1 {
                    comment = json!({"id": cid, "type": "comment", "parent": parent, "deleted": true, "time": comment["time"]});
                }
                if story_id == BIG_THREAD_STORY && depth == 0 && k == 2 {
                    comment["dead"] = json!(true);
                    comment["text"] = json!("[flagged]");
                }
                out.push((cid, comment));
                next_frontier.push(cid);
            }
        }
        frontier = next_frontier;
    }
    // Point each comment at its replies.
    let mut kids: HashMap<u64, Vec<u64>> = HashMap::new();
    for (cid, comment) in &out {
        if let Some(parent) = comment["parent"].as_u64() {
            kids.entry(parent).or_default().push(*cid);
        }
    }
    for (cid, comment) in &mut out {
        if let Some(replies) = kids.get(cid) {
            comment["kids"] = json!(replies);
        }
    }
    out
}

fn router(state: Arc<FakeState>) -> Router {
    Router::new()
        .route("/v0/{*path}", get(api))
        .route(
            "/_control/calls",
            get(|State(s): State<Arc<FakeState>>| async move { s.calls.load(Ordering::SeqCst).to_string() }),
        )
        .route("/_control/{action}", post(control))
        .route("/_control/delay/{ms}", post(set_delay))
        .with_state(state)
}

async fn control(State(state): State<Arc<FakeState>>, Path(action): Path<String>) -> StatusCode {
    let mode = match action.as_str() {
        "up" => Mode::Up,
        "down" => Mode::Down,
        "stall" => Mode::Stall,
        "reset" => {
            state.calls.store(0, Ordering::SeqCst);
            state.delay_ms.store(0, Ordering::SeqCst);
            state.overrides.lock().unwrap_or_else(|p| p.into_inner()).clear();
            Mode::Up
        }
        _ => return StatusCode::NOT_FOUND,
    };
    state.mode.store(mode as u8, Ordering::SeqCst);
    StatusCode::NO_CONTENT
}

async fn set_delay(State(state): State<Arc<FakeState>>, Path(ms): Path<u64>) -> StatusCode {
    state.delay_ms.store(ms.min(60_000), Ordering::SeqCst);
    StatusCode::NO_CONTENT
}

async fn api(State(state): State<Arc<FakeState>>, Path(path): Path<String>) -> Response {
    state.calls.fetch_add(1, Ordering::SeqCst);
    state
        .seen
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(path.clone());
    state.call_arrived.notify_waiters();
    let delay = state.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    if let Some(body) = state
        .overrides
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&path)
        .cloned()
    {
        return json_response(body);
    }
    match state.mode.load(Ordering::SeqCst) {
        m if m == Mode::Down as u8 => return (StatusCode::SERVICE_UNAVAILABLE, "down").into_response(),
        m if m == Mode::Stall as u8 => std::future::pending::<()>().await,
        _ => {}
    }
    let document = |prefix: &str| path.strip_prefix(prefix).and_then(|p| p.strip_suffix(".json"));
    let list = || {
        path.strip_suffix(".json")
            .and_then(|name| state.lists.get(name))
            .map(|ids| json!(ids))
    };
    // HN answers `null` for ids it does not know.
    let item = || {
        document("item/").map(|id| {
            id.parse::<u64>()
                .ok()
                .and_then(|id| state.items.get(&id).cloned())
                .unwrap_or(Value::Null)
        })
    };
    let user = || document("user/").map(|id| state.user(id).unwrap_or(Value::Null));
    let value = list().or_else(item).or_else(user);
    match value {
        Some(value) => json_response(value.to_string()),
        None => (StatusCode::NOT_FOUND, "no such endpoint").into_response(),
    }
}

fn json_response(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json; charset=utf-8")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures_are_deterministic_in_shape() {
        let a = FakeState::new();
        let b = FakeState::new();
        assert_eq!(a.lists, b.lists);
        assert_eq!(a.items.len(), b.items.len());
        assert_eq!(a.lists["topstories"].len(), 90);
        let big = &a.items[&BIG_THREAD_STORY];
        assert_eq!(big["descendants"], json!(400));
        assert_eq!(big["kids"].as_array().map(Vec::len), Some(25));
    }

    #[test]
    fn every_kid_exists_and_points_back() {
        let state = FakeState::new();
        for (id, item) in &state.items {
            for kid in item["kids"].as_array().into_iter().flatten() {
                let kid = &state.items[&kid.as_u64().unwrap()];
                assert_eq!(kid["parent"], json!(id));
            }
        }
    }
}
