//! A story's reply tree, loaded level by level and flattened for display.
//!
//! Upstream `kids` lists are untrusted: they may form cycles, share replies between parents (a
//! DAG), name the item itself, or fan out by thousands. Every stage is bounded by the same
//! limits: an id is placed once, under the first parent that names it; its depth is the level it
//! was loaded at; at most `MAX_COMMENTS` ids are ever placed, over at most `MAX_DEPTH` levels, and
//! at most `MAX_KIDS_EXAMINED` kid entries are looked at. Nothing here recurses, so no upstream
//! shape can grow the stack.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::{HnService, PageBudget, StaleTracker, comment_author, state_of, summarize};
use crate::error::AppError;
use crate::model::{Comment, CommentState, ItemPage};
use crate::server::clock::unix_now;
use crate::server::upstream::model::HnItem;

/// Comments loaded per thread; the rest is marked as truncated.
pub const MAX_COMMENTS: usize = 3_000;
/// Reply levels loaded; HN itself stops indenting long before this.
pub const MAX_DEPTH: u16 = 48;
/// Kid entries examined per thread. A tree names each comment once, so only a hostile graph
/// (thousands of parents all listing the same kids) can reach this.
pub const MAX_KIDS_EXAMINED: usize = 4 * MAX_COMMENTS;

/// What a placed id turned out to be once its level was fetched.
#[derive(Debug, Clone)]
pub enum Fetched {
    Item(Arc<HnItem>),
    /// HN answered `null`: there is no such item, so nothing is lost by leaving it out.
    Missing,
    /// The upstream failed for it: part of the thread could not be loaded.
    Failed,
}

/// Loads a thread one level at a time: `pending` names the ids to fetch, `absorb` takes them.
#[derive(Debug)]
pub struct ThreadLoader {
    root: u64,
    /// The replies placed under each loaded item (and the root), in upstream order.
    children: HashMap<u64, Vec<u64>>,
    items: HashMap<u64, Arc<HnItem>>,
    /// Every id placed so far, the root included.
    placed: HashSet<u64>,
    level: Vec<u64>,
    /// The level `level` belongs to (0: the root's replies).
    depth: u16,
    kids_examined: usize,
    truncated: bool,
}

impl ThreadLoader {
    pub fn new(root: &HnItem) -> ThreadLoader {
        let mut loader = ThreadLoader {
            root: root.id,
            children: HashMap::new(),
            items: HashMap::new(),
            placed: HashSet::from([root.id]),
            level: Vec::new(),
            depth: 0,
            kids_examined: 0,
            truncated: false,
        };
        loader.level = loader.place(root.id, &root.kids, Vec::new());
        loader
    }

    /// The ids to fetch next: one level, at most `MAX_COMMENTS` in all. Empty when done.
    pub fn pending(&self) -> &[u64] {
        &self.level
    }

    /// Takes the fetched level and places the next one.
    pub fn absorb(&mut self, fetched: impl IntoIterator<Item = (u64, Fetched)>) {
        let mut next = Vec::new();
        let last_level = self.depth + 1 >= MAX_DEPTH;
        for (id, fetched) in fetched {
            match fetched {
                Fetched::Item(item) => {
                    if last_level {
                        self.truncated |= item.kids.iter().any(|kid| !self.placed.contains(kid));
                    } else {
                        next = self.place(id, &item.kids, next);
                    }
                    self.items.insert(id, item);
                }
                Fetched::Missing => {}
                Fetched::Failed => self.truncated = true,
            }
        }
        self.level = next;
        self.depth += 1;
    }

    /// Stops loading with levels still pending (the page ran out of upstream time or calls).
    pub fn cut_short(&mut self) {
        if !self.level.is_empty() {
            self.truncated = true;
            self.level.clear();
        }
    }

    /// Places `kids` under `parent`, skipping ids already placed, until a limit is reached.
    fn place(&mut self, parent: u64, kids: &[u64], mut next: Vec<u64>) -> Vec<u64> {
        for &kid in kids {
            if self.kids_examined == MAX_KIDS_EXAMINED {
                self.truncated = true;
                break;
            }
            self.kids_examined += 1;
            if self.placed.contains(&kid) {
                continue;
            }
            // The root is in `placed` too, hence the `- 1`.
            if self.placed.len() - 1 == MAX_COMMENTS {
                self.truncated = true;
                break;
            }
            self.placed.insert(kid);
            self.children.entry(parent).or_default().push(kid);
            next.push(kid);
        }
        next
    }

