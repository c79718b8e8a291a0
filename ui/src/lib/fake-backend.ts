// A Backend kept in memory, for UI tests: the screens run against it exactly as
// they run against the Tauri one. It rejects a bad email the way the core does.
import type { AppError, AppStatus, BackupInfo, Backend, BranchInput, BranchProfile } from "./backend";
import { fakeMail, type FakeMail } from "./fake-mail";
import { fakeEvents, type FakeEvents } from "./fake-events";
import { fakeCoalition, type FakeCoalition } from "./fake-coalition";
import { fakeFlyers, type FakeFlyers } from "./fake-flyers";
import { fakeAnnounce, type FakeAnnounce } from "./fake-announce";

export type FakeBackend = Backend & {
  calls: string[];
  branch: BranchProfile | null;
  backupList: BackupInfo[];
  mail: FakeMail;
  events: FakeEvents;
  coalition: FakeCoalition;
  flyers: FakeFlyers;
  announce: FakeAnnounce;
};

export function fakeBackend(
  options: {
    branch?: BranchProfile | null;
    problem?: AppError | null;
    mail?: FakeMail;
    events?: FakeEvents;
    coalition?: FakeCoalition;
  } = {},
): FakeBackend {
  const mail = options.mail ?? fakeMail();
  const events = options.events ?? fakeEvents();
  const coalition =
    options.coalition ?? fakeCoalition((id) => events.events.find((e) => e.id === id)?.title ?? `Event ${id}`);
  const flyers = fakeFlyers({ events: () => events.events, tours: () => events.tours });
  const announce = fakeAnnounce({
    events: () => events.events,
    tours: () => events.tours,
    reach: (listId) => mail.people.filter((p) => mail.memberships.get(`${listId}:${p.id}`) === "subscribed"),
  });
  const fake: FakeBackend = {
    ...announce.backend,
    announce,
    ...flyers.backend,
    flyers,
    ...mail.backend,
    ...events.backend,
    ...coalition.backend,
    mail,
    events,
    coalition,
    calls: [],
    branch: options.branch ?? null,
    backupList: [],
    async status(): Promise<AppStatus> {
      fake.calls.push("status");
      return {
        version: "0.1.0",
        db_path: "/tmp/test.sqlite",
        schema_version: 1,
        problem: options.problem ?? null,
        branch: fake.branch,
      };
    },
    async saveBranch(input: BranchInput) {
      fake.calls.push("saveBranch");
      const fields = [];
      if (!input.name.trim()) fields.push({ field: "name", message: "Give the branch a name." });
      if (input.contact_email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(input.contact_email))
        fields.push({ field: "contact_email", message: `“${input.contact_email}” is not an email address.` });
      if (fields.length) throw { code: "invalid", message: fields.map((f) => f.message).join("\n"), fields };
      fake.branch = { ...input, logo: fake.branch?.logo ?? null, updated_at: "2026-11-22T00:00:00Z" };
      return fake.branch;
    },
    async setLogo() {
      fake.calls.push("setLogo");
      throw { code: "invalid", message: "The logo must be a PNG or JPEG image; this file is neither.", fields: [] };
    },
    async clearLogo() {
      fake.calls.push("clearLogo");
      fake.branch = { ...fake.branch!, logo: null };
      return fake.branch;
    },
    async logo() {
      return null;
    },
    async loadDemo() {
      fake.calls.push("loadDemo");
      fake.branch = sampleProfile();
      return { changed: true, branch: fake.branch };
    },
    async timeZones() {
      return ["America/New_York", "Europe/Madrid", "UTC"];
    },
    async ready() {
      fake.calls.push("ready");
    },
    async backups() {
      return fake.backupList;
    },
    async backupNow() {
      fake.calls.push("backupNow");
      const b: BackupInfo = {
        file_name: `test--manual--${fake.backupList.length}.sqlite`,
        path: `/tmp/test.sqlite.backups/test--manual--${fake.backupList.length}.sqlite`,
        kind: "manual",
        created_at: "2026-11-22T10:00:00Z",
        size_bytes: 40960,
      };
      fake.backupList = [b, ...fake.backupList];
      return b;
    },
    async restoreBackup(fileName: string) {
      fake.calls.push(`restore:${fileName}`);
      return fake.status();
    },
    async diagnostics() {
      return "Handbill 0.1.0\nQuick check: ok";
    },
    async openLogFolder() {
      fake.calls.push("openLogFolder");
    },
  };
  return fake;
}

export function sampleProfile(): BranchProfile {
  return {
    name: "Sample Branch",
    short_name: "Sample",
    city: "Boston, MA",
    contact_email: "branch@example.org",
    website: "https://example.org",
    time_zone: "America/New_York",
    languages: ["en", "es"],
    logo: null,
    updated_at: "2026-11-22T00:00:00Z",
  };
}
