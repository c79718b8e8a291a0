// A Backend for UI tests: the screens run against it exactly as they run
// against the Tauri one. Mail, Coalition, announcements, the mail account,
// backups and the branch form are not kept here: their calls go through the
// Tauri backend to the core's recorded answers (replay.ts), so a test chooses
// the scenes it replays. What is left here is data: the status and branch a
// test starts from, the time zones, the sample's profile. Flyers always go
// there (a Flyers test gives the `flyers` story as its `eventsStory`), and so
// do Events: a test gives their story (`eventsStory`), and without one the
// core's answers for a branch with no events yet (the `noEvents` scene) are
// replayed. The Mailbox goes there when a test gives its story (`mailbox`),
// its check answered once the check's recorded events are sent, as the window
// answers it; without one, the branch has no mailbox set up and nothing was read.
// Sharing goes there when a test gives its story (`share`); without one, the
// branch is not shared.
import { tauriBackend, type AppError, type AppStatus, type Backend } from "./backend";
import type { BranchInput, BranchProfile } from "./backend";
import type { CheckReport } from "./mailbox-backend";
import { scenes, replay, type Exchange, type Replay } from "./replay";

export type FakeBackend = Backend & {
  calls: string[];
  branch: BranchProfile | null;
  mail: Replay;
  /** The same replay as `mail`, named for the Coalition tests. */
  coalition: Replay;
  /** The same replay as `mail`, named for the Flyers tests. */
  flyers: Replay;
};

