// hn-reader's service worker: offline reading. The server fills in VERSION and PRECACHE for
// each build (src/server/offline.rs), so a new build is a new worker.
const VERSION = "__VERSION__";
const PRECACHE = __PRECACHE__;
const ASSETS_CACHE = `assets-${VERSION}`;
const PAGES_CACHE = "pages";
// Pages kept for offline reading: the most recently viewed ones.
const MAX_SAVED_PAGES = 50;
// Past this the network is treated as gone and the saved copy is shown.
const NETWORK_TIMEOUT_MS = 3000;
// Server functions, probes and status are live answers: never from the worker's cache.
const NEVER_CACHED = [/^\/api\//, /^\/status/, /^\/healthz$/, /^\/readyz$/, /^\/metrics/, /^\/sw\.js$/];
const SAVED_AT = "x-hn-saved-at";
const SAVED_TITLE = "x-hn-saved-title";
// What the worker's own pages may load: the stylesheet, nothing else.
const OFFLINE_PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(ASSETS_CACHE)
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => self.skipWaiting()),
  );
});

// The new build's worker takes over at once and drops older builds' assets.
self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("assets-") && name !== ASSETS_CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (NEVER_CACHED.some((pattern) => pattern.test(url.pathname))) return;
  if (request.mode === "navigate") {
    event.respondWith(page(request, event));
  } else if (PRECACHE.includes(url.pathname) || url.pathname.startsWith("/pkg/")) {
    event.respondWith(asset(request, url));
  }
});

// Network first, within a timeout; then the saved copy, marked as such; then the offline page.
async function page(request, event) {
  const key = pageKey(request.url);
  try {
    const response = await fetchWithin(request, NETWORK_TIMEOUT_MS);
    if (response.ok && isHtml(response)) {
      event.waitUntil(save(key, response.clone()));
      return response;
    }
    if (response.status < 500) return response;
    return (await savedPage(key)) ?? response;
  } catch {
    return (await savedPage(key)) ?? (await offlinePage());
  }
}

// Pages may be served stale by the browser's HTTP cache (stale-while-revalidate); "network
// first" means the server is asked. A navigation request cannot be re-made with options, so
// this is a new request for the same URL, and the timeout races it.
function fetchWithin(request, ms) {
  const fresh = new Request(request.url, {
    headers: request.headers,
    credentials: "same-origin",
    redirect: "manual",
    cache: "no-cache",
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("network timeout")), ms);
    fetch(fresh)
      .then(resolve, reject)
      .finally(() => clearTimeout(timer));
  });
}

// This build's assets come from its cache. A page saved under an older build names that
// build's files; offline, it gets this build's file of the same kind instead.
async function asset(request, url) {
  const cached = await caches.match(request, { cacheName: ASSETS_CACHE, ignoreSearch: true });
  if (cached) return cached;
  try {
    return await fetch(request);
  } catch (error) {
    const kind = url.pathname.split(".").pop();
    const current = PRECACHE.find((path) => path.startsWith("/pkg/") && path.endsWith(`.${kind}`));
    const fallback = current && (await caches.match(current, { cacheName: ASSETS_CACHE }));
    if (fallback) return fallback;
    throw error;
  }
}

function pageKey(href) {
  const url = new URL(href);
  url.hash = "";
  return url.href;
}

function isHtml(response) {
  return (response.headers.get("content-type") ?? "").startsWith("text/html");
}

async function save(key, response) {
  const html = await response.text();
  const title = (/<title>([^<]*)<\/title>/.exec(html)?.[1] ?? key).replace(/ \| Hacker News$/, "");
  const headers = new Headers({
    "content-type": response.headers.get("content-type"),
    [SAVED_AT]: String(Date.now()),
    [SAVED_TITLE]: encodeURIComponent(title),
  });
  // The saved copy keeps the CSP it was served with: its nonce is the one in its scripts.
  const csp = response.headers.get("content-security-policy");
  if (csp) headers.set("content-security-policy", csp);
  const cache = await caches.open(PAGES_CACHE);
  await cache.put(key, new Response(html, { status: 200, headers }));
  const saved = await savedPages(cache);
  for (const old of saved.slice(MAX_SAVED_PAGES)) await cache.delete(old.url);
}

// Saved pages, newest first.
async function savedPages(cache) {
  const pages = [];
  for (const request of await cache.keys()) {
    const response = await cache.match(request);
    if (!response) continue;
    pages.push({
      url: request.url,
      savedAt: Number(response.headers.get(SAVED_AT) ?? 0),
      title: decodeURIComponent(response.headers.get(SAVED_TITLE) ?? request.url),
    });
  }
  return pages.sort((a, b) => b.savedAt - a.savedAt);
}

async function savedPage(key) {
  const saved = await (await caches.open(PAGES_CACHE)).match(key);
  if (!saved) return undefined;
  const notice = `<p class="offline-notice" role="status">Offline: saved ${ago(Number(saved.headers.get(SAVED_AT)))}</p>`;
  const html = (await saved.text()).replace(/<body[^>]*>/, (body) => body + notice);
  return new Response(html, { status: 200, headers: saved.headers });
}

async function offlinePage() {
  const saved = await savedPages(await caches.open(PAGES_CACHE));
  const items = saved
    .map((page) => `<li><a href="${escapeHtml(new URL(page.url).pathname + new URL(page.url).search)}">${escapeHtml(page.title)}</a> <span class="meta">saved ${ago(page.savedAt)}</span></li>`)
    .join("");
  const list = items
    ? `<p>This page is not saved for offline reading. These are:</p><ul class="saved-pages">${items}</ul>`
    : "<p>This page is not saved for offline reading, and no page is saved yet: pages you read while online are kept here.</p>";
  const stylesheet = PRECACHE.find((path) => path.endsWith(".css"));
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Offline | Hacker News</title><link rel="icon" href="/favicon.svg" type="image/svg+xml"><link rel="stylesheet" href="${stylesheet}"></head><body><main id="main" class="offline-page"><h1>You are offline</h1>${list}</main></body></html>`;
  return new Response(html, {
    status: 503,
    headers: { "content-type": "text/html; charset=utf-8", "content-security-policy": OFFLINE_PAGE_CSP },
  });
}

function ago(savedAt) {
  const minutes = Math.floor((Date.now() - savedAt) / 60000);
  if (minutes < 1) return "less than a minute ago";
  if (minutes < 60) return minutes === 1 ? "1 minute ago" : `${minutes} minutes ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return hours === 1 ? "1 hour ago" : `${hours} hours ago`;
  const days = Math.floor(hours / 24);
  return days === 1 ? "1 day ago" : `${days} days ago`;
}

// Titles are already escaped by the server; this keeps them inert even if one is not.
function escapeHtml(text) {
  return text.replace(/[<>"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}
