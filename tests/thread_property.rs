//! Property test: arbitrary reply graphs (cycles, DAGs, self-kids, huge fan-out, long chains,
//! missing, null and broken items) go through the real thread loader, over real HTTP against
//! the fake upstream, and through the real renderer, on a thread with a small stack. A
//! regression that recurses on upstream data overflows that stack and fails the run instead of
//! passing by luck.
#![cfg(feature = "fake-hn")]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use hn_reader::components::thread_html;
use hn_reader::model::{Comment, ItemPage};
use hn_reader::server::config::Config;
use hn_reader::server::fake_hn::FakeHn;
use hn_reader::server::hn::HnService;
use hn_reader::server::hn::thread::{MAX_COMMENTS, MAX_DEPTH};
use hn_reader::server::upstream::HnClient;
use hn_reader::server::upstream::model::MAX_KIDS;
use proptest::prelude::*;
use serde_json::json;

/// The stack the loader and renderer run on; `HN_TEST_STACK_KIB` overrides it to find the least
/// they need.
const STACK_KIB: usize = 256;
const ROOT: u64 = 1;
const BASE: u64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Live,
    Deleted,
    Dead,
    /// HN's `null`: no such item.
    Null,
    /// Not JSON: the upstream failed for this one.
    Broken,
}

#[derive(Debug, Clone)]
struct Graph {
    root_kids: Vec<u64>,
    nodes: BTreeMap<u64, (Shape, Vec<u64>)>,
}

impl Graph {
    /// The documents the fake serves; ids not in `nodes` answer `null`.
    fn documents(&self) -> Vec<(String, String)> {
        let root = json!({"id": ROOT, "type": "story", "title": "Root", "by": "pg", "time": 1, "kids": self.root_kids});
        let mut docs = vec![(format!("item/{ROOT}.json"), root.to_string())];
        for (id, (shape, kids)) in &self.nodes {
            let body = match shape {
                Shape::Null => "null".to_string(),
                Shape::Broken => "{not json".to_string(),
                Shape::Live | Shape::Deleted | Shape::Dead => json!({
                    "id": id, "type": "comment", "by": format!("u{id}"), "time": 2, "text": format!("<p>c{id}</p>"),
                    "kids": kids, "deleted": *shape == Shape::Deleted, "dead": *shape == Shape::Dead,
                })
                .to_string(),
            };
            docs.push((format!("item/{id}.json"), body));
        }
        docs
    }

    /// Each item's level when replies are placed under their first parent, level by level (as
    /// the loader must), for items that load; and whether some item on the way failed.
    fn levels(&self) -> (HashMap<u64, u16>, bool) {
        let mut level_of = HashMap::new();
        let mut seen = HashSet::from([ROOT]);
        let mut level: Vec<u64> = self.root_kids.iter().copied().filter(|k| seen.insert(*k)).collect();
        let mut failed = false;
        for depth in 0..MAX_DEPTH {
            let mut next = Vec::new();
            for id in level {
                match self.nodes.get(&id) {
                    Some((Shape::Broken, _)) => failed = true,
                    Some((Shape::Null, _)) | None => {}
                    Some((_, kids)) => {
                        level_of.insert(id, depth);
                        // As HN's JSON is read: no self-kid, at most MAX_KIDS.
                        let kids = kids.iter().copied().filter(|&k| k != id).take(MAX_KIDS);
                        next.extend(kids.filter(|k| seen.insert(*k)));
                    }
                }
            }
            level = next;
        }
        (level_of, failed)
    }
}

fn kid(n: u64) -> impl Strategy<Value = u64> {
    prop_oneof![
        8 => (0..n).prop_map(|i| BASE + i),
        1 => Just(ROOT),
        1 => (n..n + 20).prop_map(|i| BASE + i),
    ]
}

fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        12 => Just(Shape::Live),
        1 => Just(Shape::Deleted),
        1 => Just(Shape::Dead),
        1 => Just(Shape::Null),
        1 => Just(Shape::Broken),
    ]
}

/// Any small graph: cycles, shared replies, self-kids, links back to the root, unknown ids.
fn tangle() -> impl Strategy<Value = Graph> {
    (1u64..80).prop_flat_map(|n| {
        let nodes = prop::collection::vec((shape(), prop::collection::vec(kid(n), 0..6)), n as usize);
        (prop::collection::vec(kid(n), 0..8), nodes).prop_map(|(root_kids, nodes)| Graph {
            root_kids,
            nodes: nodes
                .into_iter()
                .enumerate()
                .map(|(i, node)| (BASE + i as u64, node))
                .collect(),
        })
    })
}

/// A chain longer than the depth cap, each link also naming a random earlier one.
fn chain() -> impl Strategy<Value = Graph> {
    (40u64..160, any::<u64>()).prop_map(|(len, salt)| Graph {
        root_kids: vec![BASE],
        nodes: (0..len)
            .map(|i| (BASE + i, (Shape::Live, vec![BASE + i + 1, BASE + (salt % (i + 1))])))
            .collect(),
    })
}

