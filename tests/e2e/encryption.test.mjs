// Encryption at rest in the real window: first start without a keychain (a
// passphrase is chosen, with the word that it cannot be recovered) and with
// one (nothing to choose, the key goes in the keychain); the passphrase
// prompt refusing a wrong passphrase and opening with the right one; and
// Settings → Privacy decrypting and encrypting the branch.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import {
  BIN,
  goTo,
  heading,
  openApp,
  screenshot,
  startDriver,
  stopDriver,
  tempDb,
  until,
} from "./harness.mjs";

const CHOSEN = "three words for the branch";

/** The first 16 bytes of a file, as text: "SQLite format 3\0" for a plain one. */
function header(file) {
  const fd = openSync(file, "r");
  const buf = Buffer.alloc(16);
  readSync(fd, buf, 0, 16, 0);
  closeSync(fd);
  return buf.toString("latin1");
}
const encrypted = (file) => header(file) !== "SQLite format 3\0";

/** The command line with exactly these variables for the key. */
function cliWith(env, db, ...args) {
  const clean = { ...process.env };
  delete clean.HANDBILL_PASSPHRASE;
  delete clean.HANDBILL_ENCRYPT;
  return execFileSync(BIN, ["--db", db, ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...clean, ...env },
  });
}

/** Windows started from here see no passphrase, no HANDBILL_ENCRYPT, and the session bus `bus`. */
async function restartDriverWith(bus) {
  await stopDriver();
  delete process.env.HANDBILL_PASSPHRASE;
  delete process.env.HANDBILL_ENCRYPT;
  process.env.DBUS_SESSION_BUS_ADDRESS = bus;
  await startDriver();
}

async function typeInto(app, selector, text) {
  const el = await app.$(selector);
  await el.waitForDisplayed({
    timeout: 10000,
    timeoutMsg: `${selector} did not appear`,
  });
  await el.clearValue();
  await el.setValue(text);
}

// The field at `selector` is drawn as the window's fields are (app.css's
// .input, 38 px high), not as a bare browser input.
async function drawnAsAField(app, selector) {
  const { height } = await (await app.$(selector)).getSize();
  assert.ok(
    height >= 36,
    `the field is drawn as the window's fields are: ${height}px high`,
  );
}

// No keychain: the session bus points nowhere.
before(() => restartDriverWith("unix:path=/nonexistent/handbill-e2e-bus"));
after(stopDriver);

const db = tempDb();

test("first start without a keychain: a passphrase is chosen, with the word that it cannot be recovered", async () => {
  const app = await openApp(db);
  try {
    await heading(app, "Choose a passphrase for this branch");
    const warning = await (await app.$('[role="note"]')).getText();
    assert.match(warning, /cannot be recovered/);
    const help = await (await app.$("#unlock-help")).getText();
    assert.match(
      help,
      /At least 8 characters/,
      "the rule is said before typing",
    );
    await drawnAsAField(app, 'input[name="passphrase"]');
    // Too short: the core's words, without the field's name before them.
    await typeInto(app, 'input[name="passphrase"]', "short");
    await typeInto(app, 'input[name="again"]', "short");
    await (await app.$("button=Encrypt and create the branch")).click();
    const tooShort = await app.$("#unlock-error");
    await tooShort.waitForDisplayed({ timeout: 10000 });
    assert.match(
      await tooShort.getText(),
      /^Choose a passphrase of at least 8 characters/,
    );
    assert.ok(!existsSync(db), "nothing was created");
    await typeInto(app, 'input[name="passphrase"]', CHOSEN);
    assert.ok(
      !(await (await app.$("#unlock-error")).isExisting()),
      "the refusal goes once the passphrase is typed again",
    );
    await typeInto(app, 'input[name="again"]', CHOSEN + " typo");
    await screenshot(app, "privacy-1-choose-passphrase");
    await (await app.$("button=Encrypt and create the branch")).click();
    await (
      await app.$("p*=The two passphrases differ")
    ).waitForDisplayed({ timeout: 5000 });
    await typeInto(app, 'input[name="again"]', CHOSEN);
    await (await app.$("button=Encrypt and create the branch")).click();
    await heading(app, "Welcome to Handbill");
  } finally {
    await app.deleteSession();
  }
  assert.ok(encrypted(db), "the new branch's file is encrypted");
  cliWith({ HANDBILL_PASSPHRASE: CHOSEN }, db, "demo");
});

