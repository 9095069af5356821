import { test as base, expect, type Page } from "@playwright/test";

/** Every page gets a console watcher: any error, including a CSP violation, fails the test. */
export const test = base.extend<{ consoleErrors: string[] }>({
  consoleErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on("console", (msg) => {
        // A page that is meant to be a 404 or 503 makes Chromium log its own status; that is not an error of ours.
        const documentStatus = msg.text().startsWith("Failed to load resource") && msg.location().url === page.url();
        if (msg.type() === "error" && !documentStatus) errors.push(msg.text());
      });
      page.on("pageerror", (err) => errors.push(String(err)));
      await use(errors);
      expect(errors, "console errors").toEqual([]);
    },
    { auto: true },
  ],
});

/** Resolves once the page is interactive: its islands hydrated by the WASM bundle, or, on a page
 * without islands (which loads no WASM at all), once it has loaded. */
export async function interactive(page: Page): Promise<void> {
  await page.waitForLoadState("load");
  if ((await page.locator("leptos-island").count()) > 0) {
    await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
  } else {
    await expect(page.locator('link[rel="modulepreload"], script[type="module"]')).toHaveCount(0);
  }
}

export { expect };
