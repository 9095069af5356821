import { defineConfig, devices } from "@playwright/test";
import { appAddr, appEnv, builtApp, cargoLeptosEnv, fakeAddr, inheritedEnv, root } from "./app-under-test";

// `cargo leptos end-to-end [--release]` builds the app, starts it (reading the real Hacker News
// API, as `cargo leptos watch` does: cargo-leptos gives its server no environment of ours) and
// runs this suite. So the suite starts what it tests itself: the fake Hacker News API, and a
// second instance of the binary cargo-leptos just built, on its own port, reading the fake.
const appBin = builtApp();
const release = appBin.includes("/release/");
// The fake upstream, built with the same profile and LEPTOS_* values so it reuses the app's build.
const fakeCommand = process.env.FAKE_HN_BIN
  ? `${process.env.FAKE_HN_BIN} --addr ${fakeAddr}`
  : `cargo run --quiet ${release ? "--release " : ""}--features ssr --bin fake-hn -- --addr ${fakeAddr}`;

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  // The JSON report is how `make e2e` knows the suite ran (see the Makefile).
  reporter: [["list"], ["json", { outputFile: "test-results/results.json" }]],
  use: {
    baseURL: `http://${appAddr}`,
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
      command: fakeCommand,
      cwd: root,
      env: { ...inheritedEnv, ...cargoLeptosEnv },
      url: `http://${fakeAddr}/_control/calls`,
      reuseExistingServer: false,
      // A fresh clone builds the fake first.
      timeout: 600_000,
    },
    {
      command: appBin,
      cwd: root,
      env: appEnv(appAddr),
      url: `http://${appAddr}/readyz`,
      reuseExistingServer: false,
      timeout: 60_000,
    },
  ],
});
