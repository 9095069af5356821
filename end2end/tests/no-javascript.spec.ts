import { test, expect } from "./fixtures";

test.use({ javaScriptEnabled: false });

test("lists, pagination and Reload work without JavaScript", async ({ page }) => {
  await page.goto("/best");
  await expect(page.locator("ol.stories > li.story")).toHaveCount(30);
  await page.getByRole("link", { name: "More ›" }).click();
  await expect(page).toHaveURL(/\/best\?page=2$/);
  await expect(page.locator("ol.stories > li.story")).toHaveCount(30);
  // Without JS, Reload is a plain GET form that keeps the page number.
  await page.getByRole("button", { name: "Reload" }).click();
  await expect(page).toHaveURL(/\/best\?page=2$/);
  await expect(page.locator("ol.stories")).toHaveAttribute("start", "31");
});

test("item and user pages render, and threads collapse, without JavaScript", async ({ page }) => {
  await page.goto("/item/10000");
  await expect(page.locator("li.comment")).toHaveCount(400);
  const first = page.locator("ul.comments > li.comment").first();
  const reply = first.locator("ul.replies > li.comment").first();
  await expect(reply).toBeVisible();
  await first.locator(":scope > details > summary").click();
  await expect(reply).toBeHidden();

  await page.goto("/user/pg");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("pg");
});
