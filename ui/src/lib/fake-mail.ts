// The mail half of the fake backend: lists, subscribers, the consent ledger,
// segments and a small CSV import, kept in memory for UI tests. It follows the
// core's rules that the screens rely on: addresses unique without regard to
// case, consent that no import puts back, a report row for every CSV row.
import { dialogAnswer, type DialogAnswer } from "./fake-dialog";
import type {
  AppError,
  Backend,
  ConsentStatus,
  Field,
  ImportFinished,
  ImportPreview,
  ImportReport,
  List,
  ReportRow,
  Segment,
  SegmentFilter,
  SubscriberDetail,
  SubscriberInput,
  SubscriberRow,
} from "./backend";

type MailBackend = Pick<
  Backend,
  | "lists"
  | "createList"
  | "listFacets"
  | "segmentCount"
  | "segments"
  | "saveSegment"
  | "deleteSegment"
  | "searchSubscribers"
  | "subscriber"
  | "addSubscriber"
  | "updateSubscriber"
  | "setSubscriberStatus"
  | "deleteSubscriber"
  | "unsubscribeAddresses"
  | "exportCsv"
  | "defaultFolder"
  | "previewImport"
  | "startImport"
  | "cancelImport"
  | "saveImportReport"
  | "importJobs"
>;

type Person = SubscriberInput & { id: number };
type Ledger = { key: string; listId: number; status: string; source: string; at: string; evidence?: string };

export type FakeMail = {
  backend: MailBackend;
  calls: string[];
  lists: { id: number; name: string }[];
  people: Person[];
  memberships: Map<string, ConsentStatus>;
  ledger: Ledger[];
  saved: Map<string, string>;
  /** What the save dialog answers (null: cancelled; undefined: the suggestion as offered). */
  dialogAnswer: DialogAnswer;
  /** Resolves the running import when a test wants to see it in progress. */
  holdImport: boolean;
  releaseImport: () => void;
  /** A preview recorded from the core, returned for the next file instead of the fake's own reading. */
  recordedPreview: ImportPreview | null;
  /** Answer a return without evidence as the core does for someone who opted out. */
  refuseWithoutEvidence: boolean;
};

const AT = "2026-11-22T10:00:00Z";
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function err(field: string, message: string): AppError {
  return { code: "invalid", message, fields: [{ field, message }] };
}

