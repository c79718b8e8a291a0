// A Backend for UI tests: the screens run against it exactly as they run
// against the Tauri one. Mail, Coalition and the branch form are not kept here:
// their calls go through the Tauri backend to the core's recorded answers
// (replay.ts), so a test chooses the scenes it replays. Events and
// announcements go there too when a test gives their story (`eventsStory`,
// `announce`); without one, and for flyers, they are still kept in memory by
// fake-events.ts, fake-flyers.ts and fake-announce.ts.
import { tauriBackend, type AppError, type AppStatus, type BackupInfo, type Backend } from "./backend";
import type { BranchInput, BranchProfile, SubscriberPage } from "./backend";
import { scenes, replay, type Exchange, type Replay } from "./replay";
import { fakeEvents, type FakeEvents } from "./fake-events";
import { fakeFlyers, type FakeFlyers } from "./fake-flyers";
import { fakeAnnounce, type FakeAnnounce } from "./fake-announce";

export type FakeBackend = Backend & {
  calls: string[];
  branch: BranchProfile | null;
  backupList: BackupInfo[];
  mail: Replay;
  events: FakeEvents;
  /** The same replay as `mail`, named for the Coalition tests. */
  coalition: Replay;
  flyers: FakeFlyers;
  announce: FakeAnnounce;
};

export function fakeBackend(
  options: {
    branch?: BranchProfile | null;
    problem?: AppError | null;
    /** The recorded Mail story to replay; a branch with no list by default. */
    mail?: Exchange[];
    events?: FakeEvents;
    /** The recorded Coalition story to replay; without one, a branch with no partners yet. */
    coalition?: Exchange[];
    /** The recorded announcements story to replay; without one, fake-announce.ts keeps them. */
    announce?: Exchange[];
    /** The recorded Events story to replay; without one, fake-events.ts keeps the events. */
    eventsStory?: Exchange[];
  } = {},
): FakeBackend {
  // One replay answers every recorded story (Tauri's IPC mock is one per window).
  // The announcements story first: the Mail story records an empty list of announcements.
  const mail = replay([
    options.eventsStory ?? [],
    options.announce ?? [],
    options.mail ?? scenes("empty"),
    scenes("branch"),
    options.coalition ?? [],
  ]);
  const events = options.events ?? fakeEvents();
  const coalition = mail;
  const flyers = fakeFlyers({ events: () => events.events, tours: () => events.tours });
  const announce = fakeAnnounce({
    events: () => events.events,
    tours: () => events.tours,
    reach: (listId) => subscribed(listId),
  });
  const fake: FakeBackend = {
    ...(options.announce ? pick(tauriBackend, announceMethods) : announce.backend),
    announce,
    ...flyers.backend,
    flyers,
    ...pick(tauriBackend, mailMethods),
    ...(options.eventsStory
      ? pick(tauriBackend, Object.keys(events.backend) as (keyof FakeEvents["backend"])[])
      : events.backend),
    ...(options.coalition ? pick(tauriBackend, coalitionMethods) : noPartners),
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
    // The core's recorded answers (the `branch` scene), kept as the branch the status reports.
    async saveBranch(input: BranchInput) {
      fake.calls.push("saveBranch");
      fake.branch = await tauriBackend.saveBranch(input);
      return fake.branch;
    },
    async setLogo(bytes: Uint8Array) {
      fake.calls.push("setLogo");
      fake.branch = await tauriBackend.setLogo(bytes);
      return fake.branch;
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

/** The Backend's Mail calls, answered by the replay. */
const mailMethods = [
  "lists",
  "createList",
  "listFacets",
  "segmentCount",
  "segments",
  "saveSegment",
  "deleteSegment",
  "searchSubscribers",
  "subscriber",
  "addSubscriber",
  "updateSubscriber",
  "setSubscriberStatus",
  "deleteSubscriber",
  "exportPerson",
  "forgetSubscriber",
  "unsubscribeAddresses",
  "exportCsv",
  "defaultFolder",
  "previewImport",
  "startImport",
  "cancelImport",
  "saveImportReport",
  "importJobs",
] as const satisfies (keyof Backend)[];

function pick<K extends keyof Backend>(from: Backend, keys: readonly K[]): Pick<Backend, K> {
  return Object.fromEntries(keys.map((k) => [k, from[k]])) as Pick<Backend, K>;
}

/** The people subscribed to the list on the recorded sample branch: who an announcement reaches. */
function subscribed(listId: number) {
  const search = scenes("sample").find((e) => {
    const q = e.args.query as { text: string; list_id: number } | undefined;
    return e.command === "subscribers_search" && q?.text === "" && q.list_id === listId;
  });
  const page = search?.answer as SubscriberPage | undefined;
  return (page?.rows ?? []).filter((r) => r.status === "subscribed");
}

/** The Backend's announcement calls, answered by the replay when a test gives an announcements story. */
const announceMethods = [
  "announcementDraft",
  "announcements",
  "announcement",
  "saveAnnouncement",
  "previewAnnouncement",
  "sendTest",
  "announcementReach",
  "startSending",
  "pauseSending",
  "resumeSending",
  "cancelSending",
  "sendProgress",
  "onSendProgress",
  "deliveries",
  "decideUncertain",
  "mailAccount",
  "saveMailAccount",
  "setMailPassword",
  "removeMailAccount",
  "testMailAccount",
] as const satisfies (keyof Backend)[];

/** The Backend's Coalition calls, answered by the replay when a test gives a Coalition story. */
const coalitionMethods = [
  "organizations",
  "organization",
  "organizationDuplicates",
  "createOrganization",
  "updateOrganization",
  "deleteOrganization",
  "setOrganizationLogo",
  "clearOrganizationLogo",
  "organizationLogo",
  "organizationHistory",
  "previewOrganizations",
  "importOrganizations",
  "cosponsorships",
  "setCosponsorStatus",
  "setLogoPermitted",
  "reorderCosponsors",
  "coalitionBoard",
  "demandLists",
  "demandList",
  "createDemandList",
  "updateDemandList",
  "moveDemand",
  "demandVersion",
  "diffDemandVersions",
  "endorse",
  "endorsements",
  "setTranslation",
  "eventDemandList",
  "attachDemandList",
  "moveDemandsToLatest",
  "draftInvitation",
] as const satisfies (keyof Backend)[];

/** Without a Coalition story: a branch with no partner organizations and no demand lists yet
 * (what an event's co-sponsors panel shows in other sections' tests); anything else is refused. */
const noPartners: Pick<Backend, (typeof coalitionMethods)[number]> = {
  ...(Object.fromEntries(
    coalitionMethods.map((m) => [
      m,
      async () => {
        throw {
          code: "internal",
          message: `${m} is not part of this test: give fakeBackend a Coalition story`,
          fields: [],
        };
      },
    ]),
  ) as unknown as Pick<Backend, (typeof coalitionMethods)[number]>),
  organizations: async () => [],
  cosponsorships: async () => [],
  eventDemandList: async () => null,
  demandLists: async () => [],
};
