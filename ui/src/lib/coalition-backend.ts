// The Coalition part of the one door to Handbill's core: organizations,
// co-sponsorships, the board, demand lists and invitations. `Backend` extends
// this interface and the Tauri backend spreads `tauriCoalition`, so screens
// still receive one `Backend`.
import * as commands from "./commands";
import type { BoardFilter } from "./bindings/BoardFilter";
import type { BoardRow } from "./bindings/BoardRow";
import type { Contact } from "./bindings/Contact";
import type { ContactInput } from "./bindings/ContactInput";
import type { CosponsorStatus } from "./bindings/CosponsorStatus";
import type { CosponsorTarget } from "./bindings/CosponsorTarget";
import type { Cosponsorship } from "./bindings/Cosponsorship";
import type { CosponsorshipStep } from "./bindings/CosponsorshipStep";
import type { Demand } from "./bindings/Demand";
import type { DemandChange } from "./bindings/DemandChange";
import type { DemandInput } from "./bindings/DemandInput";
import type { DemandList } from "./bindings/DemandList";
import type { DemandListDiff } from "./bindings/DemandListDiff";
import type { DemandListInput } from "./bindings/DemandListInput";
import type { DemandListSummary } from "./bindings/DemandListSummary";
import type { DemandListVersion } from "./bindings/DemandListVersion";
import type { DuplicateWarning } from "./bindings/DuplicateWarning";
import type { EmailDraft } from "./bindings/EmailDraft";
import type { Endorsement } from "./bindings/Endorsement";
import type { OrgField } from "./bindings/OrgField";
import type { OrgImportOptions } from "./bindings/OrgImportOptions";
import type { OrgImportPreview } from "./bindings/OrgImportPreview";
import type { OrgImportReport } from "./bindings/OrgImportReport";
import type { Organization } from "./bindings/Organization";
import type { OrganizationInput } from "./bindings/OrganizationInput";
import type { OrganizationKind } from "./bindings/OrganizationKind";
import type { OrganizationSaved } from "./bindings/OrganizationSaved";
import type { StepInput } from "./bindings/StepInput";
import type { TranslationInput } from "./bindings/TranslationInput";

export type {
  BoardFilter,
  BoardRow,
  Contact,
  ContactInput,
  CosponsorStatus,
  CosponsorTarget,
  Cosponsorship,
  CosponsorshipStep,
  Demand,
  DemandChange,
  DemandInput,
  DemandList,
  DemandListDiff,
  DemandListInput,
  DemandListSummary,
  DemandListVersion,
  DuplicateWarning,
  EmailDraft,
  Endorsement,
  OrgField,
  OrgImportOptions,
  OrgImportPreview,
  OrgImportReport,
  Organization,
  OrganizationInput,
  OrganizationKind,
  OrganizationSaved,
  StepInput,
  TranslationInput,
};

export interface CoalitionBackend {
  organizations(): Promise<Organization[]>;
  organization(id: number): Promise<Organization>;
  /** Known organizations the one being typed may be (same name or website); asked before saving. */
  organizationDuplicates(input: OrganizationInput, except: number | null): Promise<DuplicateWarning[]>;
  createOrganization(input: OrganizationInput): Promise<OrganizationSaved>;
  updateOrganization(id: number, input: OrganizationInput): Promise<OrganizationSaved>;
  deleteOrganization(id: number): Promise<void>;
  /** A PNG or JPEG; anything else is refused and the old logo kept. */
  setOrganizationLogo(id: number, bytes: Uint8Array): Promise<Organization>;
  clearOrganizationLogo(id: number): Promise<Organization>;
  /** The logo as a data: URL, or null. */
  organizationLogo(id: number): Promise<string | null>;
  /** Every co-sponsorship of the organization: its history with the branch. */
  organizationHistory(id: number): Promise<Cosponsorship[]>;
  previewOrganizations(fileName: string, bytes: Uint8Array): Promise<OrgImportPreview>;
  importOrganizations(fileName: string, bytes: Uint8Array, options: OrgImportOptions): Promise<OrgImportReport>;

  cosponsorships(target: CosponsorTarget): Promise<Cosponsorship[]>;
  setCosponsorStatus(target: CosponsorTarget, organizationId: number, step: StepInput): Promise<Cosponsorship>;
  setLogoPermitted(cosponsorshipId: number, permitted: boolean): Promise<Cosponsorship>;
  /** The order of the confirmed co-sponsors, by organization id, first first. */
  reorderCosponsors(target: CosponsorTarget, organizationIds: number[]): Promise<Cosponsorship[]>;
  coalitionBoard(filter: BoardFilter): Promise<BoardRow[]>;