    /// The loaded comments in display order (depth-first), and whether the thread was cut short.
    pub fn finish(self) -> (Vec<Comment>, bool) {
        let no_replies: &[u64] = &[];
        let replies_of = |id: u64| self.children.get(&id).map_or(no_replies, Vec::as_slice);
        let mut out: Vec<Comment> = Vec::with_capacity(self.items.len());
        // One frame per open level: its reply ids, the next one to visit, and the index in `out`
        // of the comment they reply to. `children` only links a level to the next, so the stack
        // is at most `MAX_DEPTH + 1` frames deep.
        let mut stack: Vec<(&[u64], usize, Option<usize>)> = vec![(replies_of(self.root), 0, None)];
        while let Some(frame) = stack.last_mut() {
            let (replies, next, owner) = (frame.0, frame.1, frame.2);
            let Some(&id) = replies.get(next) else {
                if let Some(at) = owner {
                    out[at].descendants = (out.len() - at - 1) as u32;
                }
                stack.pop();
                continue;
            };
            frame.1 += 1;
            let Some(item) = self.items.get(&id) else { continue };
            let depth = (stack.len() - 1) as u16;
            out.push(comment(item, depth));
            stack.push((replies_of(id), 0, Some(out.len() - 1)));
        }
        (out, self.truncated)
    }
}

impl HnService {
    /// An item and its reply tree, as far as the limits and the page's upstream budget allow.
    pub async fn item_page(&self, id: u64) -> Result<ItemPage, AppError> {
        let mut stale = StaleTracker::default();
        let budget = self.page_budget();
        let root = self.item(id, &budget).await?;
        stale.note(&root);
        let root = root
            .value
            .ok_or_else(|| AppError::NotFound(format!("item {id} does not exist")))?;
        let (comments, truncated) = self.thread(&root, &budget, &mut stale).await;
        Ok(ItemPage {
            summary: summarize(&root),
            text_html: root.text.clone(),
            state: state_of(&root),
            comments,
            truncated,
            now: unix_now(),
            stale: stale.staleness(),
        })
    }

    async fn thread(&self, root: &HnItem, budget: &PageBudget, stale: &mut StaleTracker) -> (Vec<Comment>, bool) {
        let mut loader = ThreadLoader::new(root);
        while !loader.pending().is_empty() {
            if budget.expired() {
                loader.cut_short();
                break;
            }
            let level = self.items(loader.pending(), budget, stale).await;
            loader.absorb(level.into_iter().map(|(id, result)| {
                let fetched = match result {
                    Ok(Some(item)) => Fetched::Item(item),
                    Ok(None) => Fetched::Missing,
                    Err(_) => Fetched::Failed,
                };
                (id, fetched)
            }));
        }
        loader.finish()
    }
}

