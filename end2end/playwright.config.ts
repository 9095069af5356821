import { defineConfig, devices } from "@playwright/test";

// `cargo leptos end-to-end` starts the app (LEPTOS_SITE_ADDR, default 127.0.0.1:3000) and runs
// this suite. The fake Hacker News API it reads from is started here.
const appUrl = `http://${process.env.LEPTOS_SITE_ADDR ?? "127.0.0.1:3000"}`;
const fakeAddr = process.env.FAKE_HN_ADDR ?? "127.0.0.1:3100";
const fakeBin = process.env.FAKE_HN_BIN ?? "../target/release/fake-hn";

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL: appUrl,
    trace: "retain-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
          args: [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
          ],
        },
      },
    },
  ],
  webServer: [
    {
      command: `${fakeBin} --addr ${fakeAddr}`,
      url: `http://${fakeAddr}/_control/calls`,
      reuseExistingServer: false,
      timeout: 30_000,
    },
    {
      // The app is started by cargo-leptos; this only waits until it answers.
      command: "node -e \"setInterval(() => {}, 1 << 30)\"",
      url: `${appUrl}/healthz`,
      reuseExistingServer: true,
      timeout: 120_000,
    },
  ],
});
