// The Flyers part of the fake Backend, for UI tests: a preview built from the
// fake events and tours, with one SVG page per flyer shaped like the core's
// (the paper's view box in points, landscape for a half sheet, one copy per
// cell, text escaped), the core's main refusals (nothing chosen; a quarter
// sheet too small for a long description, named by its field), and saves and
// opens recorded instead of written.
import type { Event, Tour } from "./backend";
import { dialogAnswer, type DialogAnswer } from "./fake-dialog";
import type { FlyerContent, FlyerPreview, FlyerRequest, FlyersBackend } from "./flyers-backend";

export type FakeFlyers = {
  backend: FlyersBackend;
  calls: string[];
  /** Written PDFs by path: the request each was made from. */
  saved: Map<string, FlyerRequest>;
  /** What the save dialog answers (null: cancelled; undefined: the suggestion as offered). */
  dialogAnswer: DialogAnswer;
};

function contentOf(e: { title: string; description: string }, when: string): FlyerContent {
  return {
    title: e.title,
    kind: "Rally",
    hosts: "",
    when,
    place: null,
    location_note: "Location to be announced",
    speakers: [],
    description: e.description,
    translation: null,
    demands: null,
    demands_translation: null,
    cosponsors: [{ name: "Justice4Siham Coalition", logo: null }],
    cosponsor_call: "",
    accessibility: "",
    rules: "",
    link: "https://example.org",
    change: null,
    stops: [],
    branch: { name: "Sample Branch", contact: "branch@example.org", website: "https://example.org", logo: null },
  };
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** A page as the core draws it, much simplified: each copy's title, date and co-sponsors as lines of text. */
function svgOf(c: FlyerContent, request: FlyerRequest): string {
  const [pw, ph] = request.options.paper === "a4" ? [595.28, 841.89] : [612, 792];
  const layout = request.options.layout;
  const [w, h, cols, rows] =
    layout === "half_sheet" ? [ph, pw, 2, 1] : layout === "quarter_sheet" ? [pw, ph, 2, 2] : [pw, ph, 1, 1];
  const lines = [c.kind, c.title, c.when, ...c.stops.map((s) => s.when), ...c.cosponsors.map((s) => s.name)].filter(
    Boolean,
  );
  let marks = "";
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) {
      lines.forEach((line, i) => {
        marks += `<text x="${k * (w / cols) + 36}" y="${r * (h / rows) + 60 + i * 20}" font-size="14" font-weight="${i === 1 ? "bold" : "normal"}" fill="#1a1a1a" xml:space="preserve">${escapeXml(line)}</text>`;
      });
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${w}pt" height="${h}pt" viewBox="0 0 ${w} ${h}"><rect x="0" y="0" width="${w}" height="${h}" fill="#ffffff"/>${marks}</svg>`;
}

export function fakeFlyers(source: { events: () => Event[]; tours: () => Tour[] }): FakeFlyers {
  const f: FakeFlyers = {
    calls: [],
    saved: new Map(),
    dialogAnswer: "/home/organizer/flyer.pdf",
    backend: {} as FlyersBackend,
  };
  function build(request: FlyerRequest): FlyerPreview {
    let contents: FlyerContent[];
    if (request.tour_id != null) {
      const t = source.tours().find((x) => x.id === request.tour_id);
      if (!t) throw { code: "not_found", message: `There is no tour number ${request.tour_id}.`, fields: [] };
      const stops = source.events().filter((e) => e.tour_id === t.id);
      contents = request.poster
        ? [
            {
              ...contentOf(t, ""),
              kind: "Speaking Tour",
              stops: stops.map((s) => ({
                when: s.start_date || "Date to be announced",
                place: "Location to be announced",
                note: "",
              })),
            },
          ]
        : stops.map((s) => contentOf(s, s.start_date));
    } else if (request.event_id != null) {
      const e = source.events().find((x) => x.id === request.event_id);
      if (!e) throw { code: "not_found", message: `There is no event number ${request.event_id}.`, fields: [] };
      contents = [contentOf(e, e.start_date || "Date and place coming soon")];
    } else {
      throw {
        code: "invalid",
        message: "event: Choose an event or a tour to print.",
        fields: [{ field: "event", message: "Choose an event or a tour to print." }],
      };
    }
    if (request.options.layout === "quarter_sheet" && contents.some((c) => c.description.length > 200)) {
      const message =
        "is too long for a quarter-sheet flyer, even set at 6.0 pt. Shorten it, or choose a larger layout.";
      throw { code: "invalid", message: `description: ${message}`, fields: [{ field: "description", message }] };
    }
    // As the core: each flyer is a page (a sheet of its copies).
    const svgs = contents.map((c) => svgOf(c, request));
    return {
      contents,
      svgs,
      pages: svgs.length,
      bytes: 30000,
      languages: contents.some((c) => c.title.includes("Rally")) ? ["es"] : [],
      file_name: "flyer.pdf",
    };
  }
  f.backend = {
    async flyerPreview(request) {
      f.calls.push(
        `preview:${request.event_id ?? "-"}:${request.tour_id ?? "-"}:${request.options.layout}:${request.options.paper}`,
      );
      return build(request);
    },
    async saveFlyer(request, suggested) {
      f.calls.push(`dialog:${suggested}`);
      build(request);
      const path = dialogAnswer(f.dialogAnswer, suggested);
      if (path === null) return null;
      f.saved.set(path, request);
      return path;
    },
    async openFlyer(request) {
      f.calls.push("open");
      build(request);
      return "/tmp/handbill-flyers/flyer.pdf";
    },
  };
  return f;
}
