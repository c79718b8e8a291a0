// The one module through which the UI reaches Handbill's core. Screens receive a
// `Backend`; the window gets the Tauri one, UI tests a fake with the same shape.
// The page names no file: a command that writes one opens the system's save
// dialog on the Rust side, and takes from here only the name it starts from.
import * as commands from "./commands";
import { asAppError } from "./invoke";
import { listen } from "@tauri-apps/api/event";
import { readBytes } from "./files";
import type { AppError } from "./bindings/AppError";
import type { AppStatus } from "./bindings/AppStatus";
import type { FirstSteps } from "./bindings/FirstSteps";
import type { WhenRead } from "./bindings/WhenRead";
import type { DatesRequest } from "./bindings/DatesRequest";
import type { EndRequest } from "./bindings/EndRequest";
import type { MoveRequest } from "./bindings/MoveRequest";
import type { RepeatRequest } from "./bindings/RepeatRequest";
import type { SeriesDates } from "./bindings/SeriesDates";
import type { SkipRequest } from "./bindings/SkipRequest";
import type { BranchInput } from "./bindings/BranchInput";
import type { BranchProfile } from "./bindings/BranchProfile";
import type { CancelledShown } from "./bindings/CancelledShown";
import type { DemoReport } from "./bindings/DemoReport";
import type { PublishReport } from "./bindings/PublishReport";
import type { BackupInfo } from "./bindings/BackupInfo";
import type { ConsentStatus } from "./bindings/ConsentStatus";
import type { ExportOptions } from "./bindings/ExportOptions";
import type { ExportReport } from "./bindings/ExportReport";
import type { ForgetReport } from "./bindings/ForgetReport";
import type { PersonExport } from "./bindings/PersonExport";
import type { Facets } from "./bindings/Facets";
import type { Field } from "./bindings/Field";
import type { ImportFinished } from "./bindings/ImportFinished";
import type { ImportJob } from "./bindings/ImportJob";
import type { ImportOptions } from "./bindings/ImportOptions";
import type { ImportPreview } from "./bindings/ImportPreview";
import type { ImportProgress } from "./bindings/ImportProgress";
import type { ImportReport } from "./bindings/ImportReport";
import type { List } from "./bindings/List";
import type { ReportRow } from "./bindings/ReportRow";
import type { Segment } from "./bindings/Segment";
import type { SegmentFilter } from "./bindings/SegmentFilter";
import type { Subscriber } from "./bindings/Subscriber";
import type { SubscriberDetail } from "./bindings/SubscriberDetail";
import type { SubscriberInput } from "./bindings/SubscriberInput";
import type { SubscriberPage } from "./bindings/SubscriberPage";
import type { SubscriberQuery } from "./bindings/SubscriberQuery";
import type { SubscriberRow } from "./bindings/SubscriberRow";
import type { UnsubscribeReport } from "./bindings/UnsubscribeReport";
import type { Event } from "./bindings/Event";
import type { EventInput } from "./bindings/EventInput";
import type { EventKind } from "./bindings/EventKind";
import type { EventStatus } from "./bindings/EventStatus";
import type { HistoryEntry } from "./bindings/HistoryEntry";
import type { MonthGroup } from "./bindings/MonthGroup";
import type { EventPage } from "./bindings/EventPage";
import type { EventRow } from "./bindings/EventRow";
import type { EventScope } from "./bindings/EventScope";
import type { Speaker } from "./bindings/Speaker";
import type { SpeakerInput } from "./bindings/SpeakerInput";
import type { StopInput } from "./bindings/StopInput";
import type { Tour } from "./bindings/Tour";
import type { TourInput } from "./bindings/TourInput";
import type { TourWithStops } from "./bindings/TourWithStops";
import type { Venue } from "./bindings/Venue";
import type { VenueInput } from "./bindings/VenueInput";
import type { When } from "./bindings/When";
import { tauriCoalition, type CoalitionBackend } from "./coalition-backend";
export type * from "./coalition-backend";
import { tauriFlyers, type FlyersBackend } from "./flyers-backend";
import { tauriAnnounce, type AnnounceBackend } from "./announce-backend";
import { tauriMailbox, type MailboxBackend } from "./mailbox-backend";
import { tauriShare, type ShareBackend } from "./share-backend";
import { tauriAttendance, type AttendanceBackend } from "./attendance-backend";

