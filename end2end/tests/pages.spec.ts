import { test, expect, interactive } from "./fixtures";

// Fixture facts (src/server/fake_hn.rs): top stories are 10000..10089, 90 in all (3 pages);
// story 10000 is an Ask HN post with a 400-comment thread holding one deleted and one dead comment.

test("the top stories page renders 30 ranked stories with their metadata", async ({ page }) => {
  const response = await page.goto("/");
  expect(response?.status()).toBe(200);
  await expect(page).toHaveTitle("Top | Hacker News");
  const rows = page.locator("ol.stories > li.story");
  await expect(rows).toHaveCount(30);
  const first = rows.first();
  await expect(first.locator(".title-link")).toHaveText("Ask HN: A fast Rust web framework? (0)");
  await expect(first.locator(".title-link")).toHaveAttribute("href", "/item/10000");
  await expect(first.locator(".comments")).toHaveText("400 comments");
  await expect(first.locator(".author")).toHaveAttribute("href", "/user/user0");
  await expect(first.locator(".age")).toContainText("minutes ago");
  const second = rows.nth(1);
  await expect(second.locator(".title-link")).toHaveAttribute("href", "https://www.example.org/articles/1");
  await expect(second.locator(".domain")).toHaveText("(example.org)");
  await expect(page.locator("ol.stories")).toHaveAttribute("start", "1");
});

test("pagination moves through the list and refuses pages that do not exist", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("link", { name: "More ›" }).click();
  await expect(page).toHaveURL(/\/\?page=2$/);
  await expect(page.locator("ol.stories")).toHaveAttribute("start", "31");
  await expect(page.locator("ol.stories > li.story").first().locator(".title-link")).toContainText("(30)");

  const missing = await page.goto("/?page=4");
  expect(missing?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
  await expect(page.getByText("page 4 does not exist: this list has 3 page(s)")).toBeVisible();
  const bad = await page.goto("/?page=abc");
  expect(bad?.status()).toBe(404);
});

test("navigation between lists, a story and a user works after hydration", async ({ page }) => {
  await page.goto("/");
  await interactive(page);
  await page.getByRole("navigation", { name: "Story lists" }).getByRole("link", { name: "Ask" }).click();
  await expect(page).toHaveURL(/\/ask$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Ask stories");
  await expect(page.locator("ol.stories > li.story").first().locator(".title-link")).toHaveText(/^Ask HN:/);

  await page.locator("ol.stories > li.story").first().locator(".comments").click();
  await expect(page).toHaveURL(/\/item\/10000$/);
  await expect(page.locator("#item-title")).toContainText("Ask HN: A fast Rust web framework?");

  await page.locator("#item-title ~ .meta .author").click();
  await expect(page).toHaveURL(/\/user\/user0$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("user0");
  await expect(page.locator("dl")).toContainText("Karma");
});

test("Reload refreshes the list in place, without a navigation", async ({ page }) => {
  await page.goto("/new");
  await interactive(page);
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
  const call = page.waitForResponse((r) => r.url().includes("/api/stories") && r.request().method() === "POST");
  await page.getByRole("button", { name: "Reload" }).click();
  expect((await call).status()).toBe(200);
  await expect(page.getByRole("button", { name: "Reload" })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
  await expect(page).toHaveURL(/\/new$/);
  await expect(page.locator("ol.stories > li.story")).toHaveCount(30);
});

test("an item page shows the whole thread, keeps deleted and dead comments, and collapses threads", async ({ page }) => {
  const response = await page.goto("/item/10000");
  expect(response?.status()).toBe(200);
  await interactive(page);
  await expect(page.locator("li.comment")).toHaveCount(400);
  await expect(page.locator(".placeholder", { hasText: "[deleted]" })).toHaveCount(1);
  await expect(page.locator(".placeholder", { hasText: "[dead]" })).toHaveCount(1);
  // The deleted comment's replies (3 + 6 + 6) are still there.
  const deleted = page.locator('li.comment[data-state="deleted"]');
  await expect(deleted).toHaveCount(1);
  await expect(deleted.locator("li.comment")).toHaveCount(15);

  const first = page.locator("ul.comments > li.comment").first();
  const firstReply = first.locator("ul.replies > li.comment").first();
  await expect(firstReply).toBeVisible();
  const count = first.locator(":scope > .comment-head .collapsed-count");
  await expect(count).toBeHidden();
  await first.locator(":scope > details > summary").click();
  await expect(firstReply).toBeHidden();
  await expect(count).toBeVisible();
  await expect(count).toHaveText("(15 replies hidden)");
  await first.locator(":scope > details > summary").click();
  await expect(firstReply).toBeVisible();
});

test("only the story lists, which hold the Reload island, load the WASM bundle", async ({ page }) => {
  for (const [path, loadsWasm] of [
    ["/", true],
    ["/item/10000", false],
    ["/user/user1", false],
  ] as const) {
    const wasm: string[] = [];
    const onRequest = (request: { url(): string }) => {
      if (/\/pkg\/.*\.(wasm|js)$/.test(request.url())) wasm.push(request.url());
    };
    page.on("request", onRequest);
    await page.goto(path);
    await interactive(page);
    page.off("request", onRequest);
    expect(wasm.length > 0, `${path}: ${wasm.join(", ")}`).toBe(loadsWasm);
  }
});

test("pages set a nonce CSP that the hydration script satisfies", async ({ page }) => {
  const response = await page.goto("/");
  const csp = response?.headers()["content-security-policy"] ?? "";
  expect(csp).toMatch(/script-src 'nonce-[A-Za-z0-9_-]{16,}' 'strict-dynamic' 'wasm-unsafe-eval'/);
  const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
  await expect(page.locator(`script[nonce]`).first()).toHaveCount(1);
  expect(await page.locator("script[type=module]").first().evaluate((s) => (s as HTMLScriptElement).nonce)).toBe(nonce);
  await interactive(page);
});

test("unknown pages, items and users are 404s", async ({ page }) => {
  for (const path of ["/no/such/page", "/item/999999999", "/item/abc", "/user/nobody_here"]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(404);
    await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
  }
});

test("the status page renders a row per component", async ({ page }) => {
  await page.goto("/");
  const response = await page.goto("/status");
  expect(response?.status()).toBe(200);
  expect(response?.headers()["cache-control"]).toBe("no-store");
  await interactive(page);
  for (const row of ["This task", "Hacker News API", "Cache: lists", "Cache: items", "Cache: users", "ECS task", "Release per region"]) {
    await expect(page.getByRole("rowheader", { name: row })).toBeVisible();
  }
  await expect(page.getByRole("row", { name: /Hacker News API/ })).toContainText("OK");
  await expect(page.getByRole("row", { name: /ECS task/ })).toContainText("not running on ECS");
  await expect(page.getByRole("row", { name: /Release per region/ })).toContainText("RELEASE_REGIONS is not set");
});