export function fakeMail(): FakeMail {
  let nextId = 1;
  let staged: { name: string; text: string } | null = null;
  let lastReport: ImportReport | null = null;
  let release: (() => void) | null = null;
  const segments: Segment[] = [];

  const m: FakeMail = {
    calls: [],
    lists: [],
    people: [],
    memberships: new Map(),
    ledger: [],
    saved: new Map(),
    dialogAnswer: undefined,
    holdImport: false,
    recordedPreview: null,
    refuseWithoutEvidence: false,
    releaseImport: () => release?.(),
    backend: {} as MailBackend,
  };
  const mkey = (listId: number, id: number) => `${listId}:${id}`;
  const keyOf = (email: string) => email.trim().toLowerCase();

  function listSummary(l: { id: number; name: string }): List {
    const counts = { subscribed: 0, unsubscribed: 0, bounced: 0, cleaned: 0, complained: 0 };
    for (const [k, status] of m.memberships) if (k.startsWith(`${l.id}:`)) counts[status]++;
    return { id: l.id, name: l.name, created_at: AT, ...counts };
  }

  function matches(p: Person, f: SegmentFilter): boolean {
    if (f.tags.some((t) => t.trim() && !p.tags.some((pt) => pt.toLowerCase() === t.trim().toLowerCase()))) return false;
    if (f.city.trim() && p.city.toLowerCase() !== f.city.trim().toLowerCase()) return false;
    if (f.zip_prefix.trim() && !p.postal_code.startsWith(f.zip_prefix.trim())) return false;
    if (f.language.trim() && p.language !== f.language.trim() && !p.language.startsWith(`${f.language.trim()}-`))
      return false;
    return true;
  }

  function reach(listId: number, f: SegmentFilter): number {
    return m.people.filter((p) => m.memberships.get(mkey(listId, p.id)) === "subscribed" && matches(p, f)).length;
  }

  function lastStatus(key: string, listId: number): string | null {
    const lines = m.ledger.filter((l) => l.key === key && l.listId === listId && l.status !== "deleted");
    return lines.length ? lines[lines.length - 1].status : null;
  }

  function setStatus(p: Person, listId: number, status: ConsentStatus, source: string) {
    if (m.memberships.get(mkey(listId, p.id)) === status) return;
    m.memberships.set(mkey(listId, p.id), status);
    m.ledger.push({ key: keyOf(p.email), listId, status, source, at: AT });
  }

  function detail(id: number): SubscriberDetail {
    const p = m.people.find((x) => x.id === id);
    if (!p) throw { code: "not_found", message: `There is no subscriber number ${id}.`, fields: [] };
    return {
      subscriber: { ...p, created_at: AT, updated_at: AT },
      memberships: m.lists
        .filter((l) => m.memberships.has(mkey(l.id, id)))
        .map((l) => ({ list_id: l.id, list_name: l.name, status: m.memberships.get(mkey(l.id, id))!, since: AT })),
      ledger: m.ledger
        .filter((l) => l.key === keyOf(p.email))
        .map((l) => ({
          list_name: m.lists.find((x) => x.id === l.listId)!.name,
          branch_wide: false,
          status: l.status,
          source: l.source,
          evidence: l.evidence ?? "",
          at: l.at,
        })),
    };
  }

  function row(p: Person, listId: number | null): SubscriberRow {
    return {
      id: p.id,
      email: p.email,
      name: p.name,
      city: p.city,
      postal_code: p.postal_code,
      language: p.language,
      tags: p.tags,
      status: listId === null ? null : (m.memberships.get(mkey(listId, p.id)) ?? null),
    };
  }

  function checkInput(input: SubscriberInput, id: number | null): SubscriberInput {
    const email = input.email.trim();
    if (!EMAIL.test(email)) throw err("email", `“${email}” is not a valid email address.`);
    const other = m.people.find((p) => keyOf(p.email) === keyOf(email));
    if (other && other.id !== id) throw err("email", `${other.email} is already a subscriber.`);
    return {
      ...input,
      email,
      tags: input.tags
        .flatMap((t) => t.split(","))
        .map((t) => t.trim())
        .filter(Boolean),
    };
  }

  function parseCsv(text: string): string[][] {
    return text
      .split(/\r\n|\n|\r/)
      .filter((l) => l.trim())
      .map((l) => l.split(text.includes(";") && !text.includes(",") ? ";" : ",").map((c) => c.trim()));
  }

  function recognize(header: string): Field {
    const h = header.toLowerCase().replace(/[^a-z]/g, "");
    if (["email", "emailaddress"].includes(h)) return "email";
    if (["name", "fullname"].includes(h)) return "name";
    if (["firstname", "first"].includes(h)) return "first_name";
    if (["lastname", "last"].includes(h)) return "last_name";
    if (h === "city") return "city";
    if (["zip", "zipcode", "postalcode"].includes(h)) return "postal_code";
    if (h === "language") return "language";
    if (h === "tags") return "tags";
    return "ignore";
  }

  m.backend = {
    async lists() {
      m.calls.push("lists");
      return m.lists.map(listSummary).sort((a, b) => a.name.localeCompare(b.name));
    },
    async createList(name) {
      m.calls.push("createList");
      if (!name.trim()) throw err("name", "Give the list a name, such as “Announcements”.");
      if (m.lists.some((l) => l.name.toLowerCase() === name.trim().toLowerCase()))
        throw err("name", `There is already a list called “${name.trim()}”. Choose another name.`);
      const l = { id: nextId++, name: name.trim() };
      m.lists.push(l);
      return listSummary(l);
    },
    async listFacets(listId) {
      const members = m.people.filter((p) => m.memberships.has(mkey(listId, p.id)));
      const uniq = (xs: string[]) => [...new Set(xs.filter(Boolean))];
      return {
        tags: uniq(members.flatMap((p) => p.tags)),
        cities: uniq(members.map((p) => p.city)),
        languages: uniq(members.map((p) => p.language)),
      };
    },
    async segmentCount(listId, filter) {
      m.calls.push("segmentCount");
      return reach(listId, filter);
    },
    async segments(listId) {
      return segments.filter((s) => s.list_id === listId).map((s) => ({ ...s, count: reach(listId, s.filter) }));
    },
    async saveSegment(listId, name, filter) {
      m.calls.push("saveSegment");
      if (!name.trim()) throw err("segment_name", "Give the segment a name.");
      const s = { id: nextId++, list_id: listId, name: name.trim(), filter, count: reach(listId, filter) };
      segments.push(s);
      return s;
    },
    async deleteSegment(id) {
      const i = segments.findIndex((s) => s.id === id);
      if (i >= 0) segments.splice(i, 1);
    },
    async searchSubscribers(q) {
      m.calls.push(`search:${q.text}`);
      const needle = q.text.trim().toLowerCase();
      const found = m.people
        .filter((p) => q.list_id === null || m.memberships.has(mkey(q.list_id, p.id)))
        .filter((p) => !needle || `${p.email} ${p.name}`.toLowerCase().includes(needle))
        .sort((a, b) => a.email.localeCompare(b.email));
      const page = found.slice(q.offset, q.offset + q.limit).map((p) => row(p, q.list_id));
      return { rows: page, total: found.length, more: q.offset + page.length < found.length };
    },
    async subscriber(id) {
      return detail(id);
    },
    async addSubscriber(input, listId) {
      m.calls.push("addSubscriber");
      const clean = checkInput(input, null);
      const p = { ...clean, id: nextId++ };
      m.people.push(p);
      if (listId !== null) {
        const left = lastStatus(keyOf(p.email), listId);
        setStatus(
          p,
          listId,
          left && left !== "subscribed" ? (left as ConsentStatus) : "subscribed",
          "Added in the window",
        );
      }
      return detail(p.id);
    },
    async updateSubscriber(id, input) {
      m.calls.push("updateSubscriber");
      const clean = checkInput(input, id);
      const p = m.people.find((x) => x.id === id)!;
      Object.assign(p, clean);
      return detail(id);
    },
    async setSubscriberStatus(id, listId, status, source, onlyThisList = false) {
      m.calls.push(`setStatus:${status}${onlyThisList ? ":only" : ""}`);
      const p = m.people.find((x) => x.id === id)!;
      if (status === "subscribed" && m.refuseWithoutEvidence && !source.trim())
        throw err("evidence", `${p.email} opted out. Say how they asked to come back: the consent ledger keeps it.`);
      setStatus(p, listId, status, source || "Changed in the window");
      if (status === "subscribed" && source.trim()) m.ledger[m.ledger.length - 1].evidence = source.trim();
      return detail(id);
    },
    async deleteSubscriber(id) {
      m.calls.push("deleteSubscriber");
      const p = m.people.find((x) => x.id === id)!;
      for (const l of m.lists)
        if (m.memberships.delete(mkey(l.id, id)))
          m.ledger.push({
            key: keyOf(p.email),
            listId: l.id,
            status: "deleted",
            source: "Deleted in the window",
            at: AT,
          });
      m.people = m.people.filter((x) => x.id !== id);
    },
    async unsubscribeAddresses(text, listId) {
      m.calls.push("unsubscribeAddresses");
      const words = text.split(/[\s,;<>]+/).filter((w) => w.includes("@"));
      if (!words.length) throw err("addresses", "No email addresses were found in the text.");
      const report = {
        unsubscribed: [] as string[],
        already: [] as string[],
        not_subscribers: [] as string[],
        invalid: [] as string[],
      };
      const lists = listId === null ? m.lists.map((l) => l.id) : [listId];
      for (const w of words) {
        if (!EMAIL.test(w)) {
          report.invalid.push(w);
          continue;
        }
        const p = m.people.find((x) => keyOf(x.email) === keyOf(w));
        if (!p) {
          report.not_subscribers.push(w);
          for (const l of lists)
            m.ledger.push({ key: keyOf(w), listId: l, status: "unsubscribed", source: "Pasted", at: AT });
          continue;
        }
        let changed = false;
        for (const l of lists)
          if (m.memberships.get(mkey(l, p.id)) === "subscribed") {
            setStatus(p, l, "unsubscribed", "Pasted in the window (asked to leave)");
            changed = true;
          }
        (changed ? report.unsubscribed : report.already).push(p.email);
      }
      return report;
    },
    async exportCsv(options, suggested) {
      m.calls.push(`exportCsv:${suggested}`);
      const path = dialogAnswer(m.dialogAnswer, suggested);
      if (path === null) return null;
      const rows = m.people.filter(
        (p) =>
          m.memberships.has(mkey(options.list_id, p.id)) &&
          (options.include_all || m.memberships.get(mkey(options.list_id, p.id)) === "subscribed") &&
          matches(p, options.filter),
      );
      m.saved.set(path, rows.map((p) => p.email).join("\n"));
      return { path, rows: rows.length };
    },
    async defaultFolder() {
      return "/home/organizer/Documents";
    },
    async previewImport(name, bytes) {
      m.calls.push("previewImport");
      const text = new TextDecoder().decode(bytes);
      if (!text.trim()) throw err("file", "The file is empty: there is nothing to import.");
      const rows = parseCsv(text);
      if (rows.length < 2)
        throw err("file", "The file has a header line but no rows under it: there is nobody to import.");
      staged = { name, text };
      if (m.recordedPreview) return { ...m.recordedPreview, file_name: name };
      const preview: ImportPreview = {
        file_name: name,
        encoding: "UTF-8",
        delimiter: "comma",
        source_kind: "spreadsheet",
        has_header: true,
        rows: rows.length - 1,
        default_status: "subscribed",
        columns: rows[0].map((h, i) => ({
          index: i,
          header: h,
          field: recognize(h),
          samples: rows
            .slice(1, 4)
            .map((r) => r[i] ?? "")
            .filter(Boolean),
          reading: "",
        })),
        notices: [],
      };
      return preview;
    },
    async startImport(options, onProgress): Promise<ImportFinished> {
      m.calls.push("startImport");
      if (!staged) return { report: null, error: err("file", "Choose a CSV file first.") };
      const rows = parseCsv(staged.text);
      const mapping = options.mapping.length ? options.mapping : rows[0].map(recognize);
      const emailAt = mapping.indexOf("email");
      if (emailAt < 0) return { report: null, error: err("mapping", "Choose which column holds the email addresses.") };
      const list = m.lists.find((l) => l.id === options.list_id)!;
      onProgress({ job_id: 1, rows_done: 0, rows_total: rows.length - 1, phase: "reading" });
      if (m.holdImport) {
        onProgress({ job_id: 1, rows_done: 1, rows_total: rows.length - 1, phase: "writing" });
        const cancelled = await new Promise<boolean>(
          (resolve) => ((release = () => resolve(false)), (cancel = () => resolve(true))),
        );
        if (cancelled) {
          return {
            report: { ...emptyReport(staged.name, list.name), state: "cancelled" },
            error: null,
          };
        }
      }
      const report = emptyReport(staged.name, list.name);
      const seen = new Map<string, number>();
      rows.slice(1).forEach((cells, i) => {
        const line = i + 2;
        report.rows++;
        const email = cells[emailAt] ?? "";
        const entry = (outcome: ReportRow["outcome"], detail: string) =>
          report.entries.push({ line, email, outcome, detail, warnings: [] });
        if (!EMAIL.test(email)) {
          report.rejected++;
          return entry("rejected", `“${email}” is not a valid email address.`);
        }
        if (seen.has(keyOf(email))) {
          report.rejected++;
          return entry("rejected", `Duplicate: the same address is on line ${seen.get(keyOf(email))} of this file.`);
        }
        seen.set(keyOf(email), line);
        const value = (f: Field) => (mapping.indexOf(f) >= 0 ? (cells[mapping.indexOf(f)] ?? "") : "");
        const existing = m.people.find((p) => keyOf(p.email) === keyOf(email));
        if (existing) {
          report.merged++;
          const status = m.memberships.get(mkey(list.id, existing.id));
          if (status && status !== "subscribed") {
            report.kept_off++;
            return entry("merged", `Stays ${status}: an import never resubscribes anyone.`);
          }
          if (!status) setStatus(existing, list.id, "subscribed", `Import of ${staged!.name}, line ${line}`);
          return entry("merged", "Already a subscriber; nothing new to fill in.");
        }
        const p: Person = {
          id: nextId++,
          email,
          name: value("name") || `${value("first_name")} ${value("last_name")}`.trim(),
          first_name: value("first_name"),
          language: value("language"),
          city: value("city"),
          postal_code: value("postal_code"),
          tags: value("tags")
            .split(",")
            .map((t) => t.trim())
            .filter(Boolean),
          notes: "",
        };
        m.people.push(p);
        if (!options.dry_run) setStatus(p, list.id, "subscribed", `Import of ${staged!.name}, line ${line}`);
        report.imported++;
        entry("imported", "");
      });
      onProgress({ job_id: 1, rows_done: report.rows, rows_total: report.rows, phase: "finished" });
      lastReport = report;
      return { report, error: null };
    },
    async cancelImport() {
      m.calls.push("cancelImport");
      cancel?.();
      return true;
    },
    async saveImportReport(suggested) {
      m.calls.push(`saveImportReport:${suggested}`);
      if (!lastReport) throw { code: "not_found", message: "There is no import report to save yet.", fields: [] };
      const path = dialogAnswer(m.dialogAnswer, suggested);
      if (path === null) return null;
      m.saved.set(path, lastReport.entries.map((e) => `${e.line},${e.email},${e.outcome},${e.detail}`).join("\n"));
      return path;
    },
    async importJobs() {
      return [];
    },
  };
  let cancel: (() => void) | null = null;
  return m;
}

