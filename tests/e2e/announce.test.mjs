// Announcements in the real window, against a real SMTP server on loopback
// (tests/smtp/server.py, built on aiosmtpd): the mail account is set up in
// Settings and its connection tested; "Email to list" on the sample rally
// opens the composer filled from the event; the preview shows a subscriber's
// own message; a test goes to the branch's address; the send is confirmed and
// its progress bar runs to the end; what the server received is read back with
// Python's MIME parser: one message per subscribed person, both parts.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { cli, click, goTo, screenshot, select, startDriver, startSmtpServer, stopDriver, tempDb, until, withApp } from "./harness.mjs";

let smtp = null;
let port = 0;
let mailDir = "";

before(async () => {
  smtp = await startSmtpServer();
  ({ port, mailDir } = smtp);
  await startDriver();
});

after(async () => {
  smtp?.stop();
  await stopDriver();
});

async function text(app, selector) {
  return app.execute((s) => document.querySelector(s)?.textContent ?? "", selector);
}

/** The messages the server saved: envelope and parsed parts, by Python's email package. */
function received() {
  const files = readdirSync(mailDir).filter((f) => f.endsWith(".eml"));
  const script = `
import email, json, sys, os
from email import policy
out = []
for name in sys.argv[2:]:
    with open(os.path.join(sys.argv[1], name), "rb") as f:
        m = email.message_from_binary_file(f, policy=policy.default)
    kinds = [p.get_content_type() for p in m.walk()]
    out.append({"to": str(m["To"]), "subject": str(m["Subject"]), "list_id": str(m["List-Id"] or ""), "kinds": kinds,
                "text": m.get_body(("plain",)).get_content() if m.get_body(("plain",)) else ""})
print(json.dumps(out))
`;
  return JSON.parse(execFileSync("python3", ["-c", script, mailDir, ...files], { encoding: "utf8" }));
}

