// The announcements part of the one door to Handbill's core: compose an
// announcement from an event, preview what one subscriber receives, send a
// test, then send to the list in the background with progress, pause, resume
// and cancel; and the branch's mail account (SMTP) in Settings.
// `Backend` extends this interface and the Tauri backend spreads `tauriAnnounce`.
import * as commands from "./commands";
import { listen } from "@tauri-apps/api/event";
import type { AccountView } from "./bindings/AccountView";
import type { Announcement } from "./bindings/Announcement";
import type { AnnouncementInput } from "./bindings/AnnouncementInput";
import type { AnnouncementState } from "./bindings/AnnouncementState";
import type { AnnouncementVersion } from "./bindings/AnnouncementVersion";
import type { ConnectionReport } from "./bindings/ConnectionReport";
import type { Delivery } from "./bindings/Delivery";
import type { DeliveryStatus } from "./bindings/DeliveryStatus";
import type { PasswordHome } from "./bindings/PasswordHome";
import type { Preview } from "./bindings/Preview";
import type { Schedule } from "./bindings/Schedule";
import type { ScheduleRequest } from "./bindings/ScheduleRequest";
import type { ScheduleWhen } from "./bindings/ScheduleWhen";
import type { Standing } from "./bindings/Standing";
import type { Security } from "./bindings/Security";
import type { SendProgress } from "./bindings/SendProgress";
import type { SmtpAccount } from "./bindings/SmtpAccount";
import type { Template } from "./bindings/Template";
import type { Told } from "./bindings/Told";

/** A template's subject and Markdown body, filled from an event. */
export type Draft = { subject: string; body: string };

export type {
  AccountView,
  Announcement,
  AnnouncementInput,
  AnnouncementState,
  AnnouncementVersion,
  ConnectionReport,
  Delivery,
  DeliveryStatus,
  PasswordHome,
  Preview,
  Schedule,
  ScheduleRequest,
  ScheduleWhen,
  Security,
  SendProgress,
  SmtpAccount,
  Standing,
  Template,
  Told,
};

/** The templates an announcement can start from, in the order the window offers them, named by the core. */
export { templates } from "./bindings/labels";

export interface AnnounceBackend {
  /** Subject and Markdown body filled from the event or tour by a template, in `language` (English when null). */
  announcementDraft(
    target: { event: number } | { tour: number },
    template: Template,
    language?: string | null,
  ): Promise<Draft>;
  /**
   * Who the event's announcements went to (each person once, by list) and the
   * template telling them next starts from: Rescheduled for a rescheduled
   * event, Cancelled for a cancelled one.
   */
  eventTold(eventId: number): Promise<Told>;
  /** The list's announcements, newest first. */
  announcements(listId: number): Promise<Announcement[]>;
  announcement(id: number): Promise<Announcement>;
  /** Creates (id null) or updates a draft announcement; rejects naming the field that is wrong. */
  saveAnnouncement(id: number | null, input: AnnouncementInput): Promise<Announcement>;
  /** Exactly what this subscriber will receive (null: the branch's own address); with a language, what its reader gets. */
  previewAnnouncement(id: number, subscriberId: number | null, language?: string | null): Promise<Preview>;
  /** What the text as typed would be for this subscriber (null: the branch's own address), nothing saved. */
  previewUnsaved(
    id: number | null,
    input: AnnouncementInput,
    subscriberId: number | null,
    language?: string | null,
  ): Promise<Preview>;
  /** Sends the announcement to the branch's own address (as a reader of `language` gets it); resolves to where it went. */
  sendTest(id: number, language?: string | null): Promise<string>;
  /** How many subscribed people the announcement would reach now. */
  announcementReach(id: number): Promise<number>;
  /**
   * Queues a delivery per recipient and starts sending in the background. An
   * event already announced to the list with the same template is refused
   * (the error's field is `again`, its message says when the first went out)
   * unless `again` is true: the organizer's choice to send it a second time.
   */
  startSending(id: number, again?: boolean): Promise<SendProgress>;
  pauseSending(id: number): Promise<SendProgress>;
  resumeSending(id: number): Promise<SendProgress>;
  cancelSending(id: number): Promise<SendProgress>;
  sendProgress(id: number): Promise<SendProgress>;
  /** Calls back with each progress report of any announcement being sent; returns the unsubscribe. */
  onSendProgress(callback: (p: SendProgress) => void): Promise<() => void>;
  deliveries(id: number, status: DeliveryStatus | null): Promise<Delivery[]>;
  /** The organizer's decision on deliveries whose fate is unknown: send again, or count as sent. */
  decideUncertain(id: number, deliveryIds: number[], resend: boolean): Promise<SendProgress>;
  /**
   * Schedules a draft (or sets its schedule again): the day before the event at a time, or a date and
   * time, in the branch's time zone. Rejects naming the field that is wrong (`time`, `at`, `event_id`,
   * `again` when the event already went to the list with this template).
   */
  scheduleAnnouncement(request: ScheduleRequest): Promise<Announcement>;
  /** Confirms a held announcement's schedule after its event moved: a day-before schedule follows it. */
  confirmSchedule(id: number): Promise<Announcement>;
  /** Takes an announcement off the schedule; it stays a draft. */
  unscheduleAnnouncement(id: number): Promise<Announcement>;
  /** Calls back when the window's own check of the schedule started, or found missed, an announcement. */
  onScheduleChecked(callback: () => void): Promise<() => void>;