/** How much of a chosen sheet one message to the window's Rust side carries:
 * WebKit's UI process spends about 30 ms of CPU on each megabyte it passes on,
 * on a thread that then keeps the window's own threads (and its frames) waiting. */
const IMPORT_PIECE = 1024 * 1024;

export type { AppError, AppStatus, BackupInfo, BranchInput, BranchProfile, DemoReport, PublishReport };
export type {
  ConsentStatus,
  ExportOptions,
  ExportReport,
  ForgetReport,
  PersonExport,
  Facets,
  Field,
  ImportFinished,
  ImportJob,
  ImportOptions,
  ImportPreview,
  ImportProgress,
  ImportReport,
  List,
  ReportRow,
  Segment,
  SegmentFilter,
  Subscriber,
  SubscriberDetail,
  SubscriberInput,
  SubscriberPage,
  SubscriberQuery,
  SubscriberRow,
  UnsubscribeReport,
};
export type {
  Event,
  EventPage,
  EventRow,
  EventScope,
  EventInput,
  EventKind,
  EventStatus,
  HistoryEntry,
  MonthGroup,
  Speaker,
  SpeakerInput,
  StopInput,
  Tour,
  TourInput,
  TourWithStops,
  Venue,
  VenueInput,
  When,
};

/** What an .ics export or a listing covers: one event, one tour, or every upcoming event. */
export type EventsTarget = { event: number } | { tour: number } | "upcoming";

