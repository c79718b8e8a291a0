// The Coalition part of the fake Backend: organizations, co-sponsorships,
// demand lists with versions, kept in memory with the core's shapes and its
// main rules (a name is required, a likely duplicate is warned about, a logo
// must be PNG or JPEG and a bad one keeps the old, a list an announced event
// uses gets a new version when edited), for UI tests.
import { dialogAnswer, type DialogAnswer } from "./fake-dialog";
import type {
  CoalitionBackend,
  Cosponsorship,
  DemandList,
  DemandListInput,
  DemandListVersion,
  DuplicateWarning,
  Endorsement,
  Organization,
  OrganizationInput,
  OrgImportReport,
} from "./coalition-backend";

export type FakeCoalition = {
  backend: CoalitionBackend;
  organizations: Organization[];
  cosponsorships: Cosponsorship[];
  versions: DemandListVersion[];
  /** event id → version id */
  uses: Map<number, number>;
  /** Events the fake treats as announced (their list gets a new version on edit). */
  announced: Set<number>;
  endorsements: Endorsement[];
  calls: string[];
  /** What the save dialog answers (null: cancelled; undefined: the suggestion as offered). */
  dialogAnswer: DialogAnswer;
  addOrganization(input: Partial<OrganizationInput> & { name: string }): Organization;
  addList(input: DemandListInput): DemandList;
};

function invalid(field: string, message: string): never {
  throw { code: "invalid", message, fields: [{ field, message }] };
}

function notFound(message: string): never {
  throw { code: "not_found", message, fields: [] };
}