/// The shape that overflowed the stack: many root replies, each also naming the next as its reply.
fn dag_of_root_replies() -> impl Strategy<Value = Graph> {
    (50u64..400).prop_map(|n| Graph {
        root_kids: (0..n).map(|i| BASE + i).collect(),
        nodes: (0..n).map(|i| (BASE + i, (Shape::Live, vec![BASE + i + 1]))).collect(),
    })
}

/// One comment with thousands of replies, past the comment cap, most of them unknown ids.
fn fan_out() -> impl Strategy<Value = Graph> {
    (3_001u64..(MAX_KIDS as u64 + 200)).prop_map(|kids| Graph {
        root_kids: vec![BASE],
        nodes: BTreeMap::from([
            (BASE, (Shape::Live, (1..=kids).map(|i| BASE + i).collect())),
            (BASE + 1, (Shape::Live, vec![BASE, BASE + 2])),
        ]),
    })
}

fn graph() -> impl Strategy<Value = Graph> {
    prop_oneof![
        12 => tangle(),
        2 => chain(),
        2 => dag_of_root_replies(),
        1 => fan_out(),
    ]
}

/// One fake upstream for every case, on a runtime of its own.
fn fake() -> &'static FakeHn {
    static FAKE: OnceLock<(tokio::runtime::Runtime, FakeHn)> = OnceLock::new();
    let (_, fake) = FAKE.get_or_init(|| {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let fake = runtime
            .block_on(FakeHn::start("127.0.0.1:0".parse().unwrap()))
            .expect("fake HN");
        (runtime, fake)
    });
    fake
}

/// Loads the root's page with a fresh service and renders its thread, on a small stack.
fn load_and_render(base_url: String) -> (ItemPage, String) {
    let stack = std::env::var("HN_TEST_STACK_KIB")
        .ok()
        .and_then(|kib| kib.parse().ok())
        .unwrap_or(STACK_KIB);
    std::thread::Builder::new()
        .stack_size(stack * 1024)
        .spawn(move || {
            let config = Config::from_lookup(|name| (name == "HN_API_URL").then(|| base_url.clone())).unwrap();
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let page = runtime.block_on(Box::pin(async {
                let client = HnClient::new(config.hn_api_url.clone(), config.upstream).unwrap();
                HnService::new(client, &config).item_page(ROOT).await
            }));
            let page = page.expect("the root loads");
            let html = thread_html(&page.comments, page.now);
            (page, html)
        })
        .expect("spawn")
        .join()
        .expect("the loader or renderer panicked")
}

fn check(graph: &Graph, page: &ItemPage, html: &str) -> Result<(), TestCaseError> {
    let comments: &[Comment] = &page.comments;
    prop_assert!(comments.len() <= MAX_COMMENTS);
    let mut ids = HashSet::new();
    for comment in comments {
        prop_assert!(ids.insert(comment.id), "comment {} placed twice", comment.id);
        prop_assert!(comment.depth < MAX_DEPTH, "depth {}", comment.depth);
    }
    let (level_of, failed) = graph.levels();
    for comment in comments {
        prop_assert_eq!(
            level_of.get(&comment.id),
            Some(&comment.depth),
            "comment {} is not at the level it was first reached",
            comment.id
        );
    }
    if failed {
        prop_assert!(page.truncated, "a broken item must mark the thread truncated");
    }
    if !page.truncated {
        let expected: HashSet<u64> = level_of.keys().copied().collect();
        prop_assert_eq!(&ids, &expected, "a complete thread shows every reachable comment");
    }
    // Display order: each comment's replies follow it, deeper, and then the thread moves on.
    for (at, comment) in comments.iter().enumerate() {
        let end = at + 1 + comment.descendants as usize;
        prop_assert!(end <= comments.len());
        prop_assert!(comments[at + 1..end].iter().all(|reply| reply.depth > comment.depth));
        if let Some(after) = comments.get(end) {
            prop_assert!(after.depth <= comment.depth);
        }
        if let Some(next) = comments.get(at + 1) {
            prop_assert!(next.depth <= comment.depth + 1);
        }
    }
    prop_assert_eq!(html.matches("<li ").count(), comments.len());
    prop_assert_eq!(html.matches("</li>").count(), comments.len());
    prop_assert_eq!(html.matches("<ul").count(), html.matches("</ul>").count());
    Ok(())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(64)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn any_reply_graph_loads_and_renders_within_the_limits(graph in graph()) {
        let fake = fake();
        fake.clear_overrides();
        fake.set_overrides(graph.documents());
        let (page, html) = load_and_render(fake.base_url());
        check(&graph, &page, &html)?;
    }
}