test("the passphrase prompt refuses a wrong passphrase, then opens with the right one", async () => {
  const app = await openApp(db);
  try {
    await heading(app, "Type the branch's passphrase");
    await typeInto(app, 'input[name="passphrase"]', "not the passphrase");
    await (await app.$("button=Open the branch")).click();
    const error = await app.$("#unlock-error");
    await error.waitForDisplayed({ timeout: 10000 });
    assert.match(await error.getText(), /does not open .*Nothing was changed/);
    await screenshot(app, "privacy-2-wrong-passphrase");
    await typeInto(app, 'input[name="passphrase"]', CHOSEN);
    await (await app.$("button=Open the branch")).click();
    await heading(app, "Events");
    await screenshot(app, "privacy-3-opened");
  } finally {
    await app.deleteSession();
  }
});

test("Settings → Privacy decrypts the branch and encrypts it again with a passphrase", async () => {
  const app = await openApp(db);
  try {
    await typeInto(app, 'input[name="passphrase"]', CHOSEN);
    await (await app.$("button=Open the branch")).click();
    await heading(app, "Events");
    await goTo(app, "settings", "Settings");
    const state = await app.$("p.state");
    await until(
      app,
      () => state.getText(),
      (t) => /Encrypted\./.test(t) && /passphrase/.test(t),
      "Privacy says encrypted",
    );
    await (await app.$("#privacy-title")).scrollIntoView();
    await screenshot(app, "privacy-4-settings-encrypted");

    // The backups list shows the copy each conversion takes first, without leaving Settings.
    const conversionCopies = async () =>
      (await app.$$("td=Before encrypting or decrypting")).length;
    await (await app.$("table.backups")).waitForDisplayed({ timeout: 10000 });
    const copiesBefore = await conversionCopies();
    await (await app.$("button=Decrypt…")).click();
    const dialog = await app.$('[role="alertdialog"]');
    await dialog.waitForDisplayed({ timeout: 5000 });
    await (await dialog.$("button=Decrypt")).click();
    await (
      await app.$("p*=now plain files")
    ).waitForDisplayed({ timeout: 30000 });
    assert.ok(!encrypted(db), "the file is plain after Decrypt");
    await until(
      app,
      conversionCopies,
      (n) => n === copiesBefore + 1,
      "the backups list shows the copy taken before decrypting",
    );
    await until(
      app,
      () => app.$("p.state").getText(),
      (t) => /Not encrypted\./.test(t),
      "Privacy says not encrypted",
    );
    await (await app.$("#privacy-title")).scrollIntoView();
    await screenshot(app, "privacy-5-settings-plain");

    // Too short: refused in the core's words, and the file stays as it is.
    await typeInto(app, 'input[name="new-passphrase"]', "short");
    await typeInto(app, 'input[name="new-passphrase-again"]', "short");
    await (await app.$("button=Encrypt the branch")).click();
    await until(
      app,
      () => app.$('p.message[data-kind="error"]').getText(),
      (t) => /^Choose a passphrase of at least 8 characters/.test(t),
      "a short passphrase is refused in plain words",
    );
    assert.ok(!encrypted(db), "a refused passphrase changes nothing");
    await drawnAsAField(app, 'input[name="new-passphrase"]');
    await typeInto(app, 'input[name="new-passphrase"]', CHOSEN);
    await typeInto(app, 'input[name="new-passphrase-again"]', CHOSEN);
    await (await app.$("button=Encrypt the branch")).click();
    await (
      await app.$("p*=are encrypted")
    ).waitForDisplayed({ timeout: 30000 });
    assert.ok(encrypted(db), "the file is encrypted again");
    await (await app.$("h1=Settings")).isDisplayed();
  } finally {
    await app.deleteSession();
  }
  // It opens with that passphrase on the command line too.
  assert.match(
    cliWith({ HANDBILL_PASSPHRASE: CHOSEN }, db, "branch", "show"),
    /Boston/,
  );
});

