//! Data shared by server and browser, and the pure rules around it (pagination, "time ago").

use serde::{Deserialize, Serialize};

/// Stories shown per list page, as on news.ycombinator.com.
pub const PAGE_SIZE: usize = 30;

/// The lists Hacker News publishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StoryKind {
    Top,
    New,
    Best,
    Ask,
    Show,
    Jobs,
}

impl StoryKind {
    pub const ALL: [StoryKind; 6] = [
        StoryKind::Top,
        StoryKind::New,
        StoryKind::Best,
        StoryKind::Ask,
        StoryKind::Show,
        StoryKind::Jobs,
    ];

    /// The page path in this app.
    pub fn path(self) -> &'static str {
        match self {
            StoryKind::Top => "/",
            StoryKind::New => "/new",
            StoryKind::Best => "/best",
            StoryKind::Ask => "/ask",
            StoryKind::Show => "/show",
            StoryKind::Jobs => "/jobs",
        }
    }

    /// The list's name in the HN API (`/v0/<name>.json`).
    pub fn api_name(self) -> &'static str {
        match self {
            StoryKind::Top => "topstories",
            StoryKind::New => "newstories",
            StoryKind::Best => "beststories",
            StoryKind::Ask => "askstories",
            StoryKind::Show => "showstories",
            StoryKind::Jobs => "jobstories",
        }
    }

    /// The list this app shows at `path`, if any.
    pub fn from_path(path: &str) -> Option<StoryKind> {
        StoryKind::ALL.into_iter().find(|kind| kind.path() == path)
    }

    pub fn label(self) -> &'static str {
        match self {
            StoryKind::Top => "Top",
            StoryKind::New => "New",
            StoryKind::Best => "Best",
            StoryKind::Ask => "Ask",
            StoryKind::Show => "Show",
            StoryKind::Jobs => "Jobs",
        }
    }
}

/// Why a `?page=` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    #[error("page must be a whole number of at least 1, not {0:?}")]
    Invalid(String),
    #[error("page {page} does not exist: this list has {pages} page(s)")]
    OutOfRange { page: usize, pages: usize },
}

/// The largest page number we accept at all; HN lists hold at most 500 stories.
pub const MAX_PAGE: usize = 1_000;

/// Parses `?page=`: absent means 1; anything but 1..=MAX_PAGE is refused.
pub fn parse_page(raw: Option<&str>) -> Result<usize, PageError> {
    let Some(raw) = raw else { return Ok(1) };
    match raw.trim().parse::<usize>() {
        Ok(page) if (1..=MAX_PAGE).contains(&page) => Ok(page),
        _ => Err(PageError::Invalid(raw.chars().take(40).collect())),
    }
}

/// Number of pages a list of `total` stories fills (an empty list still has page 1).
pub fn page_count(total: usize) -> usize {
    total.div_ceil(PAGE_SIZE).max(1)
}

/// The index range of `page` (1-based) in a list of `total` stories.
pub fn page_range(page: usize, total: usize) -> Result<std::ops::Range<usize>, PageError> {
    let pages = page_count(total);
    if page == 0 || page > pages {
        return Err(PageError::OutOfRange { page, pages });
    }
    let start = (page - 1) * PAGE_SIZE;
    Ok(start..(start + PAGE_SIZE).min(total))
}

/// "3 hours ago", from two Unix timestamps in seconds. Future times read "just now".
pub fn time_ago(now: i64, then: i64) -> String {
    let secs = now.saturating_sub(then);
    let (value, unit) = match secs {
        s if s < 60 => return "just now".to_string(),
        s if s < 3_600 => (s / 60, "minute"),
        s if s < 86_400 => (s / 3_600, "hour"),
        s if s < 2_592_000 => (s / 86_400, "day"),
        s if s < 31_536_000 => (s / 2_592_000, "month"),
        s => (s / 31_536_000, "year"),
    };
    let plural = if value == 1 { "" } else { "s" };
    format!("{value} {unit}{plural} ago")
}

/// A calendar date ("2007-04-05") from a Unix timestamp, without a date library.
pub fn iso_date(unix: i64) -> String {
    // Howard Hinnant's days-to-civil algorithm.
    let days = unix.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// An RFC 3339 UTC timestamp ("2007-04-04T19:16:40Z"), for `<time datetime>`.
pub fn iso_datetime(unix: i64) -> String {
    let secs = unix.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        iso_date(unix),
        secs / 3_600,
        secs % 3_600 / 60,
        secs % 60
    )
}

