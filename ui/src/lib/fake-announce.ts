// The announcements part of the fake Backend, for UI tests: drafts filled
// from the fake events, announcements kept in memory, a send that moves
// deliveries along in steps the test drives (`advance`), and a mail account
// with the core's main refusals (a host is needed; plain only on this machine).
import type { Event, Tour } from "./backend";
import type {
  SmtpAccount,
  AccountView,
  AnnounceBackend,
  Announcement,
  AnnouncementInput,
  Delivery,
  SendProgress,
} from "./announce-backend";

export type FakeAnnounce = {
  backend: AnnounceBackend;
  calls: string[];
  items: Announcement[];
  deliveriesOf: Map<number, Delivery[]>;
  /** Sends up to `n` queued deliveries of announcement `id` and reports progress. */
  advance(id: number, n: number): void;
  /** Writes up to `n` queued deliveries to the outbox (no account), as the core records them: written, not sent. */
  writeOutbox(id: number, n: number): void;
  /** Marks the next queued delivery as uncertain, as a crash mid-send leaves it. */
  leaveUncertain(id: number): void;
  account: AccountView;
};

export function fakeAnnounce(source: {
  events: () => Event[];
  tours: () => Tour[];
  reach: (listId: number) => { id: number; email: string; name: string }[];
}): FakeAnnounce {
  const calls: string[] = [];
  const items: Announcement[] = [];
  const deliveriesOf = new Map<number, Delivery[]>();
  const listeners: ((p: SendProgress) => void)[] = [];
  let nextId = 1;

  function about(input: AnnouncementInput): string {
    if (input.event_id !== null) return source.events().find((e) => e.id === input.event_id)?.title ?? "";
    if (input.tour_id !== null) return source.tours().find((t) => t.id === input.tour_id)?.title ?? "";
    return "";
  }
  function find(id: number): Announcement {
    const a = items.find((x) => x.id === id);
    if (!a) throw { code: "not_found", message: `There is no announcement ${id}.`, fields: [] };
    return a;
  }
  function progress(id: number): SendProgress {
    const a = find(id);
    const rows = deliveriesOf.get(id) ?? [];
    const count = (s: Delivery["status"]) => rows.filter((d) => d.status === s).length;
    return {
      announcement_id: id,
      state: a.state,
      running: a.state === "sending",
      total: rows.length,
      queued: count("queued"),
      sending: count("sending"),
      sent: count("sent"),
      written: count("written"),
      failed: count("failed"),
      uncertain: count("uncertain"),
      skipped: 0,
      soft_bounces: rows.reduce((n, d) => n + d.soft_bounces, 0),
      rate_per_minute: rows.length ? 120 : 0,
      seconds_left: count("queued") ? count("queued") / 2 : 0,
      note:
        a.note || (account.account ? "" : "No mail account is set up: each message is written to the outbox folder."),
    };
  }
  function report(id: number) {
    const p = progress(id);
    listeners.forEach((l) => l(p));
    return p;
  }
  function check(input: AnnouncementInput) {
    const fields = [];
    if (!input.subject.trim()) fields.push({ field: "subject", message: "Give the announcement a subject." });
    if (/[\r\n]/.test(input.subject)) fields.push({ field: "subject", message: "A subject is one line." });
    if (!input.body.trim()) fields.push({ field: "body", message: "Write the announcement's text." });
    if (fields.length) throw { code: "invalid", message: fields.map((f) => f.message).join("\n"), fields };
  }

  const account: AccountView = {
    account: null,
    password: "missing",
    keychain: true,
    outbox: "/tmp/handbill-outbox",
    sent_today: 0,
  };

  const backend: AnnounceBackend = {
    async announcementDraft(target, template) {
      calls.push(`draft:${template}`);
      const title =
        "event" in target
          ? source.events().find((e) => e.id === target.event)?.title
          : source.tours().find((t) => t.id === target.tour)?.title;
      if (!title) throw { code: "not_found", message: "That event no longer exists.", fields: [] };
      const prefix = {
        new_event: "",
        reminder: "Reminder: ",
        rescheduled: "Rescheduled: ",
        cancelled: "Cancelled: ",
        cosponsor_invitation: "Co-sponsor: ",
      }[template];
      return { subject: `${prefix}${title}`, body: `Hi {{first_name|friend}},\n\n**${title}** — join us.` };
    },
    async announcements(listId) {
      return items
        .filter((a) => a.list_id === listId)
        .slice()
        .reverse();
    },
    async announcement(id) {
      return find(id);
    },
    async saveAnnouncement(id, input) {
      calls.push(id === null ? "createAnnouncement" : "updateAnnouncement");
      check(input);
      if (id === null) {
        const list_name = "Announcements";
        const a: Announcement = {
          ...input,
          id: nextId++,
          list_name,
          state: "draft",
          note: "",
          about: about(input),
          created_at: "2026-11-25T10:00:00Z",
          queued_at: null,
          finished_at: null,
          written: 0,
        };
        items.push(a);
        return a;
      }
      const a = find(id);
      if (a.state !== "draft")
        throw {
          code: "invalid",
          message: "This announcement is already being sent; it can no longer be changed.",
          fields: [],
        };
      Object.assign(a, input, { about: about(input) });
      return a;
    },
    async previewAnnouncement(id, subscriberId) {
      const a = find(id);
      const person =
        subscriberId === null
          ? { email: "branch@example.org", name: "Sample Branch" }
          : source.reach(a.list_id).find((p) => p.id === subscriberId)!;
      const first = person.name.split(" ")[0] || "friend";
      const text = a.body.replace(/\{\{first_name(\|[^}]*)?\}\}/g, first);
      return {
        from: "Sample Branch <branch@example.org>",
        to: `${person.name} <${person.email}>`,
        subject: a.subject,
        headers: [
          ["List-Id", '"Announcements" <announcements.1.example.org>'],
          ["List-Unsubscribe", `<mailto:branch+unsubscribe-a${id}@example.org>`],
        ],
        text,
        html: `<p>${text.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]!)}</p>`,
        attachment: a.attach_flyer ? ["flyer.pdf", 24000] : null,
      };
    },
    async sendTest(id) {
      find(id);
      calls.push("sendTest");
      return account.account ? "branch@example.org" : "/tmp/handbill-outbox/test.eml";
    },
    async announcementReach(id) {
      return source.reach(find(id).list_id).length;
    },
    async startSending(id, again) {
      calls.push(again ? "startSendingAgain" : "startSending");
      const a = find(id);
      // The core's record: the same event, template and list that went out before.
      const earlier = items.find(
        (x) =>
          x.id !== id &&
          x.state !== "draft" &&
          x.state !== "cancelled" &&
          x.event_id === a.event_id &&
          x.tour_id === a.tour_id &&
          x.template === a.template &&
          x.list_id === a.list_id,
      );
      if (earlier && !again && a.state === "draft") {
        const message = `“${earlier.about}” was already announced to “${earlier.list_name}” with this template: announcement ${earlier.id} went out on 2026-11-25 10:05 UTC. Sending it again mails the same people twice; if that is what you mean, say so.`;
        throw { code: "invalid", message, fields: [{ field: "again", message }] };
      }
      a.state = "sending";
      a.queued_at = "2026-11-25T10:05:00Z";
      deliveriesOf.set(
        id,
        source.reach(a.list_id).map((p, i) => ({
          id: i + 1,
          email: p.email,
          name: p.name,
          status: "queued",
          attempts: 0,
          soft_bounces: 0,
          reply: "",
          updated_at: a.queued_at!,
        })),
      );
      return report(id);
    },
    async pauseSending(id) {
      calls.push("pauseSending");
      find(id).state = "paused";
      return report(id);
    },
    async resumeSending(id) {
      calls.push("resumeSending");
      find(id).state = "sending";
      return report(id);
    },
    async cancelSending(id) {
      calls.push("cancelSending");
      find(id).state = "cancelled";
      return report(id);
    },
    async sendProgress(id) {
      return progress(id);
    },
    async onSendProgress(callback) {
      listeners.push(callback);
      return () => listeners.splice(listeners.indexOf(callback), 1);
    },
    async deliveries(id, status) {
      return (deliveriesOf.get(id) ?? []).filter((d) => status === null || d.status === status);
    },
    async decideUncertain(id, ids, resend) {
      calls.push(resend ? "resendUncertain" : "markSent");
      for (const d of deliveriesOf.get(id) ?? []) if (ids.includes(d.id)) d.status = resend ? "queued" : "sent";
      return report(id);
    },
    async mailAccount() {
      return account;
    },
    async saveMailAccount(input: SmtpAccount) {
      calls.push("saveMailAccount");
      const fields = [];
      if (!input.host.trim())
        fields.push({ field: "host", message: "Give the mail server's name, such as smtp.example.org." });
      if (input.security === "plain" && !["localhost", "127.0.0.1", "::1"].includes(input.host))
        fields.push({
          field: "security",
          message: "Plain connections are only for a mail server on this machine; choose STARTTLS or TLS.",
        });
      if (fields.length) throw { code: "invalid", message: fields.map((f) => f.message).join("\n"), fields };
      account.account = { ...input };
      if (!input.username) account.password = "not_needed";
      return account;
    },
    async setMailPassword(password) {
      calls.push("setMailPassword");
      if (!password)
        throw {
          code: "invalid",
          message: "Type the password.",
          fields: [{ field: "password", message: "Type the password." }],
        };
      account.password = account.keychain ? "keychain" : "session";
      return account;
    },
    async removeMailAccount() {
      calls.push("removeMailAccount");
      account.account = null;
      account.password = "missing";
      return account;
    },
    async testMailAccount() {
      calls.push("testMailAccount");
      return account.account?.host === "smtp.example.org"
        ? { ok: true, problem: null, message: "Connected to smtp.example.org with STARTTLS and signed in." }
        : { ok: false, problem: "dns", message: `The name ${account.account?.host ?? ""} could not be found (DNS).` };
    },
  };

  return {
    backend,
    calls,
    items,
    deliveriesOf,
    account,
    advance(id, n) {
      for (const d of (deliveriesOf.get(id) ?? []).filter((x) => x.status === "queued").slice(0, n)) {
        d.status = "sent";
        d.attempts = 1;
        d.reply = "250 2.0.0 Ok: queued";
      }
      const p = progress(id);
      if (p.queued === 0 && p.sending === 0 && find(id).state === "sending") find(id).state = "done";
      report(id);
    },
    writeOutbox(id, n) {
      for (const d of (deliveriesOf.get(id) ?? []).filter((x) => x.status === "queued").slice(0, n)) {
        d.status = "written";
        d.attempts = 1;
        d.reply = `Written to the outbox (not sent): /tmp/handbill-outbox/announcement-${id}/${d.id}.eml`;
      }
      const a = find(id);
      const p = progress(id);
      if (p.queued === 0 && p.sending === 0 && a.state === "sending") {
        a.state = "done";
        a.written = p.written;
        a.note = `${p.written} messages were written to the outbox folder, not sent: no mail account is set up. The outbox's .eml files are not encrypted. Send them with: handbill send outbox ${id} --smtp URL`;
      }
      report(id);
    },
    leaveUncertain(id) {
      const d = (deliveriesOf.get(id) ?? []).find((x) => x.status === "queued");
      if (d) d.status = "uncertain";
      report(id);
    },
  };
}