function emptyReport(file: string, list: string): ImportReport {
  return {
    job_id: 1,
    file_name: file,
    list_name: list,
    state: "done",
    rows: 0,
    imported: 0,
    merged: 0,
    rejected: 0,
    kept_off: 0,
    not_subscribed: 0,
    warnings: 0,
    entries: [],
    entries_omitted: 0,
  };
}

/** A fake with the "Announcements" list and a few people, one of whom unsubscribed. */
export function sampleMail(): FakeMail {
  const m = fakeMail();
  m.lists.push({ id: 100, name: "Announcements" });
  const people: [string, string, string, string, string, string[], ConsentStatus][] = [
    ["ana.alvarez@example.org", "Ana Alvarez", "Boston", "02115", "en", ["volunteer"], "subscribed"],
    ["ben.brooks@example.org", "Ben Brooks", "Cambridge", "02139", "es", ["student"], "subscribed"],
    ["carmen.cruz@example.org", "Carmen Cruz", "Somerville", "02143", "es", ["volunteer", "student"], "subscribed"],
    ["deshawn.dubois@example.org", "Deshawn Dubois", "Boston", "02130", "en", [], "unsubscribed"],
  ];
  people.forEach(([email, name, city, zip, language, tags, status], i) => {
    const p = {
      id: 200 + i,
      email,
      name,
      first_name: name.split(" ")[0],
      language,
      city,
      postal_code: zip,
      tags,
      notes: "",
    };
    m.people.push(p);
    m.memberships.set(`100:${p.id}`, status);
    m.ledger.push({ key: email, listId: 100, status: "subscribed", source: "Sample sign-up sheet", at: AT });
    if (status !== "subscribed")
      m.ledger.push({ key: email, listId: 100, status, source: "Sample: replied asking to leave", at: AT });
  });
  return m;
}
