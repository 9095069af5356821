// What the suite runs: the binary cargo-leptos built last, with the environment cargo-leptos
// gives its own server. Shared by playwright.config.ts and the tests that start builds of their own.
import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

export const root = resolve(__dirname, "..");
export const fakeAddr = process.env.FAKE_HN_ADDR ?? "127.0.0.1:3100";
export const appAddr = process.env.APP_UNDER_TEST_ADDR ?? "127.0.0.1:3200";

/** The LEPTOS_* values cargo-leptos builds and serves with (cargo reuses its build with them). */
export const cargoLeptosEnv = {
  LEPTOS_OUTPUT_NAME: "hn-reader",
  LEPTOS_SITE_ROOT: "target/site",
  LEPTOS_SITE_PKG_DIR: "pkg",
  LEPTOS_SITE_ADDR: "127.0.0.1:3000",
  LEPTOS_RELOAD_PORT: "3001",
  LEPTOS_LIB_DIR: ".",
  LEPTOS_BIN_DIR: ".",
  LEPTOS_HASH_FILES: "true",
  LEPTOS_HASH_FILE_NAME: "hash.txt",
};

export const inheritedEnv = process.env as Record<string, string>;

/** The newer of target/{release,debug}/hn-reader: the one `cargo leptos end-to-end [--release]` built. */
export function builtApp(): string {
  const built = ["release", "debug"]
    .map((profile) => resolve(root, "target", profile, "hn-reader"))
    .filter((path) => existsSync(path))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (built.length === 0) throw new Error("no target/{release,debug}/hn-reader: run `cargo leptos end-to-end`");
  return built[0];
}

/** The hash file cargo-leptos wrote beside the binary: the names of this build's JS, WASM and CSS. */
export function builtHashFile(): string {
  return resolve(dirname(builtApp()), "hash.txt");
}

/** The environment of an app instance on `addr` reading the fake upstream. */
export function appEnv(addr: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ...inheritedEnv,
    ...cargoLeptosEnv,
    LEPTOS_SITE_ADDR: addr,
    HN_API_URL: `http://${fakeAddr}/v0`,
    // cargo-leptos's own instance holds the default metrics address.
    METRICS_ADDR: "off",
    ...overrides,
  };
}
