// End-to-end harness: drives the real Handbill window through tauri-driver and
// WebKitWebDriver. Each test opens the app on its own temporary database.
import { spawn, execFileSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { remote } from "webdriverio";

const root = path.resolve(import.meta.dirname, "../..");
export const BIN = process.env.HANDBILL_BIN ?? path.join(root, "target/debug/handbill");
export const SHOTS = path.join(root, "target/e2e-screenshots");

/** The passphrase the windows and commands these tests start open their
 * branches with: they are encrypted, as Handbill makes them (there is no
 * keychain under the tests). A test that needs a plain file, or no
 * passphrase at all (tests/e2e/encryption.test.mjs), says so itself. */
export const PASSPHRASE = "e2e branch passphrase";
if (!process.env.HANDBILL_ENCRYPT && !process.env.HANDBILL_PASSPHRASE) process.env.HANDBILL_PASSPHRASE = PASSPHRASE;

/** Where the windows opened by these tests write their logs. */
export const LOGS = mkdtempSync(path.join(tmpdir(), "handbill-e2e-logs-"));

let driver = null;
let port = 0;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

async function waitForPort(p, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const open = await new Promise((resolve) => {
      const socket = net.connect(p, "127.0.0.1", () => {
        socket.end();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`tauri-driver (or its WebKitWebDriver) did not listen on 127.0.0.1:${p} within ${ms} ms`);
}

/** Starts tauri-driver on free loopback ports. */
export async function startDriver() {
  port = await freePort();
  const nativePort = await freePort();
  // The window keeps its web storage (e.g. the theme) under XDG_DATA_HOME: give
  // the tests their own, so they neither see nor change the user's.
  const home = mkdtempSync(path.join(tmpdir(), "handbill-e2e-home-"));
  // tauri-driver, WebKitWebDriver and the windows they open run in a process
  // group of their own, so stopDriver can end them all; their output goes to a
  // log file, not to this process's pipes: a window that outlives its session
  // would otherwise keep the test runner waiting for the pipe to close, forever.
  const log = openSync(path.join(LOGS, "tauri-driver.log"), "a");
  driver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort)], {
    detached: true,
    stdio: ["ignore", log, log],
    env: {
      ...process.env,
      XDG_DATA_HOME: path.join(home, "data"),
      XDG_CACHE_HOME: path.join(home, "cache"),
      HANDBILL_LOG_DIR: LOGS,
    },
  });
  driver.on("error", (e) => {
    throw new Error(`tauri-driver could not start (${e.message}); install it with: cargo install tauri-driver --locked`);
  });
  closeSync(log);
  await waitForPort(port, 15000);
  // tauri-driver listens before the WebKitWebDriver it starts does; a session
  // asked for in between is refused ("Connection refused" in its log, a closed
  // socket here), as a fresh machine's first test file once was.
  await waitForPort(nativePort, 15000);
}

/** Ends tauri-driver and everything it started (drivers, windows left open). */
export async function stopDriver() {
  if (!driver) return;
  const group = -driver.pid;
  driver = null;
  for (const signal of ["SIGTERM", "SIGKILL"]) {
    try {
      process.kill(group, signal);
    } catch {
      return; // the group is gone
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Ends a window on `dbPath` that outlived its WebDriver session: waits up
 * to 3 s for it to close by itself, then kills it. */
export async function reapWindow(dbPath) {
  const pattern = `--db ${dbPath.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`;
  const alive = () => {
    try {
      execFileSync("pgrep", ["-f", "--", pattern], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  };
  for (let waited = 0; waited < 3000 && alive(); waited += 100) {
    await new Promise((r) => setTimeout(r, 100));
  }
  if (alive()) {
    try {
      execFileSync("pkill", ["-KILL", "-f", "--", pattern], { stdio: "ignore" });
    } catch {
      // it closed in the meantime
    }
  }
}

/** A path for a new database in its own temporary folder. */
export function tempDb(name = "branch.sqlite") {
  return path.join(mkdtempSync(path.join(tmpdir(), "handbill-e2e-")), name);
}

/** Opens the real window on `dbPath`. */
export async function openApp(dbPath) {
  const app = await remote({
    hostname: "127.0.0.1",
    port,
    logLevel: "error",
    connectionRetryCount: 0,
    capabilities: {
      "tauri:options": { application: BIN, args: ["--db", dbPath] },
      "wdio:enforceWebDriverClassic": true,
    },
  });
  await app.setTimeout({ implicit: 0 });
  return app;
}

/** Runs `body` with the window open on `dbPath`, closing it whatever happens. */
export async function withApp(dbPath, body) {
  const app = await openApp(dbPath);
  try {
    await body(app);
  } finally {
    await app.deleteSession();
    await reapWindow(dbPath);
  }
}

/** Runs the same binary as a command line, as a user would. */
export function cli(dbPath, ...args) {
  return execFileSync(BIN, ["--db", dbPath, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** The command line making or using a plain branch (HANDBILL_ENCRYPT=0), for a
 * test that reads or alters the file's bytes itself. */
export function cliPlain(dbPath, ...args) {
  return execFileSync(BIN, ["--db", dbPath, ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, HANDBILL_ENCRYPT: "0" },
  });
}

/** Saves what the window shows now under target/e2e-screenshots/. */
export async function screenshot(app, name) {
  mkdirSync(SHOTS, { recursive: true });
  // Let the page paint what the DOM now holds: two animation frames, then a
  // moment for the compositor (a loaded machine paints late under Xvfb).
  await app.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())));
  await new Promise((resolve) => setTimeout(resolve, 400));
  // WebKitWebDriver answers a screenshot after the page's next paint. With
  // accelerated compositing off (as Handbill runs), a page that is standing
  // still never paints again and the request hangs; so while it is taken, a
  // one-pixel, nearly transparent dot flickers to give it a paint to wait for.
  await app.execute(() => {
    const dot = document.createElement("div");
    dot.id = "e2e-paint-tick";
    dot.style.cssText = "position:fixed;right:0;bottom:0;width:1px;height:1px;pointer-events:none;opacity:0.01";
    document.body.append(dot);
    let odd = false;
    window.__e2ePaintTick = setInterval(() => {
      odd = !odd;
      dot.style.opacity = odd ? "0.02" : "0.01";
    }, 30);
  });
  try {
    await app.saveScreenshot(path.join(SHOTS, `${name}.png`));
  } finally {
    await app.execute(() => {
      clearInterval(window.__e2ePaintTick);
      document.getElementById("e2e-paint-tick")?.remove();
    });
  }
}

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** Runs axe-core (from tests/e2e's node_modules, injected into the page; nothing
 * downloads) on the whole page; answers its violations, one line per rule and node. */
export async function axe(app) {
  const injected = await app.execute(() => typeof window.axe === "object");
  if (!injected) await app.execute(`${AXE}\n;window.axe = axe;`);
  return app.executeAsync((done) => {
    window.axe
      .run(document, { resultTypes: ["violations"] })
      .then((r) => done(r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => `${n.target.join(" ")} — ${n.failureSummary.replace(/\s+/g, " ")}`) }))))
      .catch((e) => done([{ id: "axe-error", impact: "critical", nodes: [String(e)] }]));
  });
}

/** Waits for a heading with this text and returns it. */
export async function heading(app, text, level = 1) {
  const el = await app.$(`h${level}=${text}`);
  await el.waitForDisplayed({ timeout: 20000, timeoutMsg: `the heading “${text}” did not appear` });
  return el;
}

/** Opens a section through the navigation. */
export async function goTo(app, section, title) {
  await (await app.$(`nav a[href="#/${section}"]`)).click();
  return heading(app, title);
}

/** Waits until `ok(await read())` holds; fails with `what`. */
export async function until(app, read, ok, what, timeout = 20000) {
  await app.waitUntil(async () => ok(await read()), { timeout, timeoutMsg: what });
}

/** Clicks the element once it is shown. */
export async function click(app, selector, what) {
  const el = await app.$(selector);
  await el.waitForDisplayed({ timeout: 10000, timeoutMsg: `${what ?? selector} did not appear` });
  await el.click();
}

/** Scrolls the element to the middle of the window and waits, inside the page,
 * until it has stood still for ten frames (the window scrolls smoothly, and a
 * click sent mid-scroll lands where the element was). */
export async function scrollSettled(app, selector) {
  await app.executeAsync((s, done) => {
    const el = document.querySelector(s);
    el.scrollIntoView({ block: "center" });
    let last = null;
    let still = 0;
    const started = performance.now();
    const step = () => {
      const y = el.getBoundingClientRect().y;
      still = y === last ? still + 1 : 0;
      last = y;
      if (still >= 10 || performance.now() - started > 5000) done();
      else requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  }, selector);
}

/** Sets a select's value as a person choosing an option would (with its change event). */
export async function select(app, selector, value) {
  await app.execute((s, v) => {
    const el = document.querySelector(s);
    el.value = v;
    el.dispatchEvent(new Event("change", { bubbles: true }));
  }, selector, value);
}

/** The X windows whose title is exactly `title`, newest last (none: []). */
function windowsTitled(title) {
  const pattern = `^${title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`;
  try {
    return execFileSync("xdotool", ["search", "--onlyvisible", "--name", pattern], { encoding: "utf8" }).split("\n").filter(Boolean);
  } catch {
    return []; // xdotool exits 1 when nothing matches
  }
}

/** Waits for the file dialog titled `title` and gives it the keyboard; answers its X window id. */
async function focusFileDialog(title, deadline) {
  let found = [];
  while ((found = windowsTitled(title)).length === 0) {
    if (Date.now() > deadline) throw new Error(`no file dialog titled “${title}” appeared`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const id = found.at(-1);
  // No window manager runs under Xvfb: give the dialog the keyboard ourselves.
  xdo("windowfocus", "--sync", id);
  await new Promise((r) => setTimeout(r, 300));
  return id;
}

function xdo(...args) {
  execFileSync("xdotool", args, { stdio: "ignore" });
}

/** Waits until the dialog titled `title` has closed. */
async function dialogGone(title, deadline, after) {
  while (windowsTitled(title).length > 0) {
    if (Date.now() > deadline) throw new Error(`the file dialog “${title}” did not close after ${after}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Answers the native GTK file dialog titled `title` (opened by Handbill's Rust
 * side; WebDriver cannot reach it) the way a person would: focus it, type the
 * full path of `file` into its name field (a save dialog) or its location
 * field (an open dialog: "/" opens it), and press Return. With `file` null,
 * it presses Return on what the dialog offers (its pre-filled name). With
 * `shot`, the whole screen, dialog included, is saved first as
 * target/e2e-screenshots/SHOT.png. Needs xdotool (apt-get install xdotool),
 * for `shot` xwd and netpbm, and the X display the window is on.
 */
export async function answerFileDialog(title, file, { timeout = 20000, shot = null } = {}) {
  const deadline = Date.now() + timeout;
  await focusFileDialog(title, deadline);
  if (shot) screenOf(shot);
  if (file !== null) {
    xdo("key", "--clearmodifiers", "ctrl+a");
    xdo("type", "--delay", "15", file);
    await new Promise((r) => setTimeout(r, 300));
  }
  xdo("key", "--clearmodifiers", "Return");
  await dialogGone(title, deadline, `${file ?? "Return"} was typed`);
}

/**
 * Answers GTK's "choose a folder" dialog titled `title` with `folder`, as a
 * person would: its full path typed into the location field, and Return.
 * When the folder holds folders of its own, the chooser opens it at that
 * Return instead of choosing it; a second Return then chooses the folder it
 * shows (its Open button), as a person would press it again.
 */
export async function answerFolderDialog(title, folder, { timeout = 20000, shot = null } = {}) {
  const deadline = Date.now() + timeout;
  await focusFileDialog(title, deadline);
  if (shot) screenOf(shot);
  xdo("key", "--clearmodifiers", "ctrl+a");
  xdo("type", "--delay", "15", folder);
  await new Promise((r) => setTimeout(r, 300));
  xdo("key", "--clearmodifiers", "Return");
  // Chosen, it closes within moments; opened, it stays and shows the folder.
  const settled = Date.now() + 3000;
  while (windowsTitled(title).length > 0 && Date.now() < settled) await new Promise((r) => setTimeout(r, 200));
  const still = windowsTitled(title);
  if (still.length > 0) {
    try {
      xdo("windowfocus", "--sync", still.at(-1));
      xdo("key", "--clearmodifiers", "Return");
    } catch {
      // It closed meanwhile: the folder was chosen.
    }
  }
  await dialogGone(title, deadline, `${folder} was typed`);
}

/** Saves the whole X screen (WebDriver sees only the page, not a native dialog) under target/e2e-screenshots/. */
function screenOf(name) {
  mkdirSync(SHOTS, { recursive: true });
  execFileSync("sh", ["-c", 'xwd -root -silent | xwdtopnm 2>/dev/null | pnmtopng > "$1"', "sh", path.join(SHOTS, `${name}.png`)]);
}

/** Closes the native file dialog titled `title` with Escape, as a person cancelling it would. */
export async function cancelFileDialog(title, { timeout = 20000 } = {}) {
  const deadline = Date.now() + timeout;
  await focusFileDialog(title, deadline);
  xdo("key", "--clearmodifiers", "Escape");
  await dialogGone(title, deadline, "Escape");
}

/**
 * Starts the loopback SMTP server of tests/smtp/server.py, which keeps every
 * message it accepts as an .eml file (`flags` as its help says: delivering to
 * a maildir, bouncing some recipients). Answers its port, the folder of those
 * files, and `stop()` (ends it and removes the folder).
 */
export async function startSmtpServer(flags = []) {
  const mailDir = mkdtempSync(path.join(tmpdir(), "handbill-e2e-smtp-"));
  const server = spawn("python3", [path.join(root, "tests/smtp/server.py"), "--dir", mailDir, ...flags], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise((resolve, reject) => {
    let out = "";
    server.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/PORT (\d+)/);
      if (m) resolve(Number(m[1]));
    });
    server.on("exit", (code) => reject(new Error(`the SMTP server stopped (${code})`)));
    setTimeout(() => reject(new Error("the SMTP server did not start within 20 s")), 20000);
  });
  return {
    port,
    mailDir,
    stop() {
      server.kill("SIGTERM");
      rmSync(mailDir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts a throwaway Dovecot IMAP server on loopback (tests/imap/dovecot.py)
 * with one user, `branch` / `secret`. Answers its port, the maildir of its
 * INBOX (where the SMTP server can deliver), and `stop()`.
 */
export async function startImapServer() {
  const dir = mkdtempSync(path.join(tmpdir(), "handbill-e2e-imap-"));
  const server = spawn("python3", [path.join(root, "tests/imap/dovecot.py"), "--dir", dir, "--user", "branch", "--password", "secret"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise((resolve, reject) => {
    let out = "";
    server.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/PORT (\d+)/);
      if (m) resolve(Number(m[1]));
    });
    server.on("exit", (code) => reject(new Error(`Dovecot stopped (${code})`)));
    setTimeout(() => reject(new Error("Dovecot did not start within 30 s")), 30000);
  });
  return {
    port,
    user: "branch",
    password: "secret",
    maildir: path.join(dir, "mail"),
    stop() {
      server.kill("SIGTERM");
      setTimeout(() => rmSync(dir, { recursive: true, force: true }), 2000).unref();
    },
  };
}