export function fakeBackend(
  options: {
    branch?: BranchProfile | null;
    problem?: AppError | null;
    /** The recorded Mail story to replay; a branch with no list by default. */
    mail?: Exchange[];
    /** The recorded Coalition story to replay; without one, a branch with no partners yet. */
    coalition?: Exchange[];
    /** The recorded announcements and mail account story to replay; without one, a branch with no mail account. */
    announce?: Exchange[];
    /** The recorded Events story to replay; without one, a branch with no events or tours yet. */
    eventsStory?: Exchange[];
    /** The recorded Mailbox story to replay; without one, a branch with no mailbox set up. */
    mailbox?: Exchange[];
    /** The recorded Sharing story to replay; without one, a branch that is not shared. */
    share?: Exchange[];
  } = {},
): FakeBackend {
  // One replay answers every recorded story (Tauri's IPC mock is one per window).
  // The announcements story first: the Mail story records an empty list of announcements.
  const mail = replay([
    options.eventsStory ?? scenes("noEvents"),
    options.announce ?? scenes("mailAccount"),
    options.mail ?? scenes("empty"),
    scenes("branch"),
    scenes("backups"),
    // The composer's live preview of the sample rally's draft, as any story's composer asks it.
    scenes("composerLive"),
    options.coalition ?? [],
    options.mailbox ?? [],
    options.share ?? [],
  ]);
  const coalition = mail;
  const fake: FakeBackend = {
    ...pick(tauriBackend, announceMethods),
    ...pick(tauriBackend, flyersMethods),
    ...pick(tauriBackend, attendanceMethods),
    flyers: mail,
    ...pick(tauriBackend, mailMethods),
    ...pick(tauriBackend, eventsMethods),
    ...(options.coalition ? pick(tauriBackend, coalitionMethods) : noPartners),
    ...(options.mailbox ? { ...pick(tauriBackend, mailboxMethods), checkMailbox: checkAfterItsEvents } : noMailbox),
    ...(options.share ? pick(tauriBackend, shareMethods) : noSharing),
    mail,
    coalition,
    calls: [],
    branch: options.branch ?? null,
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
    // Clearing the logo is answered like setting it: only where a scene recorded it.
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
      fake.branch = await tauriBackend.clearLogo();
      return fake.branch;
    },
    async setCancelledShown(how) {
      fake.calls.push("setCancelledShown");
      fake.branch = await tauriBackend.setCancelledShown(how);
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
    ...pick(tauriBackend, ["backups", "backupNow", "restoreBackup"]),
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
    cancelled_shown: "marked",
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

/** The Backend's Events calls, answered by the replay: a test gives the recorded story, or gets `noEvents`. */
const eventsMethods = [
  "upcomingEvents",
  "eventsPage",
  "undatedEvents",
  "pastEvents",
  "monthEvents",
  "searchEvents",
  "event",
  "createEvent",
  "saveDraft",
  "updateEvent",
  "deleteEvent",
  "announceEvent",
  "rescheduleEvent",
  "postponeEvent",
  "cancelEvent",
  "changeVenue",
  "duplicateEvent",
  "eventHistory",
  "venues",
  "createVenue",
  "speakers",
  "createSpeaker",
  "tours",
  "tour",
  "createTour",
  "updateTour",
  "addStop",
  "markdownHtml",
  "exportIcs",
  "listing",
  "publishSite",
  "openSite",
] as const satisfies (keyof Backend)[];

/** The Backend's Flyers calls, always answered by the replay: a test gives the recorded story. */
const flyersMethods = [
  "flyerPreview",
  "flyerPage",
  "saveFlyer",
  "openFlyer",
  "flyerChoices",
  "rememberFlyerChoices",
  "saveSigninSheet",
  "saveSocialImage",
] as const satisfies (keyof Backend)[];

/** The Backend's Attendance calls, always answered by the replay: a test gives the recorded story. */
const attendanceMethods = [
  "attendance",
  "signIn",
  "knownPeople",
  "removeSignIn",
  "importSheet",
] as const satisfies (keyof Backend)[];

/** The Backend's announcement and mail account calls, answered by the replay. */
const announceMethods = [
  "announcementDraft",
  "eventTold",
  "announcements",
  "announcement",
  "saveAnnouncement",
  "previewAnnouncement",
  "previewUnsaved",
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
  "scheduleAnnouncement",
  "confirmSchedule",
  "unscheduleAnnouncement",
  "onScheduleChecked",
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

/** The Backend's Mailbox calls, answered by the replay when a test gives a Mailbox story. */
const mailboxMethods = [
  "mailbox",
  "saveMailbox",
  "setMailboxPassword",
  "removeMailbox",
  "testMailbox",
  "probeMailbox",
  "checkMailbox",
  "importMailbox",
  "mailboxMessage",
  "undoMailbox",
  "resolveMailbox",
  "onMailboxProgress",
  "onMailboxChecked",
] as const satisfies (keyof Backend)[];

/** `mailbox_check` as the window answers it: its events (progress, then `mailbox-checked`) first, the
 * answer once they are sent. The replay sends a command's recorded events after its answer, so the answer
 * waits here for `mailbox-checked`; a refused check has no events and is refused at once. */
async function checkAfterItsEvents(dryRun?: boolean): Promise<CheckReport> {
  let checked = () => {};
  const arrived = new Promise<void>((resolve) => (checked = resolve));
  const stop = await tauriBackend.onMailboxChecked(() => checked());
  try {
    const report = await tauriBackend.checkMailbox(dryRun);
    await arrived;
    return report;
  } finally {
    stop();
  }
}

/** Without a Mailbox story: a branch with no mailbox set up, nothing read and no check running
 * (what Settings and the Mail section show in other tests); anything else is refused. */
const noMailbox: Pick<Backend, (typeof mailboxMethods)[number]> = {
  ...(Object.fromEntries(
    mailboxMethods.map((m) => [
      m,
      async () => {
        throw {
          code: "internal",
          message: `${m} is not part of this test: give fakeBackend a Mailbox story`,
          fields: [],
        };
      },
    ]),
  ) as unknown as Pick<Backend, (typeof mailboxMethods)[number]>),
  mailbox: async () => ({
    account: null,
    password: "missing",
    plus_addressing: null,
    checked_at: null,
    done: [],
    needs_you: [],
  }),
  onMailboxProgress: async () => () => {},
  onMailboxChecked: async () => () => {},
};

/** The Backend's Sharing calls, answered by the replay when a test gives a Sharing story. */
const shareMethods = [
  "shareStatus",
  "startSharing",
  "inviteOfficer",
  "joinBranch",
  "syncNow",
  "removeLaptop",
  "keepChoice",
  "onShareSynced",
] as const satisfies (keyof Backend)[];

/** Without a Sharing story: a branch that is not shared (what the sidebar and Settings show in other
 * tests); anything else is refused. */
const noSharing: Pick<Backend, (typeof shareMethods)[number]> = {
  ...(Object.fromEntries(
    shareMethods.map((m) => [
      m,
      async () => {
        throw {
          code: "internal",
          message: `${m} is not part of this test: give fakeBackend a Sharing story`,
          fields: [],
        };
      },
    ]),
  ) as unknown as Pick<Backend, (typeof shareMethods)[number]>),
  shareStatus: async () => ({
    sharing: false,
    folder: "",
    laptop: "",
    name: "",
    synced_at: null,
    laptops: [],
    problems: [],
    conflicts: [],
    pending: 0,
  }),
  onShareSynced: async () => () => {},
};
