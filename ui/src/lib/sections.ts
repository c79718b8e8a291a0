// The app's top-level sections, in navigation order. Alt+1…5 jump to them.
export type SectionId = "events" | "coalition" | "flyers" | "mail" | "settings";

export const sections: { id: SectionId; label: string; hint: string }[] = [
  { id: "events", label: "Events", hint: "Meetings, rallies, panels and tours" },
  { id: "coalition", label: "Coalition", hint: "Co-sponsors and demand lists" },
  { id: "flyers", label: "Flyers", hint: "Print-ready PDFs" },
  { id: "mail", label: "Mail", hint: "Subscribers and announcements" },
  { id: "settings", label: "Settings", hint: "Branch profile and appearance" },
];

export function sectionFromHash(hash: string): SectionId | null {
  const id = hash.replace(/^#\/?/, "");
  return sections.some((s) => s.id === id) ? (id as SectionId) : null;
}