test("first start with a keychain: nothing to choose, the key goes in the keychain", async () => {
  // A session bus of its own with GNOME Keyring on it, its keyrings in a scratch home.
  const home = mkdtempSync(path.join(tmpdir(), "handbill-e2e-keyring-"));
  const env = {
    ...process.env,
    HOME: home,
    XDG_DATA_HOME: path.join(home, "data"),
    XDG_RUNTIME_DIR: home,
  };
  const busOut = execFileSync(
    "dbus-daemon",
    ["--session", "--fork", "--print-address=1", "--print-pid=1"],
    { env, encoding: "utf8" },
  );
  const [bus, pid] = busOut.trim().split("\n");
  try {
    const keyring = spawn(
      "gnome-keyring-daemon",
      ["--unlock", "--components=secrets"],
      {
        env: { ...env, DBUS_SESSION_BUS_ADDRESS: bus },
        stdio: ["pipe", "ignore", "ignore"],
      },
    );
    keyring.stdin.end("keyring password\n");
    await new Promise((r) => keyring.on("exit", r));
    await new Promise((r) => setTimeout(r, 500));
    await restartDriverWith(bus);
    const fresh = tempDb();
    const app = await openApp(fresh);
    try {
      await heading(app, "Welcome to Handbill");
      assert.ok(encrypted(fresh), "the new branch's file is encrypted");
    } finally {
      await app.deleteSession();
    }
    cliWith({ DBUS_SESSION_BUS_ADDRESS: bus }, fresh, "demo");
    const again = await openApp(fresh);
    try {
      await heading(again, "Events");
      await goTo(again, "settings", "Settings");
      const state = await again.$("p.state");
      await until(
        again,
        () => state.getText(),
        (t) => /keychain/.test(t),
        "Privacy names the keychain",
      );
      await (await again.$("#privacy-title")).scrollIntoView();
      await screenshot(again, "privacy-6-settings-keychain");
    } finally {
      await again.deleteSession();
    }

    // The file damaged after its salt: the keychain's key no longer opens it.
    // The window says so (no passphrase page: no passphrase ever opened it)
    // and leaves the file as it was.
    for (const side of ["-wal", "-shm"]) rmSync(fresh + side, { force: true });
    const fd = openSync(fresh, "r+");
    writeSync(fd, Buffer.alloc(512, 0x5a), 0, 512, 64);
    closeSync(fd);
    const damaged = readFileSync(fresh);
    const refused = await openApp(fresh);
    try {
      await heading(refused, "This database is damaged");
      const words = await (await refused.$("p.message")).getText();
      assert.match(
        words,
        /the key this computer's keychain keeps for it does not open it/,
      );
      assert.match(words, /Nothing was changed/);
      assert.equal(
        await (await refused.$('input[name="passphrase"]')).isExisting(),
        false,
      );
      await screenshot(refused, "privacy-7-keychain-key-refused");
    } finally {
      await refused.deleteSession();
    }
    assert.ok(
      readFileSync(fresh).equals(damaged),
      "the refused file is unchanged",
    );
    assert.ok(
      !existsSync(fresh + "-wal") || readFileSync(fresh + "-wal").length === 0,
    );
    assert.throws(
      () => cliWith({ DBUS_SESSION_BUS_ADDRESS: bus }, fresh, "branch", "show"),
      (e) => /keychain keeps for it does not open it/.test(String(e.stderr)),
    );
  } finally {
    await stopDriver();
    // GNOME Keyring leaves with the bus it serves.
    process.kill(Number(pid), "SIGTERM");
    rmSync(home, { recursive: true, force: true });
  }
});
