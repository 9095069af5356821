import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type BrowserContext, type Page, chromium } from "@playwright/test";
import { appEnv, builtApp, builtHashFile, root } from "../app-under-test";
import { test, expect } from "./fixtures";

// Offline reading (src/server/service_worker.js) and installing (public/manifest.webmanifest).
// Fixture facts: story 10001 is "Why SQLite is enough (1)"; story 10002 is never visited here.
const OFFLINE_FETCH_ERROR = "Failed to load resource: net::ERR_INTERNET_DISCONNECTED";

/** Loads `/` and resolves once the service worker controls the page. */
async function underTheWorker(page: Page): Promise<void> {
  await page.goto("/");
  await page.evaluate(() => navigator.serviceWorker.ready);
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
}

/** Visits `path` under the worker and resolves once the worker has saved it. */
async function visitAndSave(page: Page, path: string): Promise<void> {
  expect((await page.goto(path))?.status()).toBe(200);
  await expect
    .poll(() => page.evaluate(async () => Boolean(await (await caches.open("pages")).match(location.href))))
    .toBe(true);
}

async function assetCaches(page: Page): Promise<string[]> {
  return page.evaluate(async () => (await caches.keys()).filter((name) => name.startsWith("assets-")));
}

async function offline(context: BrowserContext): Promise<void> {
  await context.setOffline(true);
}