export interface Backend
  extends CoalitionBackend, FlyersBackend, AnnounceBackend, MailboxBackend, ShareBackend, AttendanceBackend {
  status(): Promise<AppStatus>;
  saveBranch(input: BranchInput): Promise<BranchProfile>;
  setLogo(bytes: Uint8Array): Promise<BranchProfile>;
  clearLogo(): Promise<BranchProfile>;
  /** How listings, posters, flyers and announcements show a cancelled event. */
  setCancelledShown(how: CancelledShown): Promise<BranchProfile>;
  /** The logo as a data: URL, or null. */
  logo(): Promise<string | null>;
  loadDemo(): Promise<DemoReport>;
  timeZones(): Promise<string[]>;
  /** The zones a branch in this city most likely keeps, likeliest first (optional: a screen does without). */
  likelyTimeZones?(city: string): Promise<string[]>;
  /** Which of a new branch's first steps are done (optional: the Events screen does without). */
  firstSteps?(): Promise<FirstSteps>;
  /** Hides the first steps for good (kept with the branch). */
  hideFirstSteps?(): Promise<FirstSteps>;
  /** Tells the shell the first screen is drawn (startup measurement). */
  ready(): Promise<void>;
  /** The automatic and manual backups kept beside the database, newest first. */
  backups(): Promise<BackupInfo[]>;
  backupNow(): Promise<BackupInfo>;
  /** Replaces the database with the backup of this file name, from the list of
   * backups (after the user confirmed); answers the new status. */
  restoreBackup(fileName: string): Promise<AppStatus>;
  /** A plain-text report with no personal data, for bug reports. */
  diagnostics(): Promise<string>;
  openLogFolder(): Promise<void>;

  // Mail: lists, segments, subscribers, import and export.
  lists(): Promise<List[]>;
  createList(name: string): Promise<List>;
  listFacets(listId: number): Promise<Facets>;
  /** Subscribed people the list, narrowed by the filter, would reach. */
  segmentCount(listId: number, filter: SegmentFilter): Promise<number>;
  segments(listId: number): Promise<Segment[]>;
  saveSegment(listId: number, name: string, filter: SegmentFilter): Promise<Segment>;
  deleteSegment(id: number): Promise<void>;
  searchSubscribers(query: SubscriberQuery): Promise<SubscriberPage>;
  subscriber(id: number): Promise<SubscriberDetail>;
  addSubscriber(input: SubscriberInput, listId: number | null): Promise<SubscriberDetail>;
  updateSubscriber(id: number, input: SubscriberInput): Promise<SubscriberDetail>;
  /** A leaving covers every list unless `onlyThisList`; for a return, `source` is the evidence of how they asked. */
  setSubscriberStatus(
    id: number,
    listId: number,
    status: ConsentStatus,
    source: string,
    onlyThisList?: boolean,
  ): Promise<SubscriberDetail>;
  deleteSubscriber(id: number): Promise<void>;
  /** Everything held about one person, saved where a save dialog says (JSON, and text beside it); null when closed. */
  exportPerson(id: number): Promise<PersonExport | null>;
  /** Erases one person everywhere on their request, keeping only a salted hash and one ledger line. */
  forgetSubscriber(id: number, requestedBy: string): Promise<ForgetReport>;
  /** Unsubscribes every address found in a pasted block of text. */
  unsubscribeAddresses(text: string, listId: number | null): Promise<UnsubscribeReport>;
  /** Exports to the file picked in the save dialog, which starts from `suggested`; null when it was closed. */
  exportCsv(options: ExportOptions, suggested: string): Promise<ExportReport | null>;
  /** The folder the window suggests saving files in. */
  defaultFolder(): Promise<string>;
  /** Reads a chosen file and shows what an import would do; the file is kept for startImport. */
  previewImport(fileName: string, file: Blob): Promise<ImportPreview>;
  /** Runs the import in the background; resolves when it ends, calling onProgress as it goes. */
  startImport(options: ImportOptions, onProgress: (p: ImportProgress) => void): Promise<ImportFinished>;
  cancelImport(): Promise<boolean>;
  /** Saves the last import's full report as CSV through the save dialog; the path written, or null. */
  saveImportReport(suggested: string): Promise<string | null>;
  importJobs(): Promise<ImportJob[]>;

  // Events: events, venues, speakers, tours, views, and getting them out.
  upcomingEvents(): Promise<MonthGroup[]>;
  /** One page of a long Events list (no descriptions), with the list's count. */
  eventsPage(scope: EventScope, offset: number, limit: number): Promise<EventPage>;
  /** Events whose date is not known yet: drafts being typed, stops "coming soon". */
  undatedEvents(): Promise<Event[]>;
  pastEvents(): Promise<Event[]>;
  monthEvents(year: number, month: number): Promise<Event[]>;
  searchEvents(text: string): Promise<Event[]>;
  event(id: number): Promise<Event>;
  /** How a date and a time as typed are read ("Thu Dec 10", "7pm"), before saving (optional: the editor does without). */
  readWhen?(date: string, time: string): Promise<WhenRead>;
  createEvent(input: EventInput): Promise<Event>;
  /** Autosave: keeps a draft as typed; null makes a new draft. */
  saveDraft(id: number | null, input: EventInput): Promise<Event>;
  updateEvent(id: number, input: EventInput): Promise<Event>;
  deleteEvent(id: number): Promise<void>;
  announceEvent(id: number): Promise<Event>;
  rescheduleEvent(id: number, when: When, reason: string): Promise<Event>;
  postponeEvent(id: number, reason: string): Promise<Event>;
  cancelEvent(id: number, reason: string): Promise<Event>;
  changeVenue(id: number, venueId: number | null, room: string, reason: string): Promise<Event>;
  duplicateEvent(id: number, shiftDays: number): Promise<Event>;
  eventHistory(id: number): Promise<HistoryEntry[]>;
  /** A series' rule and its dates from a day on, skipped ones marked (optional: a screen test without a series story does without). */
  seriesDates?(request: DatesRequest): Promise<SeriesDates>;
  /** Makes an event repeat, changes its rule, or makes it a single event again. */
  repeatEvent?(request: RepeatRequest): Promise<SeriesDates>;
  /** Skips one date of a series, with the reason. */
  skipDate?(request: SkipRequest): Promise<SeriesDates>;
  /** Moves one date of a series to another day or time, with the reason. */
  moveDate?(request: MoveRequest): Promise<SeriesDates>;
  /** Ends a series from a date on; earlier dates stay. */
  endSeries?(request: EndRequest): Promise<SeriesDates>;
  venues(): Promise<Venue[]>;
  createVenue(input: VenueInput): Promise<Venue>;
  speakers(): Promise<Speaker[]>;
  createSpeaker(input: SpeakerInput): Promise<Speaker>;
  tours(): Promise<Tour[]>;
  tour(id: number): Promise<TourWithStops>;
  createTour(input: TourInput): Promise<Tour>;
  /** Tours already saved with this title: a warning before making a second one. */
  tourDuplicates?(title: string): Promise<string[]>;
  updateTour(id: number, input: TourInput): Promise<TourWithStops>;
  addStop(tourId: number, stop: StopInput): Promise<Event>;
  /** Markdown as sanitized HTML (the core's sanitizer), safe to show. */
  markdownHtml(markdown: string): Promise<string>;
  /** Writes an .ics file through the save dialog; the path written, or null when it was closed. */
  exportIcs(target: EventsTarget, suggested: string): Promise<string | null>;
  /** The listing to paste into a web page: plain text or HTML. */
  listing(target: EventsTarget, html: boolean): Promise<string>;
  /** Publishes the site into the folder picked in the folder dialog (opened on the Rust
   * side); `address` is where it will be read once uploaded, or empty. What was done, or
   * null when the dialog was closed. */
  publishSite(address: string): Promise<PublishReport | null>;
  /** Opens the site last published in the browser; resolves to its front page's path. */
  openSite(): Promise<string>;
}