/// Set when a page was served from cache because Hacker News could not be reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staleness {
    /// Age of the oldest cached piece on the page, in seconds.
    pub age_secs: u64,
}

/// One row of a story list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StorySummary {
    pub id: u64,
    pub title: String,
    /// Only ever an http(s) URL; text posts have none.
    pub url: Option<String>,
    pub domain: Option<String>,
    pub score: i64,
    pub by: Option<String>,
    pub time: i64,
    pub comments: u64,
    pub is_job: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoryPage {
    pub kind: StoryKind,
    pub page: usize,
    pub pages: usize,
    /// Rank of the first row (1-based).
    pub first_rank: usize,
    pub stories: Vec<StorySummary>,
    /// Stories on this page that could not be loaded at all.
    pub missing: usize,
    /// Server time at render, so server and browser print the same "time ago".
    pub now: i64,
    pub stale: Option<Staleness>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CommentState {
    Live,
    Deleted,
    Dead,
}

/// A comment in a thread, flattened in display order so that deep threads
/// never nest the serialised data (and never hit a decoder's recursion limit).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    pub id: u64,
    pub depth: u16,
    /// How many of the following entries are this comment's replies, at any depth.
    pub descendants: u32,
    pub by: Option<String>,
    pub time: i64,
    /// Sanitised HTML.
    pub html: String,
    pub state: CommentState,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemPage {
    /// What a list row shows of this item.
    pub summary: StorySummary,
    /// Sanitised HTML of a text post, job or comment.
    pub text_html: Option<String>,
    pub state: CommentState,
    pub comments: Vec<Comment>,
    /// The thread was cut short (too many, too deep, or unreachable replies).
    pub truncated: bool,
    pub now: i64,
    pub stale: Option<Staleness>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserPage {
    pub id: String,
    pub karma: i64,
    pub created: i64,
    /// Sanitised HTML.
    pub about_html: Option<String>,
    pub now: i64,
    pub stale: Option<Staleness>,
}

/// `/status` and `/status.json`: one entry per component.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatusReport {
    pub now: i64,
    pub task: TaskStatus,
    pub upstream: UpstreamStatus,
    pub caches: Vec<CacheStatus>,
    /// None when the rendered-page cache is off.
    pub page_cache: Option<PageCacheStatus>,
    /// Pages and server functions rendering now, and the queue behind them.
    pub renders: GateStatus,
    /// Connections served now, and the new ones waiting for a place.
    pub connections: GateStatus,
    pub ecs: EcsStatus,
    pub release: ReleaseStatus,
}

/// The release each region of the workspace runs: the record the pipeline writes in a region
/// once its deployment has finished (`server::release`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReleaseStatus {
    /// The region this task runs in (`AWS_REGION`), when known.
    pub this_region: Option<String>,
    /// Empty when no records are configured (off AWS).
    pub regions: Vec<RegionRelease>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegionRelease {
    pub region: String,
    pub state: ReleaseState,
    /// The image digest the region's record names.
    pub digest: Option<String>,
    /// When the record was written (unix seconds).
    pub recorded_at: Option<i64>,
    /// Why the record could not be read.
    pub error: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseState {
    /// Runs the release recorded last in any region.
    Current,
    /// Runs an older release than another region: its deployment failed or has not run yet.
    Behind,
    /// Its record could not be read.
    Unknown,
}

/// The cache of rendered pages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageCacheStatus {
    pub entries: u64,
    pub bytes: u64,
    pub hits: u64,
    pub misses: u64,
    /// Pages rendered to fill the cache (concurrent misses of one page share one).
    pub renders: u64,
    /// Renders served but not kept (errors, stale data).
    pub uncacheable: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskStatus {
    pub version: String,
    pub git_sha: String,
    pub built_at: i64,
    pub started_at: i64,
    pub uptime_secs: u64,
    pub ready: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UpstreamStatus {
    pub base_url: String,
    pub last_success: Option<i64>,
    pub last_error: Option<UpstreamFailure>,
    /// Over the most recent calls (see `recent_calls`).
    pub latency_p50_ms: Option<f64>,
    pub latency_p99_ms: Option<f64>,
    pub recent_calls: usize,
    pub breaker: BreakerStatus,
    /// Concurrent upstream calls in this process, and the queue behind them.
    pub concurrency: GateStatus,
    /// Upstream calls one page may start.
    pub calls_per_page: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BreakerState {
    Closed,
    Open,
    /// The wait is over and one probe is out.
    HalfOpen,
}

impl BreakerState {
    /// For the `hn_upstream_breaker_state` gauge.
    pub fn as_gauge(self) -> f64 {
        match self {
            BreakerState::Closed => 0.0,
            BreakerState::Open => 1.0,
            BreakerState::HalfOpen => 2.0,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half-open",
        }
    }
}

/// The upstream circuit breaker, for /status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakerStatus {
    pub state: BreakerState,
    pub consecutive_failures: u32,
    pub threshold: u32,
    pub probe_interval_ms: u64,
    pub opened_total: u64,
}

/// A bounded gate's limits and load (concurrent holders, queue, shed), for /status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateStatus {
    pub capacity: usize,
    pub in_use: usize,
    pub max_queue: usize,
    pub waiting: usize,
    pub max_wait_ms: u64,
    pub shed_total: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UpstreamFailure {
    pub at: i64,
    pub error: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CacheStatus {
    pub name: String,
    pub entries: u64,
    /// Estimated bytes held.
    pub bytes: u64,
    pub hits: u64,
    pub misses: u64,
    pub stale_served: u64,
    pub hit_ratio: Option<f64>,
}

/// The task's identity from the ECS task metadata endpoint (v4).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum EcsStatus {
    /// Not on ECS: no metadata endpoint configured.
    NotOnEcs,
    Unavailable(String),
    Task {
        cluster: String,
        task_arn: String,
        availability_zone: String,
        launch_type: String,
        /// The image this container runs (`sha256:...`), when the metadata names it.
        image_digest: Option<String>,
    },
}

/// The p-th percentile (0–100) of `samples`, nearest-rank.
pub fn percentile(samples: &[f64], p: f64) -> Option<f64> {
    if samples.is_empty() {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    Some(sorted[rank.min(sorted.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_defaults_to_one_and_refuses_garbage() {
        assert_eq!(parse_page(None), Ok(1));
        assert_eq!(parse_page(Some("3")), Ok(3));
        for bad in ["0", "-1", "abc", "", "1.5", "99999999999999999999999", "1001"] {
            assert!(parse_page(Some(bad)).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn page_ranges_cover_the_list_exactly() {
        assert_eq!(page_range(1, 500), Ok(0..30));
        assert_eq!(page_range(17, 500), Ok(480..500));
        assert_eq!(page_count(500), 17);
        assert_eq!(page_range(1, 0), Ok(0..0), "an empty list still has page 1");
        assert_eq!(page_range(18, 500), Err(PageError::OutOfRange { page: 18, pages: 17 }));
    }

    #[test]
    fn time_ago_reads_like_hn() {
        let now = 1_700_000_000;
        assert_eq!(time_ago(now, now + 50), "just now");
        assert_eq!(time_ago(now, now - 59), "just now");
        assert_eq!(time_ago(now, now - 60), "1 minute ago");
        assert_eq!(time_ago(now, now - 3 * 3_600), "3 hours ago");
        assert_eq!(time_ago(now, now - 86_400), "1 day ago");
        assert_eq!(time_ago(now, now - 400 * 86_400), "1 year ago");
        assert_eq!(time_ago(now, i64::MIN), "292471208677 years ago");
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let samples: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&samples, 50.0), Some(50.0));
        assert_eq!(percentile(&samples, 99.0), Some(99.0));
        assert_eq!(percentile(&[7.0], 99.0), Some(7.0));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn iso_date_matches_known_days() {
        assert_eq!(iso_date(0), "1970-01-01");
        assert_eq!(iso_date(1_175_714_200), "2007-04-04");
        assert_eq!(iso_date(951_782_400), "2000-02-29");
        assert_eq!(iso_datetime(1_175_714_200), "2007-04-04T19:16:40Z");
        assert_eq!(iso_datetime(-1), "1969-12-31T23:59:59Z");
    }
}