test("the manifest is valid and Chromium finds the app installable", async ({ page }, testInfo) => {
  const manifest = await page.request.get("/manifest.webmanifest");
  expect(manifest.status()).toBe(200);
  expect(manifest.headers()["content-type"]).toContain("application/manifest+json");
  // Chromium never offers to install from an incognito profile, which is what a Playwright
  // context is: this check runs in a persistent profile.
  const profile = mkdtempSync(join(tmpdir(), "hn-install-"));
  const installable = await chromium.launchPersistentContext(profile, {
    ...testInfo.project.use.launchOptions,
    baseURL: testInfo.project.use.baseURL,
  });
  try {
    const tab = installable.pages()[0] ?? (await installable.newPage());
    await underTheWorker(tab);
    const cdp = await installable.newCDPSession(tab);
    const parsed = await cdp.send("Page.getAppManifest");
    expect(parsed.errors).toEqual([]);
    const data = JSON.parse(parsed.data ?? "{}");
    expect(data.name).toBe("Hacker News reader");
    expect(data.display).toBe("standalone");
    const pngs = data.icons.filter((icon: { type: string }) => icon.type === "image/png");
    expect(pngs.map((icon: { purpose: string }) => icon.purpose).sort()).toEqual(["any", "any", "maskable"]);
    for (const icon of pngs) {
      const response = await page.request.get(icon.src);
      expect(response.status(), icon.src).toBe(200);
      expect(response.headers()["content-type"]).toBe("image/png");
    }
    const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
    expect(installabilityErrors).toEqual([]);
  } finally {
    await installable.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

test("offline, a page read before still renders, marked as saved", async ({ page, context }) => {
  await underTheWorker(page);
  await visitAndSave(page, "/item/10001");
  // Online, the worker fetched the page itself: no notice.
  await expect(page.locator(".offline-notice")).toHaveCount(0);
  await offline(context);
  await page.goto("/item/10001");
  await expect(page.locator(".offline-notice")).toHaveText(/^Offline: saved (less than a minute|\d+ minutes?) ago$/);
  await expect(page.locator("#item-title")).toContainText("Why SQLite is enough (1)");
  // Its stylesheet came from the worker's cache too.
  const background = await page.locator(".offline-notice").evaluate((el) => getComputedStyle(el).fontWeight);
  expect(background).toBe("600");
});

test("offline, a page never read shows the offline page listing the saved ones", async ({ page, context }) => {
  await underTheWorker(page);
  await visitAndSave(page, "/item/10001");
  await offline(context);
  const response = await page.goto("/item/10002");
  expect(response?.status()).toBe(503);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("You are offline");
  const saved = page.locator(".saved-pages a");
  await expect(saved).toHaveCount(1);
  await expect(saved).toHaveAttribute("href", "/item/10001");
  await expect(saved).toHaveText("Why SQLite is enough (1)");
  await saved.click();
  await expect(page.locator(".offline-notice")).toBeVisible();
});

test("server functions, probes and status are never answered by the worker", async ({ page, context, consoleErrors }) => {
  await underTheWorker(page);
  const fetchAll = () =>
    page.evaluate(async () => {
      const answers: string[] = [];
      for (const path of ["/healthz", "/readyz", "/status.json"]) {
        try {
          answers.push(`${path}: ${(await fetch(path)).status}`);
        } catch {
          answers.push(`${path}: network error`);
        }
      }
      return answers;
    });
  // Online, through the worker: live answers.
  expect(await fetchAll()).toEqual(["/healthz: 200", "/readyz: 200", "/status.json: 200"]);
  expect((await page.goto("/status"))?.status()).toBe(200);
  await visitAndSave(page, "/item/10001");
  await offline(context);
  expect(await fetchAll()).toEqual(["/healthz: network error", "/readyz: network error", "/status.json: network error"]);
  // Those three failed fetches are the only errors, and they are this test's point.
  expect(consoleErrors.splice(0)).toEqual([OFFLINE_FETCH_ERROR, OFFLINE_FETCH_ERROR, OFFLINE_FETCH_ERROR]);
  const saved = await page.evaluate(async () =>
    (await (await caches.open("pages")).keys()).map((request) => new URL(request.url).pathname),
  );
  expect(saved).toEqual(["/item/10001"]);
});

/** Starts the built binary on `addr` with `overrides`; resolves once it is ready. */
async function startApp(addr: string, overrides: Record<string, string>): Promise<ChildProcess> {
  const app = spawn(builtApp(), [], { cwd: root, env: appEnv(addr, overrides), stdio: "ignore" });
  await expect
    .poll(async () => fetch(`http://${addr}/readyz`).then((r) => r.status, () => 0), { timeout: 30_000 })
    .toBe(200);
  return app;
}

/** SIGINT drains at once (SIGTERM would wait out the lame-duck period). */
async function stopApp(app: ChildProcess): Promise<void> {
  if (app.exitCode !== null) return;
  const exited = new Promise((done) => app.once("exit", done));
  app.kill("SIGINT");
  await exited;
}

/** A copy of the built site as the next build would be: every bundle file under a new hash. */
function nextBuild(dir: string): { siteRoot: string; hashFile: string; renamed: Map<string, string> } {
  const siteRoot = join(dir, "site");
  cpSync(resolve(root, "target/site"), siteRoot, { recursive: true });
  const renamed = new Map<string, string>();
  const lines = readFileSync(builtHashFile(), "utf8")
    .split("\n")
    .filter((line) => line.includes(":"))
    .map((line) => {
      const [kind, hash] = line.split(":").map((part) => part.trim());
      renamed.set(hash, `${hash}next`);
      return `${kind}: ${hash}next`;
    });
  const pkg = join(siteRoot, "pkg");
  for (const file of readdirSync(pkg)) {
    for (const [hash, next] of renamed) {
      if (file.includes(`.${hash}.`)) renameSync(join(pkg, file), join(pkg, file.replace(`.${hash}.`, `.${next}.`)));
    }
  }
  const hashFile = join(dir, "hash.txt");
  writeFileSync(hashFile, `${lines.join("\n")}\n`);
  return { siteRoot, hashFile, renamed };
}

test("a new build's worker replaces the old one and drops its assets", async ({ page }) => {
  // Both builds must be served from one origin, one after the other, as a deploy does.
  const addr = "127.0.0.1:3210";
  const dir = mkdtempSync(join(tmpdir(), "hn-next-build-"));
  const apps: ChildProcess[] = [];
  try {
    apps.push(await startApp(addr, { LEPTOS_HASH_FILE_NAME: builtHashFile() }));
    await page.goto(`http://${addr}/`);
    await page.evaluate(() => navigator.serviceWorker.ready);
    const [before] = await assetCaches(page);
    expect(before).toMatch(/^assets-[0-9a-f]{8}$/);

    await stopApp(apps[0]);
    const next = nextBuild(dir);
    apps.push(await startApp(addr, { LEPTOS_SITE_ROOT: next.siteRoot, LEPTOS_HASH_FILE_NAME: next.hashFile }));
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
    await expect.poll(async () => (await assetCaches(page)).length === 1 && (await assetCaches(page))[0] !== before).toBe(true);

    const [after] = await assetCaches(page);
    const cached = await page.evaluate(
      async (name) => (await (await caches.open(name)).keys()).map((request) => new URL(request.url).pathname),
      after,
    );
    const pkgFiles = cached.filter((path) => path.startsWith("/pkg/"));
    expect(pkgFiles).toHaveLength(3);
    for (const [old, renamed] of next.renamed) {
      expect(pkgFiles.some((path) => path.includes(`.${renamed}.`)), `${renamed} pre-cached`).toBe(true);
      expect(pkgFiles.some((path) => path.includes(`.${old}.`)), `${old} dropped`).toBe(false);
    }
    await page.reload();
    await expect(page.locator('link[rel="stylesheet"]')).toHaveAttribute("href", /next\.css$/);
  } finally {
    for (const app of apps) await stopApp(app);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the CSP holds with the worker: no violation online, offline or on the offline page", async ({ page, context }) => {
  await page.addInitScript(() => {
    (window as unknown as { violations: string[] }).violations = [];
    document.addEventListener("securitypolicyviolation", (event) =>
      (window as unknown as { violations: string[] }).violations.push(`${event.violatedDirective} ${event.blockedURI}`),
    );
  });
  const violations = () => page.evaluate(() => (window as unknown as { violations: string[] }).violations);
  await underTheWorker(page);
  await visitAndSave(page, "/item/10001");
  expect(await violations()).toEqual([]);
  await offline(context);
  await page.goto("/item/10001");
  await expect(page.locator(".offline-notice")).toBeVisible();
  expect(await violations()).toEqual([]);
  await page.goto("/item/10002");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("You are offline");
  expect(await violations()).toEqual([]);
});