const fold = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");
const host = (s: string) =>
  s
    .toLowerCase()
    .replace(/^https?:\/\//, "")
    .replace(/^www\./, "")
    .split("/")[0];

export function fakeCoalition(eventTitle: (id: number) => string = (id) => `Event ${id}`): FakeCoalition {
  let nextId = 1;
  const now = "2026-11-22T10:00:00Z";
  const f: FakeCoalition = {
    organizations: [],
    cosponsorships: [],
    versions: [],
    uses: new Map(),
    announced: new Set(),
    endorsements: [],
    calls: [],
    dialogAnswer: undefined,
    addOrganization(input) {
      const o = build(nextId++, { ...blank(), ...input });
      f.organizations.push(o);
      return o;
    },
    addList(input) {
      const listId = nextId++;
      f.versions.push(version(listId, 1, input));
      return list(listId);
    },
    backend: {} as CoalitionBackend,
  };

  function blank(): OrganizationInput {
    return {
      name: "",
      short_name: "",
      kind: "community_organization",
      website: "",
      email: "",
      phone: "",
      notes: "",
      tags: [],
      contacts: [],
    };
  }

  function build(id: number, input: OrganizationInput, logo: Organization["logo"] = null): Organization {
    return {
      id,
      ...input,
      contacts: input.contacts.map((c) => ({
        id: c.id ?? nextId++,
        organization_id: id,
        name: c.name,
        role: c.role,
        email: c.email,
        phone: c.phone,
      })),
      logo,
      created_at: now,
      updated_at: now,
    };
  }

  function duplicates(input: OrganizationInput, except: number | null): DuplicateWarning[] {
    const out: DuplicateWarning[] = [];
    for (const o of f.organizations) {
      if (o.id === except) continue;
      if (fold(o.name) === fold(input.name) && fold(input.name))
        out.push({
          organization_id: o.id,
          name: o.name,
          reason: "same_name",
          message: `“${o.name}” is already known under that name.`,
        });
      else if (input.website && o.website && host(o.website) === host(input.website))
        out.push({
          organization_id: o.id,
          name: o.name,
          reason: "same_website",
          message: `“${o.name}” has the same website.`,
        });
    }
    return out;
  }

  function check(input: OrganizationInput) {
    if (!input.name.trim()) invalid("name", "Give the organization a name.");
    if (input.email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(input.email))
      invalid("email", `“${input.email}” is not an email address.`);
  }

  function org(id: number): Organization {
    return f.organizations.find((o) => o.id === id) ?? notFound(`There is no organization number ${id}.`);
  }

  function version(listId: number, number: number, input: DemandListInput): DemandListVersion {
    return {
      id: nextId++,
      list_id: listId,
      number,
      title: input.title,
      intro: input.intro,
      demands: input.demands.map((d, i) => ({ key: d.key ?? nextId++, number: i + 1, text: d.text })),
      language: "en",
      untranslated: 0,
      translations: [],
      created_at: now,
    };
  }

  function versionsOf(listId: number) {
    return f.versions.filter((v) => v.list_id === listId).sort((a, b) => a.number - b.number);
  }

  function list(listId: number): DemandList {
    const vs = versionsOf(listId);
    if (!vs.length) notFound(`There is no demand list number ${listId}.`);
    const uses = [...f.uses.entries()]
      .map(([eventId, vid]) => ({ eventId, v: f.versions.find((x) => x.id === vid)! }))
      .filter((u) => u.v.list_id === listId)
      .map((u) => ({
        event_id: u.eventId,
        tour_id: null,
        title: eventTitle(u.eventId),
        version_number: u.v.number,
        announced: f.announced.has(u.eventId),
      }));
    return {
      id: listId,
      latest: vs[vs.length - 1],
      version_ids: vs.map((v) => v.id),
      uses,
      created_at: now,
      updated_at: now,
    };
  }

  function cosponsorship(targetId: number, orgId: number) {
    return f.cosponsorships.find((c) => c.target.id === targetId && c.organization_id === orgId);
  }

  f.backend = {
    async organizations() {
      return [...f.organizations].sort((a, b) => a.name.localeCompare(b.name));
    },
    async organization(id) {
      return org(id);
    },
    async organizationDuplicates(input, except) {
      f.calls.push("organizationDuplicates");
      return duplicates(input, except);
    },
    async createOrganization(input) {
      f.calls.push("createOrganization");
      check(input);
      const warnings = duplicates(input, null);
      const o = build(nextId++, input);
      f.organizations.push(o);
      return { organization: o, warnings };
    },
    async updateOrganization(id, input) {
      f.calls.push("updateOrganization");
      check(input);
      const old = org(id);
      const o = build(id, input, old.logo);
      f.organizations = f.organizations.map((x) => (x.id === id ? o : x));
      return { organization: o, warnings: duplicates(input, id) };
    },
    async deleteOrganization(id) {
      f.organizations = f.organizations.filter((o) => o.id !== id);
    },
    async setOrganizationLogo(id, bytes) {
      f.calls.push("setOrganizationLogo");
      const o = org(id);
      const png = bytes[0] === 0x89 && bytes[1] === 0x50;
      const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
      if (!png && !jpeg)
        invalid("logo", "The logo must be a PNG or JPEG image; this file is neither. The old logo is kept.");
      o.logo = { media_type: png ? "image/png" : "image/jpeg", width: 1, height: 1, size_bytes: bytes.length };
      return o;
    },
    async clearOrganizationLogo(id) {
      const o = org(id);
      o.logo = null;
      return o;
    },
    async organizationLogo(id) {
      return org(id).logo ? "data:image/png;base64,iVBORw0KGgo=" : null;
    },
    async organizationHistory(id) {
      return f.cosponsorships.filter((c) => c.organization_id === id);
    },
    async previewOrganizations(fileName, bytes) {
      f.calls.push("previewOrganizations");
      const lines = new TextDecoder().decode(bytes).trim().split(/\r?\n/);
      const headers = lines[0].split(",");
      const fields = headers.map((h) => {
        const k = fold(h);
        return (
          k === "name" || k === "organization"
            ? "name"
            : k === "website"
              ? "website"
              : k === "email"
                ? "email"
                : k === "kind"
                  ? "kind"
                  : "ignore"
        ) as never;
      });
      return {
        file_name: fileName,
        encoding: "UTF-8",
        delimiter: ",",
        rows: lines.length - 1,
        columns: headers.map((h, i) => ({
          index: i,
          header: h,
          field: fields[i],
          samples: lines.slice(1, 4).map((l) => l.split(",")[i] ?? ""),
        })),
        notices: (fields as string[]).includes("name")
          ? []
          : ["No column looks like the organizations' names. Choose which column holds them before importing."],
      };
    },
    async importOrganizations(fileName, bytes, options) {
      f.calls.push(`importOrganizations:${options.dry_run}`);
      if (!options.mapping.includes("name"))
        invalid("mapping", "Choose which column holds the organizations' names; nothing was imported.");
      const lines = new TextDecoder().decode(bytes).trim().split(/\r?\n/).slice(1);
      const col = options.mapping.indexOf("name");
      const report: OrgImportReport = {
        file_name: fileName,
        dry_run: options.dry_run,
        rows: lines.length,
        imported: 0,
        rejected: 0,
        entries: [],
      };
      lines.forEach((l, i) => {
        const name = (l.split(",")[col] ?? "").trim();
        const dup = name && f.organizations.some((o) => fold(o.name) === fold(name));
        if (!name || dup) {
          report.rejected++;
          report.entries.push({
            line: i + 2,
            name,
            outcome: "rejected",
            detail: name ? `“${name}” is already known.` : "The name is empty.",
            organization_id: null,
          });
        } else {
          report.imported++;
          const o = options.dry_run ? null : f.addOrganization({ name });
          report.entries.push({ line: i + 2, name, outcome: "imported", detail: "", organization_id: o?.id ?? null });
        }
      });
      return report;
    },

    async cosponsorships(target) {
      return f.cosponsorships
        .filter((c) => c.target.kind === target.kind && c.target.id === target.id)
        .sort((a, b) => a.position - b.position);
    },
    async setCosponsorStatus(target, organizationId, step) {
      f.calls.push(`setCosponsorStatus:${organizationId}:${step.status}`);
      const o = org(organizationId);
      const date = step.date.trim();
      if (date && !/^\d{4}-\d{2}-\d{2}$/.test(date))
        invalid(
          "date",
          `“${date}” is not a date. Write it as YYYY-MM-DD, such as 2027-01-20, or leave it empty for today.`,
        );
      let c = cosponsorship(target.id, organizationId);
      if (c?.status === "confirmed" && step.status !== "withdrawn")
        invalid("status", "A confirmed co-sponsor can only withdraw. Record that it withdrew first.");
      if (!c) {
        c = {
          id: nextId++,
          organization_id: o.id,
          organization_name: o.name,
          target,
          target_title: eventTitle(target.id),
          target_date: "2027-01-30",
          status: step.status,
          logo_permitted: false,
          position: 0,
          steps: [],
        };
        f.cosponsorships.push(c);
      }
      c.status = step.status;
      if (step.status === "confirmed")
        c.position = f.cosponsorships.filter((x) => x.target.id === target.id && x.status === "confirmed").length;
      const contact = o.contacts.find((x) => x.id === step.contact_id);
      c.steps.push({
        id: nextId++,
        status: step.status,
        on_date: date || "2026-11-22",
        contact_id: step.contact_id,
        contact_name: contact?.name ?? "",
        note: step.note,
        recorded_at: now,
      });
      return c;
    },
    async setLogoPermitted(id, permitted) {
      const c = f.cosponsorships.find((x) => x.id === id) ?? notFound("No such co-sponsorship.");
      c.logo_permitted = permitted;
      return c;
    },
    async reorderCosponsors(target, ids) {
      f.calls.push(`reorderCosponsors:${ids.join(",")}`);
      ids.forEach((id, i) => {
        const c = cosponsorship(target.id, id);
        if (c) c.position = i + 1;
      });
      return f.backend.cosponsorships(target);
    },
    async coalitionBoard(filter) {
      return f.cosponsorships
        .filter(
          (c) =>
            (!filter.status || c.status === filter.status) &&
            (!filter.event_id || c.target.id === filter.event_id) &&
            (!filter.organization_id || c.organization_id === filter.organization_id),
        )
        .map((c) => ({
          cosponsorship_id: c.id,
          organization_id: c.organization_id,
          organization_name: c.organization_name,
          target: c.target,
          target_title: c.target_title,
          target_date: c.target_date,
          status: c.status,
          last_step_on: c.steps.at(-1)?.on_date ?? "",
          logo_permitted: c.logo_permitted,
        }));
    },

    async demandLists() {
      const ids = [...new Set(f.versions.map((v) => v.list_id))];
      return ids.map((id) => {
        const l = list(id);
        return {
          id,
          title: l.latest.title,
          demands: l.latest.demands.length,
          latest_version: l.latest.number,
          updated_at: now,
        };
      });
    },
    async demandList(id) {
      return list(id);
    },
    async createDemandList(input) {
      f.calls.push("createDemandList");
      if (!input.title.trim()) invalid("title", "Give the list a title.");
      return f.addList(input);
    },
    async updateDemandList(id, input) {
      f.calls.push("updateDemandList");
      if (!input.title.trim()) invalid("title", "Give the list a title.");
      const l = list(id);
      const used = l.uses.some((u) => u.announced && u.version_number === l.latest.number);
      if (used) f.versions.push(version(id, l.latest.number + 1, input));
      else {
        const v = version(id, l.latest.number, input);
        v.id = l.latest.id;
        f.versions = f.versions.map((x) => (x.id === v.id ? v : x));
      }
      return list(id);
    },
    async moveDemand(id, from, to) {
      f.calls.push(`moveDemand:${from}:${to}`);
      const l = list(id);
      const demands = l.latest.demands.map((d) => ({ key: d.key, text: d.text }));
      const [d] = demands.splice(from - 1, 1);
      demands.splice(to - 1, 0, d);
      return f.backend.updateDemandList(id, { title: l.latest.title, intro: l.latest.intro, demands });
    },
    async demandVersion(versionId) {
      return f.versions.find((v) => v.id === versionId) ?? notFound("No such version.");
    },
    async diffDemandVersions(fromId, toId) {
      const a = await f.backend.demandVersion(fromId, null);
      const b = await f.backend.demandVersion(toId, null);
      const changes = [];
      for (const d of b.demands) {
        const old = a.demands.find((x) => x.key === d.key);
        if (!old)
          changes.push({
            kind: "added" as const,
            key: d.key,
            old_number: null,
            new_number: d.number,
            old_text: "",
            new_text: d.text,
            moved: false,
          });
        else if (old.text !== d.text)
          changes.push({
            kind: "changed" as const,
            key: d.key,
            old_number: old.number,
            new_number: d.number,
            old_text: old.text,
            new_text: d.text,
            moved: old.number !== d.number,
          });
      }
      for (const d of a.demands)
        if (!b.demands.some((x) => x.key === d.key))
          changes.push({
            kind: "removed" as const,
            key: d.key,
            old_number: d.number,
            new_number: null,
            old_text: d.text,
            new_text: "",
            moved: false,
          });
      return {
        from_version: a.number,
        to_version: b.number,
        title: a.title === b.title ? null : { old: a.title, new: b.title },
        intro: a.intro === b.intro ? null : { old: a.intro, new: b.intro },
        changes,
      };
    },
    async endorse(organizationId, versionId, date, note) {
      const v = await f.backend.demandVersion(versionId, null);
      const e = {
        organization_id: organizationId,
        organization_name: org(organizationId).name,
        version_id: versionId,
        version_number: v.number,
        endorsed_on: date || "2026-11-22",
        note,
      };
      f.endorsements.push(e);
      return e;
    },
    async endorsements(versionId) {
      return f.endorsements.filter((e) => e.version_id === versionId);
    },
    async setTranslation(versionId, input) {
      const v = await f.backend.demandVersion(versionId, null);
      if (!v.translations.includes(input.language)) v.translations.push(input.language);
      return v;
    },
    async eventDemandList(eventId) {
      const vid = f.uses.get(eventId);
      return vid ? f.backend.demandVersion(vid, null) : null;
    },
    async attachDemandList(eventId, listId) {
      if (listId === null) {
        f.uses.delete(eventId);
        return null;
      }
      const l = list(listId);
      f.uses.set(eventId, l.latest.id);
      return l.latest;
    },
    async moveDemandsToLatest(eventId) {
      const v = await f.backend.eventDemandList(eventId);
      if (!v) return null;
      return f.backend.attachDemandList(eventId, v.list_id);
    },
    async draftInvitation(eventId, contactId, suggested) {
      f.calls.push(`draftInvitation:${eventId}:${contactId}:${suggested}`);
      const o = f.organizations.find((x) => x.contacts.some((c) => c.id === contactId)) ?? notFound("No such contact.");
      const c = o.contacts.find((x) => x.id === contactId)!;
      if (!c.email)
        invalid(
          "contact_id",
          `${c.name} of ${o.name} has no email address. Add one to the contact, or choose another contact.`,
        );
      return {
        draft: {
          id: nextId++,
          purpose: "cosponsor_invitation",
          event_id: eventId,
          organization_id: o.id,
          contact_id: c.id,
          from_name: "Branch",
          from_address: "branch@example.org",
          to_name: c.name,
          to_address: c.email,
          subject: `Co-sponsor ${eventTitle(eventId)}?`,
          body: "Dear …",
          created_at: now,
        },
        path: dialogAnswer(f.dialogAnswer, suggested),
      };
    },
  };
  return f;
}
