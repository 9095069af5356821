//! Wall-clock time on the server. (The browser build has no `SystemTime`, so this is server-only.)

/// Seconds since the Unix epoch; 0 if the clock reads before it.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
