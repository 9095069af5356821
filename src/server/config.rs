//! Runtime configuration: environment variables only, all validated at start.

use std::net::SocketAddr;
use std::time::Duration;

use url::Url;

use super::admission::GateLimits;
use super::aws::{CredentialSource, ECS_CREDENTIALS_HOST, Secret, is_local_endpoint};
use super::hn::thread::MAX_COMMENTS;
use super::upstream::UpstreamLimits;

/// Every variable the app reads. The infrastructure test checks the task definition against it.
pub const ENV_VARS: &[&str] = &[
    "LEPTOS_SITE_ADDR",
    "LEPTOS_SITE_ROOT",
    "LEPTOS_SITE_PKG_DIR",
    "LEPTOS_OUTPUT_NAME",
    "LEPTOS_HASH_FILES",
    "LEPTOS_ENV",
    "PORT",
    "HN_API_URL",
    "LOG_FORMAT",
    "RUST_LOG",
    "SHUTDOWN_GRACE_SECS",
    "HSTS_ENABLED",
    "METRICS_ADDR",
    "REQUEST_TIMEOUT_SECS",
    "UPSTREAM_TIMEOUT_MS",
    "CACHE_LIST_TTL_SECS",
    "CACHE_ITEM_TTL_SECS",
    "CACHE_MAX_BYTES",
    "UPSTREAM_BUDGET_MS",
    "ECS_CONTAINER_METADATA_URI_V4",
    "HEADER_READ_TIMEOUT_SECS",
    "TOKIO_WORKER_THREADS",
    "UPSTREAM_CALLS_PER_PAGE",
    "UPSTREAM_MAX_CONCURRENCY",
    "UPSTREAM_QUEUE_MAX",
    "UPSTREAM_QUEUE_WAIT_MS",
    "BREAKER_FAILURES",
    "BREAKER_PROBE_SECS",
    "SHUTDOWN_LAME_DUCK_SECS",
    "PAGE_CACHE_TTL_SECS",
    "PAGE_CACHE_MAX_BYTES",
    "RENDER_CONCURRENCY",
    "RENDER_QUEUE_MAX",
    "RENDER_QUEUE_WAIT_MS",
    "MAX_CONNECTIONS",
    "CONNECTION_QUEUE_MAX",
    "CONNECTION_QUEUE_WAIT_MS",
    "RELEASE_PARAMETER",
    "RELEASE_REGIONS",
    "AWS_REGION",
    "AWS_ENDPOINT_URL_SSM",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
];

pub const DEFAULT_HN_API_URL: &str = "https://hacker-news.firebaseio.com/v0";
/// Default drain time after SIGTERM: below ECS's default 30 s stopTimeout.
pub const DEFAULT_SHUTDOWN_GRACE_SECS: u64 = 20;
/// Default time after SIGTERM during which connections are still accepted (and closed after
/// one response), so a load balancer that has not yet seen readiness fail loses nothing.
pub const DEFAULT_SHUTDOWN_LAME_DUCK_SECS: u64 = 5;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {var}={value:?}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub value: String,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub site_addr: SocketAddr,
    pub hn_api_url: Url,
    pub log_format: LogFormat,
    /// From SIGTERM to exit, the lame-duck period included.
    pub shutdown_grace: Duration,
    pub shutdown_lame_duck: Duration,
    pub request_timeout: Duration,
    pub upstream: UpstreamLimits,
    pub list_ttl: Duration,
    pub item_ttl: Duration,
    pub cache_max_bytes: u64,
    /// How long a rendered page is served again; zero turns the page cache off.
    pub page_cache_ttl: Duration,
    pub page_cache_max_bytes: u64,
    pub hsts: bool,
    pub metrics_addr: Option<SocketAddr>,
    /// Set by ECS on every task; read for /status.
    pub ecs_metadata_uri: Option<Url>,
    /// A client must send a complete request head within this, or is disconnected.
    pub header_read_timeout: Duration,
    /// Async runtime workers; None: one per CPU the process may use.
    pub worker_threads: Option<usize>,
    /// Pages and server functions rendered at once, the queue behind them and the longest wait.
    pub renders: GateLimits,
    /// Connections served at once, and the new ones that may wait for a place.
    pub connections: GateLimits,
    /// The region this task runs in (ECS sets `AWS_REGION`).
    pub aws_region: Option<String>,
    /// Each region's release record, for the status page; None: not shown.
    pub release: Option<ReleaseConfig>,
}

