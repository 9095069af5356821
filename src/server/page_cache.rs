//! Rendered pages, kept for a few seconds (`PAGE_CACHE_TTL_SECS`) and shared by every request for
//! the same page. Rendering costs far more than sending, and a page only changes when the data
//! under it does (cached for a minute or more), so a hit serves the render of a moment ago.
//!
//! Each response still gets a CSP nonce of its own. The body is kept in pieces split where the
//! render's nonce appeared, and each response's nonce goes into the gaps. The gzip and brotli
//! forms are compressed once per render, piece by piece, and the response's nonce is joined in
//! uncompressed: into a stored deflate block, or into the slots of stored brotli meta-blocks
//! joined in once per render. So compression costs nothing per request either.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use brotli::concat::{BroCatli, BroCatliResult};
use brotli::enc::BrotliEncoderParams;
use leptos::nonce::Nonce;

use super::state::AppState;
use crate::model::PageCacheStatus;

/// Largest render kept; a bigger page (a huge thread) is served but not cached.
const MAX_PAGE_BYTES: usize = 8 << 20;
/// Keys are short paths; anything longer is not a page worth keeping.
const MAX_KEY_BYTES: usize = 256;
/// Compression spent once per render: quality over speed, but well under a render's cost.
const GZIP_LEVEL: u32 = 6;
const BROTLI_QUALITY: i32 = 5;
const BROTLI_WINDOW_BITS: i32 = 22;

/// The body codings a client accepts, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coding {
    Brotli,
    Gzip,
    Identity,
}

impl Coding {
    /// The best coding `accept_encoding` allows (q=0 refuses one).
    pub fn negotiate(accept_encoding: Option<&str>) -> Coding {
        let accepts = |name: &str| {
            accept_encoding.into_iter().flat_map(|v| v.split(',')).any(|entry| {
                let mut parts = entry.split(';');
                let coding = parts.next().unwrap_or("").trim();
                let refused = parts.any(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.trim().parse::<f32>().ok())
                        .is_some_and(|q| q <= 0.0)
                });
                coding.eq_ignore_ascii_case(name) && !refused
            })
        };
        if accepts("br") {
            Coding::Brotli
        } else if accepts("gzip") {
            Coding::Gzip
        } else {
            Coding::Identity
        }
    }
}

/// How long a page built from stale data is served again: long enough that an outage does not
/// turn every view into a render, short enough that recovery shows within a second.
const STALE_PAGE_TTL: Duration = Duration::from_secs(1);

/// One render, in the pieces around its nonce, in every coding.
pub struct RenderedPage {
    /// How long this render is served again.
    ttl: Duration,
    headers: HeaderMap,
    identity: Vec<Bytes>,
    gzip: Vec<Bytes>,
    /// Each piece's CRC-32 and length, combined per response with the nonce's.
    gzip_crcs: Vec<crc32fast::Hasher>,
    /// The joined brotli stream, split at its nonce slots (`brotli_segments`).
    brotli: Option<Vec<Bytes>>,
}

/// A stored (uncompressed) deflate block holding `data`: valid between two byte-aligned blocks.
fn stored_block(data: &[u8]) -> Vec<u8> {
    let len = data.len() as u16;
    let mut block = Vec::with_capacity(5 + data.len());
    block.push(0); // BFINAL = 0, BTYPE = 00 (stored)
    block.extend_from_slice(&len.to_le_bytes());
    block.extend_from_slice(&(!len).to_le_bytes());
    block.extend_from_slice(data);
    block
}

/// gzip's 10-byte header: deflate, no name, no time, unknown OS.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
/// An empty final deflate block (fixed Huffman), which ends the stream.
const DEFLATE_END: [u8; 2] = [3, 0];

/// A raw deflate stream of `data`, sync-flushed so it ends on a byte boundary and can be
/// followed by any other block.
fn deflate_piece(data: &[u8]) -> Bytes {
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(GZIP_LEVEL));
    // Writing to a Vec cannot fail; `flush` is deflate's sync flush.
    let _ = encoder.write_all(data).and_then(|()| encoder.flush());
    Bytes::from(std::mem::take(encoder.get_mut()))
}

