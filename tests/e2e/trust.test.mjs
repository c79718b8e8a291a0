// The page names no file, proven in the real window: script in the page
// calls Handbill's commands directly (through window.__TAURI_INTERNALS__, as
// injected script would) with a path of its choosing, and nothing is written
// or restored there. A command that writes a file opens the native save
// dialog on the Rust side; a path the page suggests only pre-fills it, and a
// dialog the organizer closes writes nothing. A restore takes only a backup
// Rust lists in its own backups folder.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { answerFileDialog, cancelFileDialog, cli, click, goTo, heading, LOGS, screenshot, startDriver, stopDriver, tempDb, withApp } from "./harness.mjs";

// The windows these tests open log everything they would at the finest level,
// so the last test can show that even then no log line holds what the page showed.
process.env.HANDBILL_LOG = "trace";
before(startDriver);
after(stopDriver);

/** Calls a command from the page as injected script would; answers {ok} or {err}. */
async function invokeFromPage(app, command, args) {
  return app.executeAsync(
    (command, args, done) =>
      window.__TAURI_INTERNALS__.invoke(command, args).then(
        (ok) => done({ ok: ok ?? null }),
        (err) => done({ err: typeof err === "string" ? err : JSON.stringify(err) }),
      ),
    command,
    args,
  );
}

const FLYER = { layout: "full_page", paper: "letter", theme: "color", tear_offs: false };
const ALL = { tags: [], city: "", zip_prefix: "", language: "" };

test("a path sent from the page writes nothing, and a closed save dialog writes nothing either", async () => {
  const db = tempDb();
  cli(db, "demo");
  const dir = mkdtempSync(path.join(tmpdir(), "handbill-trust-"));
  // A file the page would like to overwrite, and one it would like to create.
  const victim = path.join(dir, "victim.txt");
  writeFileSync(victim, "precious");
  const planted = path.join(dir, "planted.txt");

  await withApp(db, async (app) => {
    await heading(app, "Events");
    const ids = await app.executeAsync((done) => {
      const call = window.__TAURI_INTERNALS__.invoke;
      Promise.all([call("events_upcoming"), call("lists_all"), call("organizations_all")]).then(([months, lists, orgs]) =>
        done({
          event: months.flatMap((m) => m.events)[0]?.id,
          list: lists[0]?.id,
          contact: orgs.flatMap((o) => o.contacts).find((c) => c.email)?.id,
        }),
      );
    });
    assert.ok(ids.event && ids.list && ids.contact, `the sample branch has an event, a list and a contact: ${JSON.stringify(ids)}`);

    const attacks = [
      ["flyer_save", { request: { event_id: ids.event, tour_id: null, poster: false, options: FLYER, bilingual: null } }],
      ["export_csv", { options: { list_id: ids.list, filter: ALL, include_all: true } }],
      ["import_report_save", {}],
      ["events_export_ics", { eventId: ids.event, tourId: null }],
      ["invitation_draft", { eventId: ids.event, contactId: ids.contact }],
    ];
    for (const [command, args] of attacks) {
      for (const target of [victim, planted]) {
        const answer = await invokeFromPage(app, command, { ...args, path: target });
        assert.ok(answer.err, `${command} with a path from the page is refused: ${JSON.stringify(answer)}`);
      }
      assert.equal(readFileSync(victim, "utf8"), "precious", `${command} left the file the page named untouched`);
      assert.equal(existsSync(planted), false, `${command} created no file where the page said`);
    }

    // Nor may the page open a dialog of its own to learn a path: the dialog plugin's commands are not granted to it.
    for (const command of ["plugin:dialog|save", "plugin:dialog|open"]) {
      const answer = await invokeFromPage(app, command, { options: { defaultPath: victim } });
      assert.match(answer.err ?? "", /not allowed/, `${command} is refused to the page for want of a permission: ${JSON.stringify(answer)}`);
    }

    // Sent as the dialog's suggestion, the path only pre-fills the native
    // dialog; the organizer closes it, and nothing is written.
    const pending = invokeFromPage(app, "flyer_save", { ...attacks[0][1], suggested: planted });
    await cancelFileDialog("Save the flyer");
    assert.deepEqual(await pending, { ok: null }, "a closed dialog answers that nothing was saved");
    assert.equal(existsSync(planted), false, "a suggested path is not written without the organizer's say in the dialog");

    // A suggestion too long to be a file name is dropped, not a crash: the dialog still opens.
    const long = invokeFromPage(app, "flyer_save", { ...attacks[0][1], suggested: `${dir}/${"x".repeat(5000)}.pdf` });
    await cancelFileDialog("Save the flyer");
    assert.deepEqual(await long, { ok: null }, "a dialog opened on an over-long suggestion closes cleanly");

    const ics = invokeFromPage(app, "events_export_ics", { eventId: ids.event, tourId: null, suggested: victim });
    await cancelFileDialog("Save the calendar file");
    assert.deepEqual(await ics, { ok: null }, "the closed .ics dialog answers that nothing was saved");
    assert.equal(readFileSync(victim, "utf8"), "precious", "the suggested file was not overwritten");

    // Only when the organizer confirms in the dialog is the file written.
    const chosen = path.join(dir, "chosen.csv");
    const exported = invokeFromPage(app, "export_csv", { options: { list_id: ids.list, filter: ALL, include_all: true }, suggested: victim });
    await answerFileDialog("Export the list as CSV", chosen);
    const report = await exported;
    assert.equal(report.ok?.path, chosen, `the export went to the file chosen in the dialog: ${JSON.stringify(report)}`);
    assert.match(readFileSync(chosen, "utf8"), /@/, "the chosen file holds the list's addresses");
    assert.equal(readFileSync(victim, "utf8"), "precious", "the file the page suggested is untouched");
  });
});

