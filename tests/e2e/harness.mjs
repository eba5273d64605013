// Launches the real desktop app through tauri-driver (which drives
// WebKitWebDriver) with its own temporary SCRIPTORIUM_HOME.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { remote } from "webdriverio";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const appBinary =
  process.env.SCRIPTORIUM_APP ?? path.join(root, "target/debug/scriptorium-desktop");
/** The command line, built alongside the app. */
export const cliBinary = path.join(root, "target/debug/scriptorium");
export const screenshotDir = path.join(root, "target/e2e");
mkdirSync(screenshotDir, { recursive: true });

const homes = [];
process.on("exit", () => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

/** A fresh data folder, removed when the test process ends. */
/** Queues scripted replies on a running test server (see
 * tests/support/src/script.rs for the reply format). */
export async function queueReplies(baseUrl, replies) {
  const response = await fetch(baseUrl.replace(/\/v1$/, "/control/replies"), {
    method: "POST",
    body: JSON.stringify(replies),
  });
  if (!response.ok) throw new Error(`queueing replies failed: ${await response.text()}`);
}

/** Adds the test server as the only (so default) backend of a data folder,
 * through the CLI, before the app starts. */
export function addLoopbackBackend(home, url) {
  execFileSync(
    cliBinary,
    ["--home", home, "backend", "add", "loopback", "--base-url", url, "--model", "test-model"],
    { env: { ...process.env, SCRIPTORIUM_SECRETS: "file" }, stdio: ["ignore", "ignore", "inherit"] },
  );
}

/** Starts our OpenAI-compatible test server; resolves to its base URL. */
export function startTestServer() {
  return serve([]);
}

/** Starts a fake Hugging Face hub serving `files/{owner}/{name}/{file}`;
 * its first download trickles, so a test can watch it and stop it. */
export function startFakeHub(files) {
  return serve(["--hub", files, "--slow-first"]);
}

function serve(args) {
  const server = spawn(path.join(root, "target/debug/scriptorium-test-server"), args, {
    stdio: ["ignore", "pipe", "inherit"],
  });
  process.on("exit", () => server.kill("SIGKILL"));
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.stdout.once("data", (line) => resolve({ url: String(line).trim(), stop: () => server.kill() }));
  });
}

export function newHome() {
  const home = mkdtempSync(path.join(tmpdir(), "scriptorium-e2e-"));
  homes.push(home);
  return home;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

async function waitForPort(port, child, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`tauri-driver exited with ${child.exitCode}`);
    const open = await new Promise((resolve) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.end();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`tauri-driver did not listen on ${port}`);
}

/** Waits until no instance of the app runs: a new one would otherwise hand
 * over to one still shutting down (single instance) and exit at once. */
async function appGone(timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      execFileSync("pgrep", ["-f", appBinary], { stdio: "ignore" });
    } catch {
      return; // pgrep found none
    }
    if (Date.now() > deadline) throw new Error("an earlier app instance is still running");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts tauri-driver and opens the app, with `env` added to its
 * environment; `close()` ends both. `startedAt` is when the app was asked
 * to start (performance.now()), after the driver was ready. */
export async function launch(home, env = {}) {
  await appGone();
  const port = await freePort();
  const nativePort = await freePort();
  // Keys go to the data folder's key file, never the machine's keychain.
  const environment = { ...process.env, SCRIPTORIUM_HOME: home, SCRIPTORIUM_LOG: "warn", SCRIPTORIUM_SECRETS: "file", ...env };
  const driver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort)], {
    env: environment,
    stdio: ["ignore", "inherit", "inherit"],
  });
  try {
    await waitForPort(port, driver);
    const startedAt = performance.now();
    const browser = await remote({
      hostname: "127.0.0.1",
      port,
      path: "/",
      logLevel: "error",
      connectionRetryCount: 1,
      capabilities: { "tauri:options": { application: appBinary } },
    });
    return {
      browser,
      startedAt,
      async close() {
        await browser.deleteSession().catch(() => {});
        await stop(driver);
        await endLeftBehind(environment.SCRIPTORIUM_HOME);
      },
    };
  } catch (error) {
    await stop(driver);
    throw error;
  }
}

/** Instances of the app running on `home` (their environment names it). */
function appsOn(home) {
  let pids;
  try {
    pids = execFileSync("pgrep", ["-f", appBinary], { encoding: "utf8" }).split("\n").filter(Boolean);
  } catch {
    return []; // pgrep found none
  }
  return pids.map(Number).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").includes(`SCRIPTORIUM_HOME=${home}`);
    } catch {
      return false; // gone meanwhile
    }
  });
}

/** When the driver goes before its session is closed, the app is left
 * running with nobody to end it, and the next launch would hand over to it
 * (single instance). Such an app gets the SIGTERM a log-out sends, and must
 * then exit. */
async function endLeftBehind(home) {
  const started = Date.now();
  let signalled = false;
  for (;;) {
    const pids = appsOn(home);
    if (pids.length === 0) return;
    const waited = Date.now() - started;
    if (!signalled && waited > 2_000) {
      for (const pid of pids) process.kill(pid, "SIGTERM");
      signalled = true;
    }
    if (waited > 12_000) throw new Error(`the app on ${home} did not exit after SIGTERM`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// SIGTERM, not SIGKILL: tauri-driver then ends WebKitWebDriver and the app.
function stop(driver) {
  if (driver.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    driver.once("exit", resolve);
    driver.kill("SIGTERM");
  });
}

/** A fresh data folder whose only (so default) backend is our test server. */
export async function homeWithTestServer() {
  const home = newHome();
  const server = await startTestServer();
  addLoopbackBackend(home, server.url);
  return { home, server };
}

/** Launches the app on `home` and opens `page` once it is ready. */
export async function launchOn(home, page, env = {}) {
  const app = await launch(home, env);
  await waitForReady(app.browser);
  await app.browser.$(`[data-testid="nav-${page}"]`).click();
  return app;
}

export async function waitForReady(browser) {
  const root = await browser.$('[data-ready="true"], [data-testid="startup-error"]');
  await root.waitForExist({ timeout: 30_000 });
}

/** Saves a PNG of the window once the last change is painted and its
 * 120 ms colour transitions have finished. */
export async function screenshot(browser, name) {
  await browser.executeAsync((done) =>
    requestAnimationFrame(() => requestAnimationFrame(() => done())),
  );
  await browser.pause(250);
  const file = path.join(screenshotDir, `${name}.png`);
  await browser.saveScreenshot(file);
  return file;
}