/// A brotli stream of `data` that `BroCatli` can join to others.
fn brotli_piece(data: &[u8]) -> Vec<u8> {
    let params = BrotliEncoderParams {
        quality: BROTLI_QUALITY,
        lgwin: BROTLI_WINDOW_BITS,
        catable: true,
        appendable: true,
        magic_number: false,
        ..BrotliEncoderParams::default()
    };
    let mut out = Vec::new();
    let _ = brotli::BrotliCompress(&mut &data[..], &mut out, &params);
    out
}

/// Joins catable brotli streams into one.
fn brotli_join(pieces: &[&[u8]]) -> Option<Vec<u8>> {
    let mut joiner = BroCatli::new();
    let mut out = vec![0; pieces.iter().map(|p| p.len()).sum::<usize>() + 16];
    let mut written = 0;
    for piece in pieces {
        joiner.new_brotli_file();
        let mut read = 0;
        match joiner.stream(piece, &mut read, &mut out, &mut written) {
            BroCatliResult::Success | BroCatliResult::NeedsMoreInput if read == piece.len() => {}
            _ => return None,
        }
    }
    match joiner.finish(&mut out, &mut written) {
        BroCatliResult::Success => {
            out.truncate(written);
            Some(out)
        }
        _ => None,
    }
}

/// A whole brotli stream holding `data` as one uncompressed meta-block (RFC 7932, 9.2), so the
/// bytes stay verbatim and byte-aligned in any stream it is joined into. At most 64 KiB.
fn brotli_stored(data: &[u8]) -> Option<Vec<u8>> {
    let last_index = u16::try_from(data.len().checked_sub(1)?).ok()?;
    // Bits, first to last: WBITS = 17 + 5 (1, then 5 in 3 bits); ISLAST 0; MNIBBLES 0 (four
    // nibbles); MLEN - 1 in 16 bits; ISUNCOMPRESSED 1. 24 bits: the data starts on a byte.
    let header: u32 = 0b1011 | (u32::from(last_index) << 7) | (1 << 23);
    const _: () = assert!(BROTLI_WINDOW_BITS == 22, "the header above encodes a 22-bit window");
    let mut stream = Vec::with_capacity(data.len() + 4);
    stream.extend_from_slice(&header.to_le_bytes()[..3]);
    stream.extend_from_slice(data);
    // The last meta-block: ISLAST 1, ISLASTEMPTY 1.
    stream.push(0b11);
    Some(stream)
}

/// The response nonce's place in a joined brotli render: as long as a Leptos nonce (16 random
/// bytes in unpadded base64), and bytes no HTML or brotli output is likely to hold.
const NONCE_SLOT: &[u8; 22] = b"\0\x01nonce-slot\x02\xff\xfe\x03\x04\x05\x06\x07\x08\x09";

/// The render joined into one brotli stream once, with a stored `NONCE_SLOT` in each gap, and
/// split at those slots: a response is those segments with its own nonce between them, and
/// costs no compression at all. `None` if the slots cannot be found exactly once each.
fn brotli_segments(pieces: &[Bytes]) -> Option<Vec<Bytes>> {
    let slot = brotli_stored(NONCE_SLOT)?;
    let mut streams: Vec<&[u8]> = Vec::with_capacity(pieces.len() * 2);
    for (at, piece) in pieces.iter().enumerate() {
        if at > 0 {
            streams.push(&slot);
        }
        streams.push(piece);
    }
    let joined = Bytes::from(brotli_join(&streams)?);
    let mut segments = Vec::with_capacity(pieces.len());
    let mut start = 0;
    while let Some(at) = find(&joined[start..], NONCE_SLOT) {
        segments.push(joined.slice(start..start + at));
        start += at + NONCE_SLOT.len();
    }
    segments.push(joined.slice(start..));
    (segments.len() == pieces.len()).then_some(segments)
}