export { asAppError };

export const tauriBackend: Backend = {
  ...tauriCoalition(),
  ...tauriFlyers(),
  ...tauriAnnounce(),
  ...tauriMailbox(),
  ...tauriShare(),
  ...tauriAttendance(),
  status: () => commands.app_status(),
  saveBranch: (input) => commands.branch_save({ input }),
  setLogo: (bytes) => commands.branch_set_logo({ bytes: Array.from(bytes) }),
  clearLogo: () => commands.branch_clear_logo(),
  setCancelledShown: (how) => commands.branch_set_cancelled_shown({ how }),
  logo: () => commands.branch_logo(),
  loadDemo: () => commands.demo_load(),
  timeZones: () => commands.time_zones(),
  likelyTimeZones: (city) => commands.time_zones_likely({ city }),
  firstSteps: () => commands.first_steps(),
  hideFirstSteps: () => commands.first_steps_hide(),
  ready: () => commands.ui_ready(),
  backups: () => commands.backups_list(),
  backupNow: () => commands.backup_now(),
  restoreBackup: (fileName) => commands.backup_restore({ fileName }),
  diagnostics: () => commands.diagnostics_report(),
  openLogFolder: () => commands.open_log_folder(),

  lists: () => commands.lists_all(),
  createList: (name) => commands.list_create({ name }),
  listFacets: (listId) => commands.list_facets({ listId }),
  segmentCount: (listId, filter) => commands.segment_count({ listId, filter }),
  segments: (listId) => commands.segments({ listId }),
  saveSegment: (listId, name, filter) => commands.segment_save({ listId, name, filter }),
  deleteSegment: (id) => commands.segment_delete({ id }),
  searchSubscribers: (query) => commands.subscribers_search({ query }),
  subscriber: (id) => commands.subscriber_detail({ id }),
  addSubscriber: (input, listId) => commands.subscriber_add({ input, listId }),
  updateSubscriber: (id, input) => commands.subscriber_update({ id, input }),
  setSubscriberStatus: (id, listId, status, source, onlyThisList = false) =>
    commands.subscriber_set_status({ id, listId, status, source, onlyThisList }),
  deleteSubscriber: (id) => commands.subscriber_delete({ id }),
  exportPerson: (id) => commands.subscriber_export_person({ id }),
  forgetSubscriber: (id, requestedBy) => commands.subscriber_forget({ id, requestedBy }),
  unsubscribeAddresses: (text, listId) => commands.subscribers_unsubscribe({ text, listId }),
  exportCsv: (options, suggested) => commands.export_csv({ options, suggested }),
  defaultFolder: () => commands.default_folder(),
  async previewImport(fileName, file) {
    try {
      // The bytes travel as raw request bodies, not as a JSON array of numbers,
      // read and sent a piece at a time: reading or sending a sheet of 200 MB
      // at once would hold the page (and its animation frames) for a second.
      const headers = (at: number) => ({ "x-file-name": encodeURIComponent(fileName), "x-offset": String(at) });
      let at = 0;
      for (; at + IMPORT_PIECE < file.size; at += IMPORT_PIECE) {
        await commands.import_stage(await readBytes(file.slice(at, at + IMPORT_PIECE)), headers(at));
      }
      return await commands.import_preview(await readBytes(file.slice(at)), headers(at));
    } catch (e) {
      throw asAppError(e);
    }
  },
  async startImport(options, onProgress) {
    // Listen before starting, so no event is missed.
    let resolveFinished!: (f: ImportFinished) => void;
    const finished = new Promise<ImportFinished>((resolve) => (resolveFinished = resolve));
    const stopProgress = await listen<ImportProgress>("import-progress", (e) => onProgress(e.payload));
    const stopFinished = await listen<ImportFinished>("import-finished", (e) => resolveFinished(e.payload));
    try {
      await commands.import_start({ options });
      return await finished;
    } finally {
      stopProgress();
      stopFinished();
    }
  },
  cancelImport: () => commands.import_cancel(),
  saveImportReport: (suggested) => commands.import_report_save({ suggested }),
  importJobs: () => commands.import_jobs(),

  upcomingEvents: () => commands.events_upcoming(),
  eventsPage: (scope, offset, limit) => commands.events_page({ scope, offset, limit }),
  undatedEvents: () => commands.events_undated(),
  pastEvents: () => commands.events_past(),
  monthEvents: (year, month) => commands.events_month({ year, month }),
  searchEvents: (text) => commands.events_search({ text }),
  event: (id) => commands.event_get({ id }),
  readWhen: (date, time) => commands.when_read({ date, time }),
  createEvent: (input) => commands.event_create({ input }),
  saveDraft: (id, input) => commands.event_save_draft({ id, input }),
  updateEvent: (id, input) => commands.event_update({ id, input }),
  deleteEvent: (id) => commands.event_delete({ id }),
  announceEvent: (id) => commands.event_announce({ id }),
  rescheduleEvent: (id, when, reason) => commands.event_reschedule({ id, when, reason }),
  postponeEvent: (id, reason) => commands.event_postpone({ id, reason }),
  cancelEvent: (id, reason) => commands.event_cancel({ id, reason }),
  changeVenue: (id, venueId, room, reason) => commands.event_change_venue({ id, venueId, room, reason }),
  duplicateEvent: (id, shiftDays) => commands.event_duplicate({ id, shiftDays }),
  eventHistory: (id) => commands.event_history({ id }),
  seriesDates: (request) => commands.series_dates({ request }),
  repeatEvent: (request) => commands.series_repeat({ request }),
  skipDate: (request) => commands.series_skip({ request }),
  moveDate: (request) => commands.series_move({ request }),
  endSeries: (request) => commands.series_end({ request }),
  venues: () => commands.venues_all(),
  createVenue: (input) => commands.venue_create({ input }),
  speakers: () => commands.speakers_all(),
  createSpeaker: (input) => commands.speaker_create({ input }),
  tours: () => commands.tours_all(),
  tour: (id) => commands.tour_get({ id }),
  createTour: (input) => commands.tour_create({ input }),
  tourDuplicates: (title) => commands.tour_duplicates({ title }),
  updateTour: (id, input) => commands.tour_update({ id, input }),
  addStop: (tourId, stop) => commands.tour_add_stop({ tourId, stop }),
  markdownHtml: (markdown) => commands.markdown_html({ markdown }),
  exportIcs: (target, suggested) =>
    commands.events_export_ics({
      eventId: typeof target === "object" && "event" in target ? target.event : null,
      tourId: typeof target === "object" && "tour" in target ? target.tour : null,
      suggested,
    }),
  listing: (target, html) =>
    commands.events_listing({ tourId: typeof target === "object" && "tour" in target ? target.tour : null, html }),
  publishSite: (address) => commands.site_publish({ address }),
  openSite: () => commands.site_open(),
};