  demandLists(): Promise<DemandListSummary[]>;
  demandList(id: number): Promise<DemandList>;
  createDemandList(input: DemandListInput): Promise<DemandList>;
  /** Saves new words; a list an announced event uses gets a new version. */
  updateDemandList(id: number, input: DemandListInput): Promise<DemandList>;
  /** Moves demand number `from` to number `to` (from 1). */
  moveDemand(id: number, from: number, to: number): Promise<DemandList>;
  /** One version; with a language, in that language. */
  demandVersion(versionId: number, language: string | null): Promise<DemandListVersion>;
  diffDemandVersions(fromVersionId: number, toVersionId: number): Promise<DemandListDiff>;
  endorse(organizationId: number, versionId: number, date: string, note: string): Promise<Endorsement>;
  endorsements(versionId: number): Promise<Endorsement[]>;
  setTranslation(versionId: number, input: TranslationInput): Promise<DemandListVersion>;
  /** The version of a demand list the event carries, or null. */
  eventDemandList(eventId: number): Promise<DemandListVersion | null>;
  /** Attaches a list's latest version to the event; null detaches. */
  attachDemandList(eventId: number, listId: number | null): Promise<DemandListVersion | null>;
  moveDemandsToLatest(eventId: number): Promise<DemandListVersion | null>;
  /** Saves the invitation as an email draft and writes it as .eml to the file picked
   * in the save dialog, which starts from `suggested`; path is null when it was closed. */
  draftInvitation(
    eventId: number,
    contactId: number,
    suggested: string,
  ): Promise<{ draft: EmailDraft; path: string | null }>;
}

/** The Tauri commands behind `CoalitionBackend`. */
export function tauriCoalition(): CoalitionBackend {
  return {
    organizations: () => commands.organizations_all(),
    organization: (id) => commands.organization_get({ id }),
    organizationDuplicates: (input, except) => commands.organization_duplicates({ input, except }),
    createOrganization: (input) => commands.organization_create({ input }),
    updateOrganization: (id, input) => commands.organization_update({ id, input }),
    deleteOrganization: (id) => commands.organization_delete({ id }),
    setOrganizationLogo: (id, bytes) => commands.organization_set_logo(bytes, { "x-organization-id": String(id) }),
    clearOrganizationLogo: (id) => commands.organization_clear_logo({ id }),
    organizationLogo: (id) => commands.organization_logo({ id }),
    organizationHistory: (id) => commands.organization_history({ id }),
    previewOrganizations: (fileName, bytes) =>
      commands.organizations_import_preview(bytes, { "x-file-name": encodeURIComponent(fileName) }),
    importOrganizations: (fileName, bytes, options) =>
      commands.organizations_import(bytes, {
        "x-file-name": encodeURIComponent(fileName),
        "x-options": encodeURIComponent(JSON.stringify(options)),
      }),

    cosponsorships: (target) => commands.cosponsorships_for({ target }),
    setCosponsorStatus: (target, organizationId, step) =>
      commands.cosponsor_set_status({ target, organizationId, step }),
    setLogoPermitted: (cosponsorshipId, permitted) =>
      commands.cosponsor_set_logo_permitted({ cosponsorshipId, permitted }),
    reorderCosponsors: (target, organizationIds) => commands.cosponsors_reorder({ target, organizationIds }),
    coalitionBoard: (filter) => commands.coalition_board({ filter }),

    demandLists: () => commands.demand_lists_all(),
    demandList: (id) => commands.demand_list_get({ id }),
    createDemandList: (input) => commands.demand_list_create({ input }),
    updateDemandList: (id, input) => commands.demand_list_update({ id, input }),
    moveDemand: (id, from, to) => commands.demand_move({ id, from, to }),
    demandVersion: (versionId, language) => commands.demand_version({ versionId, language }),
    diffDemandVersions: (fromVersionId, toVersionId) => commands.demand_versions_diff({ fromVersionId, toVersionId }),
    endorse: (organizationId, versionId, date, note) =>
      commands.demand_endorse({ organizationId, versionId, date, note }),
    endorsements: (versionId) => commands.demand_endorsements({ versionId }),
    setTranslation: (versionId, input) => commands.demand_set_translation({ versionId, input }),
    eventDemandList: (eventId) => commands.event_demand_list({ eventId }),
    attachDemandList: (eventId, listId) => commands.event_attach_demand_list({ eventId, listId }),
    moveDemandsToLatest: (eventId) => commands.event_demands_to_latest({ eventId }),
    async draftInvitation(eventId, contactId, suggested) {
      const [draft, path] = await commands.invitation_draft({ eventId, contactId, suggested });
      return { draft, path };
    },
  };
}

export const orgKinds: { id: OrganizationKind; label: string }[] = [
  { id: "union", label: "Union" },
  { id: "student_group", label: "Student group" },
  { id: "community_organization", label: "Community organization" },
  { id: "party", label: "Party" },
  { id: "faith_group", label: "Faith group" },
  { id: "other", label: "Other" },
];

export function kindLabel(kind: OrganizationKind): string {
  return orgKinds.find((k) => k.id === kind)?.label ?? kind;
}

export const cosponsorStatuses: { id: CosponsorStatus; label: string }[] = [
  { id: "prospect", label: "Prospect" },
  { id: "asked", label: "Asked" },
  { id: "confirmed", label: "Confirmed" },
  { id: "declined", label: "Declined" },
  { id: "withdrawn", label: "Withdrawn" },
];

export function statusLabel(status: CosponsorStatus): string {
  return cosponsorStatuses.find((s) => s.id === status)?.label ?? status;
}

export function blankOrganization(): OrganizationInput {
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

export function organizationInput(o: Organization): OrganizationInput {
  return {
    name: o.name,
    short_name: o.short_name,
    kind: o.kind,
    website: o.website,
    email: o.email,
    phone: o.phone,
    notes: o.notes,
    tags: [...o.tags],
    contacts: o.contacts.map((c) => ({ id: c.id, name: c.name, role: c.role, email: c.email, phone: c.phone })),
  };
}