impl RenderedPage {
    /// Splits `body` where `nonce` appears and compresses the pieces.
    pub fn new(ttl: Duration, headers: HeaderMap, body: &[u8], nonce: &str) -> RenderedPage {
        let mut identity = Vec::new();
        let mut rest = body;
        while let Some(at) = find(rest, nonce.as_bytes()) {
            identity.push(Bytes::copy_from_slice(&rest[..at]));
            rest = &rest[at + nonce.len()..];
        }
        identity.push(Bytes::copy_from_slice(rest));
        let gzip = identity.iter().map(|piece| deflate_piece(piece)).collect();
        let gzip_crcs = identity
            .iter()
            .map(|piece| {
                let mut crc = crc32fast::Hasher::new();
                crc.update(piece);
                crc
            })
            .collect();
        let brotli_pieces: Vec<Bytes> = identity.iter().map(|piece| Bytes::from(brotli_piece(piece))).collect();
        let brotli = brotli_segments(&brotli_pieces);
        RenderedPage {
            ttl,
            headers,
            identity,
            gzip,
            gzip_crcs,
            brotli,
        }
    }

    /// Estimated bytes held, for the cache's bound.
    fn weight(&self) -> u32 {
        let sum = |pieces: &[Bytes]| pieces.iter().map(Bytes::len).sum::<usize>();
        let brotli = self.brotli.as_deref().map_or(0, sum);
        (sum(&self.identity) + sum(&self.gzip) + brotli + 512).min(u32::MAX as usize) as u32
    }