  mailAccount(): Promise<AccountView>;
  saveMailAccount(input: SmtpAccount): Promise<AccountView>;
  /** Keeps the password in the system keychain, or for this session only when there is none. */
  setMailPassword(password: string): Promise<AccountView>;
  removeMailAccount(): Promise<AccountView>;
  testMailAccount(): Promise<ConnectionReport>;
}

export function tauriAnnounce(): AnnounceBackend {
  return {
    announcementDraft: async (target, template, language) => {
      const [subject, body] = await commands.announcement_draft({
        eventId: "event" in target ? target.event : null,
        tourId: "tour" in target ? target.tour : null,
        template,
        language: language ?? null,
      });
      return { subject, body };
    },
    eventTold: (id) => commands.event_told({ id }),
    announcements: (listId) => commands.announcement_list({ listId }),
    announcement: (id) => commands.announcement_get({ id }),
    saveAnnouncement: (id, input) => commands.announcement_save({ id, input }),
    previewAnnouncement: (id, subscriberId, language) =>
      commands.announcement_preview({ id, subscriberId, language: language ?? null }),
    previewUnsaved: (id, input, subscriberId, language) =>
      commands.announcement_preview_unsaved({ id, input, subscriberId, language: language ?? null }),
    sendTest: (id, language) => commands.announcement_send_test({ id, language: language ?? null }),
    announcementReach: (id) => commands.announcement_reach({ id }),
    startSending: (id, again) => commands.send_start({ id, again: again ?? null }),
    pauseSending: (id) => commands.send_pause({ id }),
    resumeSending: (id) => commands.send_resume({ id }),
    cancelSending: (id) => commands.send_cancel({ id }),
    sendProgress: (id) => commands.send_progress({ id }),
    onSendProgress: async (callback) => listen<SendProgress>("send-progress", (e) => callback(e.payload)),
    deliveries: (id, status) => commands.send_deliveries({ id, status }),
    decideUncertain: (id, deliveryIds, resend) =>
      commands.send_decide_uncertain({ id, deliveryIds, decision: resend ? "resend" : "mark_sent" }),
    scheduleAnnouncement: (request) => commands.announcement_schedule({ request }),
    confirmSchedule: (id) => commands.announcement_schedule_confirm({ id }),
    unscheduleAnnouncement: (id) => commands.announcement_unschedule({ id }),
    onScheduleChecked: async (callback) => listen("schedule-checked", () => callback()),
    mailAccount: () => commands.mail_account(),
    saveMailAccount: (input) => commands.mail_account_save({ input }),
    setMailPassword: (password) => commands.mail_account_password({ password }),
    removeMailAccount: () => commands.mail_account_remove(),
    testMailAccount: () => commands.mail_account_test(),
  };
}
