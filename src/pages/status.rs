use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::get_status;
use crate::components::ErrorView;
use crate::model::{EcsStatus, ReleaseState, ReleaseStatus, StatusReport, iso_datetime, time_ago};

/// `/status`: one row per component, for humans. Machines read `/status.json`.
#[component]
pub fn StatusView() -> impl IntoView {
    let report = Resource::new(|| (), |()| get_status());
    view! {
        <Title text="Status" />
        <h1>"Status"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match report.await {
                    Ok(report) => Either::Left(view! { <StatusTable report /> }),
                    Err(error) => Either::Right(view! { <ErrorView error /> }),
                }
            })}
        </Suspense>
        <p><a href="/status.json">"Machine-readable status"</a></p>
    }
}

#[component]
fn StatusTable(report: StatusReport) -> impl IntoView {
    let StatusReport {
        now,
        task,
        upstream,
        caches,
        page_cache,
        renders,
        connections,
        ecs,
        release,
    } = report;
    let ago = |at: Option<i64>| at.map_or_else(|| "never".to_string(), |at| time_ago(now, at));
    let ms = |v: Option<f64>| v.map_or_else(|| "–".to_string(), |v| format!("{v:.1} ms"));
    let task_row = format!(
        "version {} ({}), built {}, up {} s{}",
        task.version,
        task.git_sha,
        iso_datetime(task.built_at),
        task.uptime_secs,
        if task.ready { "" } else { ", draining" }
    );
    let upstream_ok = upstream
        .last_error
        .as_ref()
        .is_none_or(|err| upstream.last_success.is_some_and(|ok| ok >= err.at));
    let upstream_row = format!(
        "{}: last success {}, last error {}; p50 {}, p99 {} over {} calls",
        upstream.base_url,
        ago(upstream.last_success),
        upstream.last_error.as_ref().map_or_else(
            || "never".to_string(),
            |err| format!("{} ({})", time_ago(now, err.at), err.error)
        ),
        ms(upstream.latency_p50_ms),
        ms(upstream.latency_p99_ms),
        upstream.recent_calls
    );
    let breaker = &upstream.breaker;
    let breaker_row = format!(
        "opens after {} consecutive failures ({} now), then probes every {} s; opened {} times",
        breaker.threshold,
        breaker.consecutive_failures,
        breaker.probe_interval_ms / 1_000,
        breaker.opened_total
    );
    let gate = &upstream.concurrency;
    let limits_row = format!(
        "{} of {} calls in flight, {} waiting (at most {}, for {} ms), {} shed; {} calls per page",
        gate.in_use,
        gate.capacity,
        gate.waiting,
        gate.max_queue,
        gate.max_wait_ms,
        gate.shed_total,
        upstream.calls_per_page
    );
    let connections_row = format!(
        "{} of {} open, {} waiting (at most {}, for {} ms), {} shed",
        connections.in_use,
        connections.capacity,
        connections.waiting,
        connections.max_queue,
        connections.max_wait_ms,
        connections.shed_total
    );
    let renders_row = format!(
        "{} of {} rendering, {} waiting (at most {}, for {} ms), {} shed",
        renders.in_use, renders.capacity, renders.waiting, renders.max_queue, renders.max_wait_ms, renders.shed_total
    );
    let cache_rows = caches
        .into_iter()
        .map(|cache| {
            let ratio = cache
                .hit_ratio
                .map_or_else(|| "–".to_string(), |r| format!("{:.0}%", r * 100.0));
            let details = format!(
                "{} entries (~{} KiB), hit ratio {ratio}, {} served stale",
                cache.entries,
                cache.bytes / 1024,
                cache.stale_served
            );
            view! { <tr><th scope="row">{format!("Cache: {}", cache.name)}</th><td>"OK"</td><td>{details}</td></tr> }
        })
        .collect_view();
    let (pages_state, pages_row) = match page_cache {
        None => ("Off", "pages are rendered for every request".to_string()),
        Some(pages) => (
            "OK",
            format!(
                "{} pages (~{} KiB); {} hits, {} misses, {} renders, {} not kept",
                pages.entries,
                pages.bytes / 1024,
                pages.hits,
                pages.misses,
                pages.renders,
                pages.uncacheable
            ),
        ),
    };
    let (ecs_state, ecs_row) = match ecs {
        EcsStatus::NotOnEcs => ("n/a", "not running on ECS".to_string()),
        EcsStatus::Unavailable(err) => ("Unknown", err),
        EcsStatus::Task {
            cluster,
            task_arn,
            availability_zone,
            launch_type,
            image_digest,
        } => (
            "OK",
            format!(
                "{launch_type} task {task_arn} in cluster {cluster}, {availability_zone}; image {}",
                image_digest.as_deref().unwrap_or("unknown")
            ),
        ),
    };
    let (release_state, release_row) = release_row(now, &release);
    view! {
        <table class="status">
            <thead><tr><th scope="col">"Component"</th><th scope="col">"State"</th><th scope="col">"Details"</th></tr></thead>
            <tbody>
                <tr><th scope="row">"This task"</th><td>{if task.ready { "OK" } else { "Draining" }}</td><td>{task_row}</td></tr>
                <tr><th scope="row">"Hacker News API"</th><td>{if upstream_ok { "OK" } else { "Failing" }}</td><td>{upstream_row}</td></tr>
                <tr><th scope="row">"Circuit breaker"</th><td>{breaker.state.label()}</td><td>{breaker_row}</td></tr>
                <tr><th scope="row">"Connections"</th><td>{if connections.waiting < connections.max_queue { "OK" } else { "Full" }}</td><td>{connections_row}</td></tr>
                <tr><th scope="row">"Renders"</th><td>{if renders.waiting < renders.max_queue { "OK" } else { "Full" }}</td><td>{renders_row}</td></tr>
                <tr><th scope="row">"Upstream limits"</th><td>{if gate.waiting < gate.max_queue { "OK" } else { "Full" }}</td><td>{limits_row}</td></tr>
                {cache_rows}
                <tr><th scope="row">"Cache: rendered pages"</th><td>{pages_state}</td><td>{pages_row}</td></tr>
                <tr><th scope="row">"ECS task"</th><td>{ecs_state}</td><td>{ecs_row}</td></tr>
                <tr><th scope="row">"Release per region"</th><td>{release_state}</td><td>{release_row}</td></tr>
            </tbody>
        </table>
    }
}

/// "Behind" when a region runs an older release than another; each region's digest and age.
fn release_row(now: i64, release: &ReleaseStatus) -> (&'static str, String) {
    if release.regions.is_empty() {
        return ("n/a", "no release records (RELEASE_REGIONS is not set)".to_string());
    }
    let has = |state| release.regions.iter().any(|r| r.state == state);
    let state = if has(ReleaseState::Behind) {
        "Behind"
    } else if has(ReleaseState::Unknown) {
        "Unknown"
    } else {
        "OK"
    };
    let rows = release
        .regions
        .iter()
        .map(|region| {
            let here = if release.this_region.as_ref() == Some(&region.region) {
                " (this region)"
            } else {
                ""
            };
            let record = match (&region.digest, region.recorded_at, &region.error) {
                (Some(digest), Some(at), _) => format!("{digest}, deployed {}", time_ago(now, at)),
                (_, _, Some(error)) => format!("record unreadable: {error}"),
                _ => "no record".to_string(),
            };
            let behind = if region.state == ReleaseState::Behind {
                ", behind"
            } else {
                ""
            };
            format!("{}{here}: {record}{behind}", region.region)
        })
        .collect::<Vec<_>>()
        .join("; ");
    (state, rows)
}