    /// This render with `nonce` in its gaps, in `coding`.
    pub fn response(&self, nonce: &str, coding: Coding) -> Response {
        let (chunks, encoding) = match coding {
            Coding::Identity => (self.join_identity(nonce), None),
            Coding::Gzip => (self.join_gzip(nonce), Some("gzip")),
            Coding::Brotli => match self.join_brotli(nonce) {
                Some(chunks) => (chunks, Some("br")),
                None => (self.join_gzip(nonce), Some("gzip")),
            },
        };
        let length: usize = chunks.iter().map(Bytes::len).sum();
        let stream = futures::stream::iter(chunks.into_iter().map(Ok::<_, std::convert::Infallible>));
        let mut response = Response::new(Body::from_stream(stream));
        *response.headers_mut() = self.headers.clone();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        if let Some(encoding) = encoding {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
        response
    }

    fn join_identity(&self, nonce: &str) -> Vec<Bytes> {
        let nonce = Bytes::copy_from_slice(nonce.as_bytes());
        interleave(&self.identity, &nonce)
    }

    fn join_gzip(&self, nonce: &str) -> Vec<Bytes> {
        let stored = Bytes::from(stored_block(nonce.as_bytes()));
        let mut nonce_crc = crc32fast::Hasher::new();
        nonce_crc.update(nonce.as_bytes());
        let mut crc = crc32fast::Hasher::new();
        for (at, piece_crc) in self.gzip_crcs.iter().enumerate() {
            if at > 0 {
                crc.combine(&nonce_crc);
            }
            crc.combine(piece_crc);
        }
        let length = self.identity.iter().map(Bytes::len).sum::<usize>() + nonce.len() * (self.identity.len() - 1);
        let mut trailer = Vec::with_capacity(10);
        trailer.extend_from_slice(&DEFLATE_END);
        trailer.extend_from_slice(&crc.finalize().to_le_bytes());
        // gzip keeps the length modulo 2^32.
        trailer.extend_from_slice(&(length as u32).to_le_bytes());
        let mut chunks = vec![Bytes::from_static(&GZIP_HEADER)];
        chunks.extend(interleave(&self.gzip, &stored));
        chunks.push(Bytes::from(trailer));
        chunks
    }

    /// The nonce goes verbatim into the stored meta-blocks' slots, so it must be as long.
    fn join_brotli(&self, nonce: &str) -> Option<Vec<Bytes>> {
        let segments = self.brotli.as_ref()?;
        (nonce.len() == NONCE_SLOT.len()).then(|| interleave(segments, &Bytes::copy_from_slice(nonce.as_bytes())))
    }
}

/// `pieces` with `gap` between each two.
fn interleave(pieces: &[Bytes], gap: &Bytes) -> Vec<Bytes> {
    let mut out = Vec::with_capacity(pieces.len() * 2);
    for (at, piece) in pieces.iter().enumerate() {
        if at > 0 {
            out.push(gap.clone());
        }
        out.push(piece.clone());
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// The cache key of a request for a page: its path, and `page` when it is the only query.
/// Anything else (another method, any other query, the API, assets, probes, status) is `None`.
pub fn page_key(method: &Method, uri: &axum::http::Uri) -> Option<String> {
    let path = uri.path();
    let not_a_page = ["/api/", "/pkg/", "/icons/"]
        .iter()
        .any(|prefix| path.starts_with(prefix))
        || ["/status", "/status.json", "/healthz", "/readyz", "/sw.js"].contains(&path);
    if method != Method::GET || not_a_page || path.len() > MAX_KEY_BYTES {
        return None;
    }
    match uri.query() {
        None => Some(path.to_string()),
        Some(query) => {
            let page = query.strip_prefix("page=")?;
            (!page.is_empty() && page.len() <= 4 && page.bytes().all(|b| b.is_ascii_digit()))
                .then(|| format!("{path}?page={page}"))
        }
    }
}

#[derive(Clone)]
pub struct PageCache {
    entries: moka::future::Cache<String, Arc<RenderedPage>>,
    ttl: Duration,
    stats: Arc<PageCacheStats>,
}

/// Each render expires after its own `ttl`.
struct PerPage;

impl moka::Expiry<String, Arc<RenderedPage>> for PerPage {
    fn expire_after_create(
        &self,
        _key: &String,
        page: &Arc<RenderedPage>,
        _now: std::time::Instant,
    ) -> Option<Duration> {
        Some(page.ttl)
    }
}

#[derive(Default)]
struct PageCacheStats {
    hits: AtomicU64,
    misses: AtomicU64,
    renders: AtomicU64,
    uncacheable: AtomicU64,
}

impl PageCache {
    /// `None` when `ttl` is zero: pages are then rendered every time.
    pub fn new(ttl: Duration, max_bytes: u64) -> Option<PageCache> {
        (!ttl.is_zero()).then(|| PageCache {
            entries: moka::future::Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|key: &String, page: &Arc<RenderedPage>| page.weight().saturating_add(key.len() as u32))
                .expire_after(PerPage)
                .build(),
            ttl,
            stats: Arc::default(),
        })
    }

    pub fn status(&self) -> PageCacheStatus {
        PageCacheStatus {
            entries: self.entries.entry_count(),
            bytes: self.entries.weighted_size(),
            hits: self.stats.hits.load(Ordering::Relaxed),
            misses: self.stats.misses.load(Ordering::Relaxed),
            renders: self.stats.renders.load(Ordering::Relaxed),
            uncacheable: self.stats.uncacheable.load(Ordering::Relaxed),
        }
    }
}

/// What a render turned out to be, for the requests waiting on it.
enum Render {
    Kept(Arc<RenderedPage>),
    /// Not a page (an error, or too big to keep): served to its own request only.
    NotKept(Response),
}

/// Serves pages from the cache, filling it through one render per page at a time. Sits inside
/// `response_headers`, which makes the nonce and puts it in the CSP, and inside compression,
/// which leaves its already-encoded answers alone and compresses the renders it does not keep.
pub async fn serve_cached(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (Some(cache), Some(key)) = (&state.page_cache, page_key(request.method(), request.uri())) else {
        return next.run(request).await;
    };
    let Some(nonce) = request.extensions().get::<Nonce>().cloned() else {
        return next.run(request).await;
    };
    let coding = Coding::negotiate(
        request
            .headers()
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok()),
    );
    if let Some(page) = cache.entries.get(&key).await {
        cache.stats.hits.fetch_add(1, Ordering::Relaxed);
        return page.response(&nonce, coding);
    }
    cache.stats.misses.fetch_add(1, Ordering::Relaxed);

    let (parts, body) = request.into_parts();
    let retry = Request::from_parts(parts.clone(), Body::empty());
    let request = Request::from_parts(parts, body);
    let mut own: Option<Response> = None;
    let rendered = cache
        .entries
        .try_get_with(key, async {
            cache.stats.renders.fetch_add(1, Ordering::Relaxed);
            match render(next.clone().run(request).await, &nonce, cache.ttl).await {
                Render::Kept(page) => Ok(page),
                Render::NotKept(response) => {
                    own = Some(response);
                    Err(())
                }
            }
        })
        .await;
    match (rendered, own) {
        (Ok(page), _) => page.response(&nonce, coding),
        // This request's own render, not worth keeping.
        (Err(_), Some(response)) => {
            cache.stats.uncacheable.fetch_add(1, Ordering::Relaxed);
            response
        }
        // Another request's render was not kept: render for this one.
        (Err(_), None) => next.run(retry).await,
    }
}

async fn render(response: Response, nonce: &str, ttl: Duration) -> Render {
    let is_page = response.status() == StatusCode::OK
        && response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
    if !is_page {
        return Render::NotKept(response);
    }
    // A page built from stale data sets its own short Cache-Control (a fresh one leaves it to
    // `response_headers`), and is kept only a moment.
    let ttl = match response.headers().get(header::CACHE_CONTROL) {
        None => ttl,
        Some(_) => ttl.min(STALE_PAGE_TTL),
    };
    let (parts, body) = response.into_parts();
    match axum::body::to_bytes(body, MAX_PAGE_BYTES).await {
        Ok(bytes) => {
            let mut headers = HeaderMap::new();
            for name in [header::CONTENT_TYPE, header::CACHE_CONTROL] {
                if let Some(value) = parts.headers.get(&name) {
                    headers.insert(name, value.clone());
                }
            }
            Render::Kept(Arc::new(RenderedPage::new(ttl, headers, &bytes, nonce)))
        }
        // Too big to keep, or the render failed mid-body.
        Err(err) => {
            tracing::warn!(error = %err, "page not cached");
            Render::NotKept(Response::from_parts(parts, Body::empty()))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    async fn body_of(response: Response) -> Vec<u8> {
        axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec()
    }

    fn page() -> RenderedPage {
        let nonce = "NONCE_OF_THE_RENDER_22";
        let body = format!(
            "<head><script nonce=\"{nonce}\">boot()</script><link nonce=\"{nonce}\"></head><body>{}</body>",
            "<li>a comment, compressible</li>".repeat(2_000)
        );
        RenderedPage::new(Duration::from_secs(5), HeaderMap::new(), body.as_bytes(), nonce)
    }

    fn expected(nonce: &str) -> Vec<u8> {
        format!(
            "<head><script nonce=\"{nonce}\">boot()</script><link nonce=\"{nonce}\"></head><body>{}</body>",
            "<li>a comment, compressible</li>".repeat(2_000)
        )
        .into_bytes()
    }

    #[tokio::test]
    async fn each_coding_decodes_to_the_render_with_the_response_s_own_nonce() {
        let page = page();
        assert_eq!(page.identity.len(), 3, "split at both nonces");
        for nonce in ["FIRST_RESPONSE_NONCE_1", "OTHER_RESPONSE_NONCE_2"] {
            let identity = page.response(nonce, Coding::Identity);
            assert_eq!(
                identity.headers()[header::CONTENT_LENGTH],
                expected(nonce).len().to_string()
            );
            assert_eq!(body_of(identity).await, expected(nonce));

            let gzip = page.response(nonce, Coding::Gzip);
            assert_eq!(gzip.headers()[header::CONTENT_ENCODING], "gzip");
            let compressed = body_of(gzip).await;
            assert!(
                compressed.len() < expected(nonce).len() / 10,
                "{} bytes",
                compressed.len()
            );
            let mut plain = Vec::new();
            flate2::read::GzDecoder::new(&compressed[..])
                .read_to_end(&mut plain)
                .unwrap();
            assert_eq!(plain, expected(nonce), "gzip, CRC and length check out");

            let brotli = page.response(nonce, Coding::Brotli);
            assert_eq!(brotli.headers()[header::CONTENT_ENCODING], "br");
            let compressed = body_of(brotli).await;
            let mut plain = Vec::new();
            brotli::Decompressor::new(&compressed[..], 4096)
                .read_to_end(&mut plain)
                .unwrap();
            assert_eq!(plain, expected(nonce));
        }
    }

    #[test]
    fn a_stored_brotli_stream_decodes_to_its_bytes() {
        for data in [&b"x"[..], NONCE_SLOT, &[7u8; 65_536][..]] {
            let stream = brotli_stored(data).unwrap();
            let mut plain = Vec::new();
            brotli::Decompressor::new(&stream[..], 4096)
                .read_to_end(&mut plain)
                .unwrap();
            assert_eq!(plain, data);
        }
        assert_eq!(brotli_stored(b""), None);
        assert_eq!(brotli_stored(&[0; 65_537]), None);
    }

    #[tokio::test]
    async fn a_brotli_response_carries_its_nonce_verbatim_and_falls_back_to_gzip_for_another_length() {
        let page = page();
        let segments = page.brotli.as_ref().expect("the slots were found");
        assert_eq!(segments.len(), page.identity.len());
        let nonce = "VERBATIM_IN_THE_STREAM";
        let compressed = body_of(page.response(nonce, Coding::Brotli)).await;
        assert!(
            find(&compressed, nonce.as_bytes()).is_some(),
            "the nonce is stored, not compressed"
        );

        let odd = "a-nonce-of-another-length";
        let response = page.response(odd, Coding::Brotli);
        assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&body_of(response).await[..])
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(plain, expected(odd));
    }

    #[test]
    fn codings_are_negotiated_from_accept_encoding() {
        assert_eq!(Coding::negotiate(Some("gzip, deflate, br")), Coding::Brotli);
        assert_eq!(Coding::negotiate(Some("br;q=0, gzip")), Coding::Gzip);
        assert_eq!(Coding::negotiate(Some("GZIP")), Coding::Gzip);
        assert_eq!(Coding::negotiate(Some("identity")), Coding::Identity);
        assert_eq!(Coding::negotiate(None), Coding::Identity);
    }

    #[test]
    fn only_plain_page_requests_have_a_key() {
        let key = |method: Method, uri: &str| page_key(&method, &uri.parse().unwrap());
        assert_eq!(key(Method::GET, "/"), Some("/".into()));
        assert_eq!(key(Method::GET, "/new?page=2"), Some("/new?page=2".into()));
        assert_eq!(key(Method::GET, "/item/10000"), Some("/item/10000".into()));
        for (method, uri) in [
            (Method::POST, "/"),
            (Method::GET, "/?page=2&x=1"),
            (Method::GET, "/?utm=1"),
            (Method::GET, "/?page=99999"),
            (Method::GET, "/api/stories"),
            (Method::GET, "/pkg/app.js"),
            (Method::GET, "/status"),
            (Method::GET, "/healthz"),
            (Method::GET, "/sw.js"),
            (Method::GET, "/icons/icon-192.png"),
        ] {
            assert_eq!(key(method.clone(), uri), None, "{method} {uri}");
        }
        assert_eq!(key(Method::GET, &format!("/user/{}", "x".repeat(300))), None);
    }
}
