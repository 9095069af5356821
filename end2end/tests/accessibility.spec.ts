import AxeBuilder from "@axe-core/playwright";
import { test, expect, interactive } from "./fixtures";

for (const [name, path] of [
  ["story list", "/"],
  ["story page", "/item/10000"],
  ["link story page", "/item/10001"],
  ["user page", "/user/user1"],
  ["not found page", "/no/such/page"],
] as const) {
  test(`axe finds no violations on the ${name}`, async ({ page }) => {
    await page.goto(path);
    await interactive(page);
    const results = await new AxeBuilder({ page }).analyze();
    expect(results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`)).toEqual([]);
  });
}

test("axe finds no violations on the status page", async ({ page }) => {
  await page.goto("/status");
  await interactive(page);
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`)).toEqual([]);
});