/// Where the pipeline records each region's release (`server::release`).
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseConfig {
    /// The SSM parameter's name, the same in every region.
    pub parameter: String,
    pub regions: Vec<String>,
    pub ssm_endpoint: Option<Url>,
    pub credentials: CredentialSource,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |var: &'static str| lookup(var).filter(|v| !v.trim().is_empty());

        let mut site_addr = match get("LEPTOS_SITE_ADDR") {
            Some(v) => v
                .trim()
                .parse::<SocketAddr>()
                .map_err(|_| invalid("LEPTOS_SITE_ADDR", &v, "expected IP:PORT, e.g. 0.0.0.0:8080"))?,
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
        };
        if let Some(v) = get("PORT") {
            site_addr.set_port(parse_num::<u16>("PORT", &v, 1, u16::MAX as u64)?);
        }

        let hn_api_url = match get("HN_API_URL") {
            Some(v) => parse_base_url("HN_API_URL", &v)?,
            None => parse_base_url("HN_API_URL", DEFAULT_HN_API_URL)?,
        };

        let log_format = match get("LOG_FORMAT").as_deref().map(str::trim) {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => return Err(invalid("LOG_FORMAT", other, "expected json or pretty")),
        };

        if let Some(filter) = get("RUST_LOG") {
            tracing_subscriber::EnvFilter::try_new(&filter)
                .map_err(|e| invalid("RUST_LOG", &filter, &format!("not a log filter ({e})")))?;
        }

        // A whole number within [min, max], or the default when unset.
        let number = |var: &'static str, default: u64, min: u64, max: u64| -> Result<u64, ConfigError> {
            get(var).map_or(Ok(default), |v| parse_num::<u64>(var, &v, min, max))
        };
        let secs = |var, default, min, max| number(var, default, min, max).map(Duration::from_secs);
        let millis = |var, default, min, max| number(var, default, min, max).map(Duration::from_millis);
        let shutdown_grace = secs("SHUTDOWN_GRACE_SECS", DEFAULT_SHUTDOWN_GRACE_SECS, 1, 3_600)?;
        let shutdown_lame_duck = secs("SHUTDOWN_LAME_DUCK_SECS", DEFAULT_SHUTDOWN_LAME_DUCK_SECS, 0, 3_600)?;
        if shutdown_lame_duck >= shutdown_grace {
            let reason = "must be shorter than SHUTDOWN_GRACE_SECS, which it is part of";
            return Err(invalid(
                "SHUTDOWN_LAME_DUCK_SECS",
                &shutdown_lame_duck.as_secs().to_string(),
                reason,
            ));
        }
        let request_timeout = secs("REQUEST_TIMEOUT_SECS", 15, 1, 600)?;
        let list_ttl = secs("CACHE_LIST_TTL_SECS", 60, 0, 86_400)?;
        let item_ttl = secs("CACHE_ITEM_TTL_SECS", 300, 0, 86_400)?;
        let upstream_timeout = millis("UPSTREAM_TIMEOUT_MS", 3_000, 1, 600_000)?;
        let upstream_budget = millis("UPSTREAM_BUDGET_MS", 10_000, 1, 600_000)?;
        // Longer than the ALB's 60 s idle timeout, so the ALB never reuses a connection we closed.
        let header_read_timeout = secs("HEADER_READ_TIMEOUT_SECS", 65, 1, 3_600)?;
        // tokio reads this variable itself and panics on a bad value; checking it here first
        // turns that into the usual one-line error.
        let worker_threads = get("TOKIO_WORKER_THREADS")
            .map(|v| parse_num::<usize>("TOKIO_WORKER_THREADS", &v, 1, 1_024))
            .transpose()?;
        // Renders mostly wait on the upstream, so a few per CPU; the CPU count honours the task's
        // cgroup quota (a 0.25-vCPU task counts one).
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
        let cpus = worker_threads.map_or(cpus, |workers| workers as u64);
        let renders = GateLimits {
            capacity: number("RENDER_CONCURRENCY", 8 * cpus, 1, 4_096)? as usize,
            max_queue: number("RENDER_QUEUE_MAX", 128 * cpus, 0, 1_000_000)? as usize,
            max_wait: millis("RENDER_QUEUE_WAIT_MS", 2_000, 1, 600_000)?,
        };
        // Each open connection keeps about 26 KiB of hyper's buffers: 1,024 of them stay under
        // 32 MiB. That is plenty for a task behind a load balancer, and a burst of 5,000 stays
        // under 100 MiB (make bench's memory drill).
        let connections = GateLimits {
            capacity: number("MAX_CONNECTIONS", 1_024, 1, 1_000_000)? as usize,
            max_queue: number("CONNECTION_QUEUE_MAX", 8_192, 0, 1_000_000)? as usize,
            max_wait: millis("CONNECTION_QUEUE_WAIT_MS", 1_000, 1, 600_000)?,
        };
        // Enough for the largest page, a full thread and its story, by default.
        let calls_per_page = number("UPSTREAM_CALLS_PER_PAGE", MAX_COMMENTS as u64 + 1, 1, 100_000)? as usize;
        // Sized for a 0.25-vCPU task: two cold list pages' fan-out at once, a short queue behind.
        let max_concurrency = number("UPSTREAM_MAX_CONCURRENCY", 64, 1, 4_096)? as usize;
        let max_queue = number("UPSTREAM_QUEUE_MAX", 1_024, 0, 1_000_000)? as usize;
        let queue_wait = millis("UPSTREAM_QUEUE_WAIT_MS", 2_000, 1, 600_000)?;
        let breaker_threshold = number("BREAKER_FAILURES", 5, 1, 10_000)? as u32;
        let breaker_probe_interval = secs("BREAKER_PROBE_SECS", 5, 1, 3_600)?;
        // Each must leave the request time to answer when the upstream stalls.
        for (var, value) in [
            ("UPSTREAM_TIMEOUT_MS", upstream_timeout),
            ("UPSTREAM_BUDGET_MS", upstream_budget),
            ("UPSTREAM_QUEUE_WAIT_MS", queue_wait),
            ("RENDER_QUEUE_WAIT_MS", renders.max_wait),
        ] {
            if value >= request_timeout {
                let reason =
                    "must be shorter than REQUEST_TIMEOUT_SECS, so a stalled upstream still leaves time to answer";
                return Err(invalid(var, &value.as_millis().to_string(), reason));
            }
        }
        let ecs_metadata_uri = match get("ECS_CONTAINER_METADATA_URI_V4") {
            Some(v) => Some(parse_base_url("ECS_CONTAINER_METADATA_URI_V4", &v)?),
            None => None,
        };
        let cache_max_bytes = number("CACHE_MAX_BYTES", 64 << 20, 1 << 20, 1 << 40)?;
        // A few seconds: the data under a page is cached for a minute or more anyway.
        let page_cache_ttl = secs("PAGE_CACHE_TTL_SECS", 5, 0, 3_600)?;
        let page_cache_max_bytes = number("PAGE_CACHE_MAX_BYTES", 16 << 20, 1 << 20, 1 << 40)?;
        let hsts = match get("HSTS_ENABLED").as_deref().map(str::trim) {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(other) => return Err(invalid("HSTS_ENABLED", other, "expected true or false")),
        };
        let metrics_addr = match get("METRICS_ADDR") {
            Some(v) if v.trim() == "off" => None,
            Some(v) => Some(
                v.trim()
                    .parse::<SocketAddr>()
                    .map_err(|_| invalid("METRICS_ADDR", &v, "expected IP:PORT or off"))?,
            ),
            None => Some(SocketAddr::from(([127, 0, 0, 1], 9100))),
        };

        let aws_region = get("AWS_REGION").map(|v| parse_region("AWS_REGION", &v)).transpose()?;
        let release = release_config(&get)?;

        Ok(Config {
            site_addr,
            hn_api_url,
            log_format,
            shutdown_grace,
            shutdown_lame_duck,
            request_timeout,
            upstream: UpstreamLimits {
                timeout: upstream_timeout,
                page_time: upstream_budget,
                calls_per_page,
                gate: GateLimits {
                    capacity: max_concurrency,
                    max_queue,
                    max_wait: queue_wait,
                },
                breaker_threshold,
                breaker_probe_interval,
            },
            list_ttl,
            item_ttl,
            cache_max_bytes,
            page_cache_ttl,
            page_cache_max_bytes,
            hsts,
            metrics_addr,
            ecs_metadata_uri,
            header_read_timeout,
            worker_threads,
            renders,
            connections,
            aws_region,
            release,
        })
    }
}