fn comment(item: &HnItem, depth: u16) -> Comment {
    let state = state_of(item);
    Comment {
        id: item.id,
        depth,
        descendants: 0,
        by: comment_author(item, state),
        time: item.time.unwrap_or(0),
        html: match state {
            CommentState::Live => item.text.clone().unwrap_or_default(),
            _ => String::new(),
        },
        state,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::upstream::model::ItemKind;

    fn item(id: u64, kids: &[u64]) -> HnItem {
        HnItem {
            id,
            kind: ItemKind::Comment,
            by: Some(format!("user{id}")),
            time: Some(0),
            text: Some(format!("<p>comment {id}</p>")),
            url: None,
            title: None,
            score: None,
            descendants: None,
            kids: kids.to_vec(),
            deleted: false,
            dead: false,
        }
    }

    /// Runs the loader over an in-memory graph; ids absent from `graph` are HN's `null`.
    fn load(root: &HnItem, graph: &HashMap<u64, HnItem>) -> (Vec<Comment>, bool, usize) {
        let mut loader = ThreadLoader::new(root);
        let mut fetched = 0;
        while !loader.pending().is_empty() {
            let level: Vec<(u64, Fetched)> = loader
                .pending()
                .iter()
                .map(|id| {
                    let found = graph.get(id).cloned().map(Arc::new);
                    (*id, found.map_or(Fetched::Missing, Fetched::Item))
                })
                .collect();
            fetched += level.len();
            loader.absorb(level);
        }
        let (comments, truncated) = loader.finish();
        (comments, truncated, fetched)
    }

    fn shape(comments: &[Comment]) -> Vec<(u64, u16, u32)> {
        comments.iter().map(|c| (c.id, c.depth, c.descendants)).collect()
    }

    #[test]
    fn a_tree_comes_out_depth_first_with_descendant_counts() {
        let root = item(100, &[1, 5]);
        let graph = HashMap::from([
            (1, item(1, &[2, 3])),
            (2, item(2, &[4])),
            (3, item(3, &[])),
            (4, item(4, &[])),
            (5, item(5, &[])),
        ]);
        let (comments, truncated, _) = load(&root, &graph);
        assert_eq!(
            shape(&comments),
            vec![(1, 0, 3), (2, 1, 1), (4, 2, 0), (3, 1, 0), (5, 0, 0)]
        );
        assert!(!truncated);
    }

    #[test]
    fn a_reply_shared_by_a_chain_of_parents_is_placed_once_at_its_first_level() {
        // The shape that overflowed the stack: 3,000 top-level comments, each also listing the
        // next one as its only reply. Every comment is a root reply, at depth 0.
        let ids: Vec<u64> = (1..=3_000).collect();
        let root = item(0, &ids);
        let graph: HashMap<u64, HnItem> = ids.iter().map(|&id| (id, item(id, &[id + 1]))).collect();
        let (comments, truncated, fetched) = load(&root, &graph);
        assert_eq!(comments.len(), 3_000);
        assert!(comments.iter().all(|c| c.depth == 0 && c.descendants == 0));
        assert_eq!(fetched, 3_000, "one level, one fetch per comment");
        assert!(truncated, "3,001 is one comment past the cap");
    }

    #[test]
    fn cycles_and_self_kids_end() {
        let root = item(0, &[1]);
        let graph = HashMap::from([(1, item(1, &[0, 1, 2])), (2, item(2, &[1, 0, 2]))]);
        let (comments, truncated, _) = load(&root, &graph);
        assert_eq!(shape(&comments), vec![(1, 0, 1), (2, 1, 0)]);
        assert!(!truncated);
    }

    #[test]
    fn a_long_chain_stops_at_the_depth_cap() {
        let root = item(0, &[1]);
        let graph: HashMap<u64, HnItem> = (1..=500).map(|id| (id, item(id, &[id + 1]))).collect();
        let (comments, truncated, fetched) = load(&root, &graph);
        assert_eq!(comments.len(), MAX_DEPTH as usize);
        assert_eq!(comments.last().map(|c| c.depth), Some(MAX_DEPTH - 1));
        assert_eq!(fetched, MAX_DEPTH as usize, "nothing past the last level is fetched");
        assert!(truncated);
    }

    #[test]
    fn a_huge_fan_out_is_capped_before_it_is_stored() {
        // 200 comments that each name the same 5,000 kids: the kids are placed once, and the
        // examination stops at its cap instead of walking a million entries.
        let shared: Vec<u64> = (10_000..15_000).collect();
        let parents: Vec<u64> = (1..=200).collect();
        let root = item(0, &parents);
        let mut graph: HashMap<u64, HnItem> = parents.iter().map(|&p| (p, item(p, &shared))).collect();
        graph.extend(shared.iter().map(|&k| (k, item(k, &[]))));
        let mut loader = ThreadLoader::new(&root);
        let first: Vec<(u64, Fetched)> = loader
            .pending()
            .iter()
            .map(|id| (*id, Fetched::Item(Arc::new(graph[id].clone()))))
            .collect();
        loader.absorb(first);
        assert_eq!(
            loader.pending().len(),
            MAX_COMMENTS - 200,
            "the next level is capped as it is built"
        );
        assert!(loader.kids_examined <= MAX_KIDS_EXAMINED);
        let (comments, truncated, _) = load(&root, &graph);
        assert_eq!(comments.len(), MAX_COMMENTS);
        assert!(truncated);
    }

    #[test]
    fn missing_items_are_left_out_and_failed_ones_mark_the_thread_truncated() {
        let root = item(0, &[1, 2, 3]);
        let mut loader = ThreadLoader::new(&root);
        loader.absorb([
            (1, Fetched::Item(Arc::new(item(1, &[])))),
            (2, Fetched::Missing),
            (3, Fetched::Item(Arc::new(item(3, &[])))),
        ]);
        let (comments, truncated) = loader.finish();
        assert_eq!(shape(&comments), vec![(1, 0, 0), (3, 0, 0)]);
        assert!(!truncated, "a null item loses nothing");

        let mut loader = ThreadLoader::new(&root);
        loader.absorb([(1, Fetched::Failed), (2, Fetched::Missing), (3, Fetched::Failed)]);
        assert!(loader.finish().1);
    }

    #[test]
    fn deleted_comments_keep_their_place_but_not_their_text() {
        let root = item(0, &[2]);
        let mut gone = item(2, &[3]);
        gone.deleted = true;
        let graph = HashMap::from([(2, gone), (3, item(3, &[]))]);
        let (comments, _, _) = load(&root, &graph);
        assert_eq!(comments[0].state, CommentState::Deleted);
        assert_eq!(comments[0].html, "");
        assert_eq!(comments[0].by, None);
        assert_eq!(comments[1].id, 3, "the reply of a deleted comment is kept");
    }
}