test("an announcement is composed from the rally, previewed, tested and sent to the list on a loopback server with a progress bar", async () => {
  const db = tempDb();
  cli(db, "demo");
  const subscribed = Number(cli(db, "subscribers", "count", "--list", "Announcements").trim());
  assert.ok(subscribed > 5, `the sample list has people to mail (${subscribed})`);

  let testTo = "";
  await withApp(db, async (app) => {
    await goTo(app, "settings", "Settings");
    await click(app, "button=Set up a mail account");
    await (await app.$("#acct-host")).setValue("127.0.0.1");
    await (await app.$("#acct-port")).setValue(String(port));
    await select(app, "#acct-security", "plain");
    await (await app.$("#acct-rate")).setValue("6000");
    await click(app, "button=Save account");
    await until(app, () => text(app, '[data-testid="mail-account"]'), (t) => t.includes(`127.0.0.1:${port}`), "the account was not saved");
    await click(app, "button=Test connection");
    await until(app, () => text(app, '[data-testid="connection-report"]'), (t) => t.length > 0, "the connection test did not answer");
    assert.doesNotMatch(await text(app, '[data-testid="connection-report"]'), /fail|could not|refused/i, "the loopback server answers the test");
    await screenshot(app, "announce-mail-account");

    await goTo(app, "events", "Events");
    await click(app, "button*=Justice4Siham", "the rally in the list");
    await click(app, "button=Email to list");
    const subject = await app.$("#ann-subject");
    await subject.waitForDisplayed({ timeout: 20000, timeoutMsg: "the composer did not open" });
    await until(app, () => subject.getValue(), (v) => v.includes("Justice4Siham"), "the subject was not filled from the rally");
    const body = await (await app.$("#ann-body")).getValue();
    assert.match(body, /\{\{first_name/, "the body greets each reader by name");
    assert.match(body, /demand/i, "the body carries the demands");

    await click(app, "button=Save draft");
    await until(app, () => text(app, '[data-testid="ann-preview-subject"]'), (t) => t.includes("Justice4Siham"), "the preview did not show the subject");
    const someone = await app.execute(() => [...document.querySelectorAll("#ann-preview-as option")].find((o) => o.value !== "self")?.value ?? "");
    assert.ok(someone, "a subscriber can be chosen for the preview");
    await select(app, "#ann-preview-as", someone);
    const firstName = await app.execute((v) => document.querySelector(`#ann-preview-as option[value="${v}"]`)?.textContent?.replace(/^As /, "").split(" ")[0] ?? "", someone);
    await until(app, () => text(app, '[data-testid="ann-preview-html"]'), (t) => t.includes(firstName), `the preview did not greet ${firstName}`);
    const html = await app.execute(() => document.querySelector('[data-testid="ann-preview-html"]')?.innerHTML ?? "");
    assert.doesNotMatch(html, /<script|onerror=|javascript:/i, "the preview holds nothing that runs");
    // The branch's logo heads the mail, drawn from the letter's own part, and
    // the rally's calendar file is attached.
    const logo = await app.execute(() => {
      const img = document.querySelector('[data-testid="ann-preview-html"] img');
      return img ? { src: img.getAttribute("src").slice(0, 22), alt: img.alt, drawn: img.complete && img.naturalWidth > 0 } : null;
    });
    assert.deepEqual(
      logo,
      { src: "data:image/png;base64,", alt: "International Socialist Organization — Boston", drawn: true },
      "the preview shows the branch's logo at the head of the mail",
    );
    assert.match(await text(app, '[data-testid="ann-preview-attachments"]'), /\.ics \(\d+ KB\)/, "the preview lists the calendar file");
    await screenshot(app, "announce-composer");

    await click(app, "button=Send a test to me");
    await until(app, () => text(app, '[data-testid="ann-notice"]'), (t) => t.startsWith("A test went to"), "the test was not sent");
    const afterTest = received();
    assert.equal(afterTest.length, 1, "the test arrived at the server alone");
    testTo = afterTest[0].to;

    await click(app, "button=Send now…");
    const dialog = await app.$('[role="alertdialog"]');
    await dialog.waitForDisplayed({ timeout: 10000, timeoutMsg: "the send was not confirmed first" });
    assert.match(await dialog.getText(), new RegExp(`goes to ${subscribed} people`), "the question says how many people it reaches");
    await click(app, "button=Send now");
    await (await app.$("#send-progress")).waitForDisplayed({ timeout: 20000, timeoutMsg: "the progress bar did not appear" });
    await until(app, () => text(app, '[data-testid="send-state"]'), (t) => t.includes("Finished."), "the send did not finish", 120000);
    const value = await app.execute(() => {
      const p = document.querySelector("#send-progress");
      return { value: p.value, max: p.max };
    });
    assert.equal(value.value, value.max, "the progress bar is full");
    assert.equal(Number((await text(app, '[data-testid="send-sent"]')).replace(/\D/g, "")), subscribed, "everyone subscribed was sent");
    assert.equal(await text(app, '[data-testid="send-left"]'), "0", "nobody is left");
    await screenshot(app, "announce-sent");
  });

  const mail = received();
  assert.equal(mail.filter((m) => m.to === testTo).length, 1, "the branch's own address got the test only");
  const sent = mail.filter((m) => m.to !== testTo);
  assert.equal(sent.length, subscribed, "the server received one message per subscribed person");
  assert.equal(new Set(sent.map((m) => m.to)).size, subscribed, "nobody twice");
  for (const m of sent) {
    assert.ok(m.kinds.includes("text/plain") && m.kinds.includes("text/html"), `both parts for ${m.to}`);
    assert.ok(m.kinds.includes("image/png") && m.kinds.includes("text/calendar"), `the logo and the calendar file for ${m.to}: ${m.kinds}`);
    assert.match(m.text, /Justice4Siham/, `the plain part names the rally for ${m.to}`);
  }
});