test("a restore takes only a backup from Handbill's own list, never a path from the page", async () => {
  const db = tempDb();
  cli(db, "demo");
  cli(db, "branch", "set", "city", "Kept City");
  // Another Handbill database the page would like to restore from.
  const foreign = path.join(mkdtempSync(path.join(tmpdir(), "handbill-trust-")), "foreign.sqlite");
  cli(foreign, "demo");
  cli(foreign, "branch", "set", "city", "Foreign City");

  await withApp(db, async (app) => {
    await heading(app, "Events");
    for (const args of [{ path: foreign }, { fileName: foreign }, { fileName: `../../${path.basename(foreign)}` }, { fileName: "" }]) {
      const answer = await invokeFromPage(app, "backup_restore", args);
      assert.ok(answer.err, `backup_restore with ${JSON.stringify(args)} is refused: ${JSON.stringify(answer)}`);
    }
    const listed = await invokeFromPage(app, "backups_list", {});
    assert.ok(Array.isArray(listed.ok), "the backups are listed");
    assert.ok(listed.ok.every((b) => b.path !== foreign), "the foreign file is not among Handbill's backups");
  });
  const shown = JSON.parse(cli(db, "branch", "show", "--json"));
  assert.equal(shown.city, "Kept City", "the database still holds its own data: nothing was restored from the page's file");
});

test("the invitation and the list export are written where the save dialog says, and a closed dialog writes nothing", async () => {
  const db = tempDb();
  cli(db, "demo");
  const dir = mkdtempSync(path.join(tmpdir(), "handbill-trust-"));
  const eml = path.join(dir, "invitation.eml");
  const csv = path.join(dir, "announcements.csv");
  await withApp(db, async (app) => {
    await heading(app, "Events");
    // The rally's invitation to co-sponsor, drafted for the first contact.
    await click(app, "button*=#Justice4Siham & #Justice4Naseem Rally", "the rally in the list");
    const panel = '[data-panel="invitation"]';
    const contact = await app.$(`${panel} select`);
    await contact.waitForDisplayed({ timeout: 10000, timeoutMsg: "the invitation panel appears" });
    await contact.selectByIndex(1);
    await (await (await app.$(panel)).$("button=Draft invitation…")).click();
    await answerFileDialog("Save the invitation", eml);
    const done = await app.$(`${panel} p[role="status"]`);
    await done.waitForDisplayed({ timeout: 10000, timeoutMsg: "the draft was not confirmed" });
    assert.match(await done.getText(), new RegExp(`wrote ${eml.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`), "the window says where the .eml went");
    const message = readFileSync(eml, "utf8");
    assert.match(message, /^Subject: .*co-sponsor/im, "the file the dialog named is the invitation email");
    assert.match(message, /^To: .*@/m, "it is addressed to the contact");
    await (await app.$(panel)).scrollIntoView();
    await screenshot(app, "trust-invitation-saved");

    // The list's export: a closed dialog writes nothing and says nothing; a confirmed one writes the file.
    await goTo(app, "mail", "Mail");
    await click(app, "#mail-tab-export", "the Export tab");
    await click(app, "button=Export…", "the Export button");
    await cancelFileDialog("Export the list as CSV");
    await click(app, "button=Export…", "the Export button, again");
    await answerFileDialog("Export the list as CSV", csv);
    const exported = await app.$("p*=Exported");
    await exported.waitForDisplayed({ timeout: 10000, timeoutMsg: "the export was not confirmed" });
    assert.match(
      await exported.getText(),
      new RegExp(`to ${csv.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\. The file is not encrypted\\.$`),
      "the window says where the CSV went, and that it is not encrypted",
    );
    assert.match(readFileSync(csv, "utf8"), /@/, "the chosen file holds the list's addresses");
    assert.equal((await app.$$('[role="alert"]')).length, 0, "the closed dialog was not reported as an error");
    await screenshot(app, "trust-mail-export");
  });
  assert.deepEqual(readdirSync(dir).sort(), ["announcements.csv", "invitation.eml"], "nothing else was written in the folder");

  // The window's own log, at trace level, names none of what it showed or wrote.
  const logs = readdirSync(LOGS)
    .filter((f) => f.startsWith("handbill"))
    .map((f) => readFileSync(path.join(LOGS, f), "utf8"))
    .join("\n");
  assert.match(logs, /handbill started/, "the windows wrote their log");
  assert.match(logs, /save dialog closed/, "the save dialogs were logged (which one, and whether a file was chosen)");
  const invitation = readFileSync(eml, "utf8");
  const to = invitation.match(/^To: .*<([^>]+)>/m)?.[1] ?? invitation.match(/^To: (\S+@\S+)/m)?.[1];
  assert.ok(to, "the invitation's address is known to look for");
  for (const secret of ["Justice4Siham", "Justice4Naseem", "Rally for", "Amina", to, "example.org", "invitation.eml", "announcements.csv"]) {
    const lines = logs.split("\n").filter((l) => l.includes(secret));
    assert.equal(lines.length, 0, `no log line holds “${secret}” (event text, a name, an address or a chosen file): ${lines[0]}`);
  }
});