/// `RELEASE_PARAMETER` and `RELEASE_REGIONS` go together, and need credentials.
fn release_config(get: &impl Fn(&'static str) -> Option<String>) -> Result<Option<ReleaseConfig>, ConfigError> {
    let (parameter, regions) = match (get("RELEASE_PARAMETER"), get("RELEASE_REGIONS")) {
        (None, None) => return Ok(None),
        (Some(parameter), Some(regions)) => (parameter, regions),
        (None, Some(regions)) => return Err(invalid("RELEASE_REGIONS", &regions, "needs RELEASE_PARAMETER too")),
        (Some(parameter), None) => return Err(invalid("RELEASE_PARAMETER", &parameter, "needs RELEASE_REGIONS too")),
    };
    let parameter = parameter.trim().to_string();
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_.-/".contains(c);
    if !parameter.starts_with('/') || parameter.len() > 1_011 || !parameter.chars().all(allowed) {
        let reason = "expected an SSM parameter name: /path/name of letters, digits, _ . - /";
        return Err(invalid("RELEASE_PARAMETER", &parameter, reason));
    }
    let regions = regions
        .split(',')
        .map(|region| parse_region("RELEASE_REGIONS", region))
        .collect::<Result<Vec<_>, _>>()?;
    let ssm_endpoint = get("AWS_ENDPOINT_URL_SSM")
        .map(|v| {
            let url = parse_base_url("AWS_ENDPOINT_URL_SSM", &v)?;
            if url.scheme() == "http" && !is_local_endpoint(&url) {
                return Err(invalid(
                    "AWS_ENDPOINT_URL_SSM",
                    &v,
                    "plain http only on this machine: signed requests go over https",
                ));
            }
            Ok(url)
        })
        .transpose()?;
    let credentials = credential_source(get)?.ok_or_else(|| {
        let reason = "needs AWS credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (ECS sets it for the task role), AWS_CONTAINER_CREDENTIALS_FULL_URI, or AWS_ACCESS_KEY_ID with AWS_SECRET_ACCESS_KEY";
        invalid("RELEASE_REGIONS", &regions.join(","), reason)
    })?;
    Ok(Some(ReleaseConfig {
        parameter,
        regions,
        ssm_endpoint,
        credentials,
    }))
}

/// The credentials the AWS SDKs would find first: the container's, then the shell's.
/// Secret values are never echoed in an error.
fn credential_source(get: &impl Fn(&'static str) -> Option<String>) -> Result<Option<CredentialSource>, ConfigError> {
    let relative = get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        .map(|relative| {
            Url::parse(&format!("http://{ECS_CREDENTIALS_HOST}"))
                .and_then(|base| base.join(relative.trim()))
                .ok()
                .filter(|url| relative.trim().starts_with('/') && url.host_str() == Some(ECS_CREDENTIALS_HOST))
                .ok_or_else(|| {
                    let reason = "expected a path, e.g. /v2/credentials/<id>";
                    invalid("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "<not shown>", reason)
                })
        })
        .transpose()?;
    let full = get("AWS_CONTAINER_CREDENTIALS_FULL_URI")
        .map(|full| {
            let var = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
            let url = Url::parse(full.trim()).map_err(|e| invalid(var, &full, &format!("not a URL ({e})")))?;
            if url.scheme() == "https" || (url.scheme() == "http" && is_local_endpoint(&url)) {
                Ok(url)
            } else {
                Err(invalid(
                    var,
                    &full,
                    "expected https, or http on this machine or the container agent",
                ))
            }
        })
        .transpose()?;
    // The relative URI first, as in the AWS SDKs.
    if let Some(url) = relative.or(full) {
        let authorization = get("AWS_CONTAINER_AUTHORIZATION_TOKEN").map(Secret);
        return Ok(Some(CredentialSource::Container { url, authorization }));
    }
    match (get("AWS_ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY")) {
        (Some(access_key_id), Some(secret)) => Ok(Some(CredentialSource::Environment {
            access_key_id: access_key_id.trim().to_string(),
            secret_access_key: Secret(secret.trim().to_string()),
            session_token: get("AWS_SESSION_TOKEN").map(|t| Secret(t.trim().to_string())),
        })),
        (Some(id), None) => Err(invalid("AWS_ACCESS_KEY_ID", &id, "needs AWS_SECRET_ACCESS_KEY too")),
        (None, Some(_)) => Err(invalid(
            "AWS_SECRET_ACCESS_KEY",
            "<not shown>",
            "needs AWS_ACCESS_KEY_ID too",
        )),
        (None, None) => Ok(None),
    }
}

/// An AWS region name such as eu-west-1 or us-gov-west-1.
fn parse_region(var: &'static str, value: &str) -> Result<String, ConfigError> {
    let region = value.trim();
    let parts: Vec<&str> = region.split('-').collect();
    let well_formed = parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty();
    if well_formed {
        Ok(region.to_string())
    } else {
        Err(invalid(
            var,
            value,
            "expected AWS region names such as eu-west-1, separated by commas",
        ))
    }
}

fn invalid(var: &'static str, value: &str, reason: &str) -> ConfigError {
    ConfigError {
        var,
        value: value.chars().take(200).collect(),
        reason: reason.to_string(),
    }
}

fn parse_num<T: TryFrom<u64>>(var: &'static str, value: &str, min: u64, max: u64) -> Result<T, ConfigError> {
    let reason = format!("expected a whole number from {min} to {max}");
    value
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .and_then(|n| T::try_from(n).ok())
        .ok_or_else(|| invalid(var, value, &reason))
}

/// The API base: http(s) only, no credentials, no query; stored with a trailing slash so joins append.
fn parse_base_url(var: &'static str, value: &str) -> Result<Url, ConfigError> {
    let mut url = Url::parse(value.trim()).map_err(|e| invalid(var, value, &format!("not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(var, value, "the scheme must be http or https"));
    }
    if url.host_str().is_none() || !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(var, value, "expected a host and no credentials"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(var, value, "expected no query or fragment"));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_sane() {
        let c = config(&[]).expect("defaults");
        assert_eq!(c.site_addr, "127.0.0.1:3000".parse().unwrap());
        assert_eq!(c.hn_api_url.as_str(), "https://hacker-news.firebaseio.com/v0/");
        assert!(c.list_ttl < c.item_ttl, "lists expire sooner than items");
        assert!(c.upstream.timeout < c.request_timeout);
        assert!(c.upstream.gate.max_wait < c.request_timeout);
        assert!(c.shutdown_lame_duck < c.shutdown_grace);
        assert_eq!(c.upstream.calls_per_page, 3_001, "a full thread and its story");
        assert!(!c.hsts);
        assert_eq!(c.worker_threads, None, "tokio picks one worker per CPU");
        let two = config(&[("TOKIO_WORKER_THREADS", "2")]).expect("two workers");
        assert_eq!(two.worker_threads, Some(2));
        assert_eq!(
            (two.renders.capacity, two.renders.max_queue),
            (16, 256),
            "derived from the workers"
        );
    }

    #[test]
    fn port_overrides_the_bind_port() {
        let c = config(&[("LEPTOS_SITE_ADDR", "0.0.0.0:8080"), ("PORT", "9000")]).unwrap();
        assert_eq!(c.site_addr, "0.0.0.0:9000".parse().unwrap());
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("PORT", "abc"),
            ("PORT", "0"),
            ("PORT", "70000"),
            ("HN_API_URL", "ftp://x"),
            ("HN_API_URL", "not a url"),
            ("HN_API_URL", "http://user:pw@host/v0"),
            ("LEPTOS_SITE_ADDR", "localhost"),
            ("LOG_FORMAT", "xml"),
            ("SHUTDOWN_GRACE_SECS", "-5"),
            ("HSTS_ENABLED", "yes please"),
            ("METRICS_ADDR", "9100"),
            ("CACHE_MAX_BYTES", "12"),
            ("UPSTREAM_TIMEOUT_MS", "60000"),
            ("RUST_LOG", "info,[=bad"),
            ("UPSTREAM_BUDGET_MS", "20000"),
            ("ECS_CONTAINER_METADATA_URI_V4", "file:///etc/passwd"),
            ("TOKIO_WORKER_THREADS", "0"),
            ("TOKIO_WORKER_THREADS", "many"),
            ("UPSTREAM_CALLS_PER_PAGE", "0"),
            ("UPSTREAM_MAX_CONCURRENCY", "0"),
            ("UPSTREAM_QUEUE_MAX", "-1"),
            ("UPSTREAM_QUEUE_WAIT_MS", "15000"),
            ("BREAKER_FAILURES", "0"),
            ("BREAKER_PROBE_SECS", "soon"),
            ("SHUTDOWN_LAME_DUCK_SECS", "20"),
            ("PAGE_CACHE_TTL_SECS", "a while"),
            ("PAGE_CACHE_MAX_BYTES", "1024"),
            ("RENDER_CONCURRENCY", "0"),
            ("RENDER_QUEUE_MAX", "lots"),
            ("RENDER_QUEUE_WAIT_MS", "30000"),
            ("MAX_CONNECTIONS", "0"),
            ("CONNECTION_QUEUE_WAIT_MS", "-5"),
            ("AWS_REGION", "Ireland"),
            ("RELEASE_REGIONS", "eu-west-1"),
            ("RELEASE_PARAMETER", "/hn-reader/dev/release/deployed-digest"),
        ] {
            let err = config(&[(var, value)]).expect_err(&format!("{var}={value} accepted"));
            assert_eq!(err.var, var);
            assert!(err.to_string().starts_with(&format!("invalid {var}=")), "{err}");
        }
    }

    #[test]
    fn release_records_need_a_name_regions_and_credentials() {
        let release = [
            ("RELEASE_PARAMETER", "/hn-reader/prod/release/deployed-digest"),
            ("RELEASE_REGIONS", "eu-west-1, eu-central-1"),
        ];
        let on_ecs = [
            &release[..],
            &[("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc")],
        ]
        .concat();
        let c = config(&on_ecs).unwrap().release.expect("configured");
        assert_eq!(c.regions, ["eu-west-1", "eu-central-1"]);
        assert_eq!(
            c.credentials,
            CredentialSource::Container {
                url: Url::parse("http://169.254.170.2/v2/credentials/abc").unwrap(),
                authorization: None
            }
        );
        assert_eq!(config(&[]).unwrap().release, None, "off AWS: no records");

        let err = config(&release).expect_err("no credentials");
        assert_eq!(err.var, "RELEASE_REGIONS");
        assert!(err.reason.contains("AWS credentials"), "{err}");

        for (var, value) in [
            ("RELEASE_REGIONS", "eu-west-1,,eu-central-1"),
            ("RELEASE_PARAMETER", "hn-reader/no-leading-slash"),
            ("RELEASE_PARAMETER", "/with spaces"),
            ("AWS_ENDPOINT_URL_SSM", "http://ssm.example.com/"),
            (
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                "//elsewhere.example.com/creds",
            ),
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://10.1.2.3/creds"),
        ] {
            let mut vars = on_ecs.clone();
            vars.retain(|(k, _)| *k != var);
            vars.push((var, value));
            let err = config(&vars).expect_err(&format!("{var}={value} accepted"));
            assert_eq!(err.var, var, "{err}");
        }

        let secret = "wJalrXUtnFEMI/K7MDENG";
        let keys = [
            &release[..],
            &[("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"), ("AWS_SECRET_ACCESS_KEY", secret)],
        ]
        .concat();
        let c = config(&keys).unwrap();
        assert!(
            !format!("{c:?}").contains(secret),
            "the secret key shows in the config's Debug"
        );
        let half = [&release[..], &[("AWS_SECRET_ACCESS_KEY", secret)]].concat();
        let err = config(&half).expect_err("a secret without its key id");
        assert!(!err.to_string().contains(secret), "{err}");
    }

    #[test]
    fn base_url_gets_a_trailing_slash() {
        let c = config(&[("HN_API_URL", "http://127.0.0.1:3100/v0")]).unwrap();
        assert_eq!(
            c.hn_api_url.join("item/1.json").unwrap().as_str(),
            "http://127.0.0.1:3100/v0/item/1.json"
        );
    }
}
