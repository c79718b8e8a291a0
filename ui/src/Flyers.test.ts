// The Flyers screen against the in-memory fake: the preview follows the
// options, a flyer that cannot be made names its field and cannot be saved,
// Save… and Save to path… both go through the save dialog (a typed path only pre-fills it), and
// the Events section's "Flyer" button arrives with its event chosen.
import { describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import Flyers from "./screens/Flyers.svelte";
import { fakeBackend } from "./lib/fake-backend";
import { printFlyer } from "./lib/event-target";

function withEvents() {
  const backend = fakeBackend();
  backend.events.add({ title: "Panel on housing", start_date: "2027-01-28" });
  backend.events.add({ title: "Rally for Siham", start_date: "2027-01-20", description: "x".repeat(300) });
  return backend;
}

const SVG_PREFIX = "data:image/svg+xml;charset=utf-8,";

/** The preview's page: the sheet, its image, and the SVG the image shows. */
async function sheet() {
  return waitFor(() => {
    const s = document.querySelector<HTMLElement>(".sheet");
    const img = s?.querySelector<HTMLImageElement>("img");
    if (!s || !img) throw new Error("no preview yet");
    const src = img.getAttribute("src") ?? "";
    expect(src.startsWith(SVG_PREFIX), "the page is an SVG image").toBe(true);
    const svg = decodeURIComponent(src.slice(SVG_PREFIX.length));
    const box = /viewBox="0 0 ([\d.]+) ([\d.]+)"/.exec(svg);
    const text = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
      m[1]
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&quot;/g, '"')
        .replace(/&apos;/g, "'")
        .replace(/&amp;/g, "&"),
    );
    return { el: s, img, src, svg, viewBox: box ? [Number(box[1]), Number(box[2])] : null, text };
  });
}

describe("Flyers", () => {
  it("previews the chosen event and follows the layout and paper", async () => {
    const backend = withEvents();
    render(Flyers, { backend });
    const first = await sheet();
    expect(first.el.dataset.layout, "a full page first").toBe("full_page");
    expect(first.img.alt, "the image says what it is").toBe("Preview of page 1");
    expect(first.viewBox, "a US Letter page in points").toEqual([612, 792]);
    expect(first.text, "the soonest event is chosen").toContain("Rally for Siham");
    expect(first.text.filter((t) => t === "Rally for Siham").length, "one copy on a full page").toBe(1);
    await userEvent.selectOptions(screen.getByLabelText("Layout"), "half_sheet");
    await waitFor(async () =>
      expect((await sheet()).text.filter((t) => t === "Rally for Siham").length, "two copies on a half sheet").toBe(2),
    );
    const half = await sheet();
    expect(half.viewBox, "a Letter half sheet is landscape").toEqual([792, 612]);
    expect(half.img.style.aspectRatio.replace(/\s/g, ""), "the image keeps the page's shape").toBe("792/612");
    await userEvent.click(screen.getByLabelText("A4"));
    await waitFor(async () =>
      expect((await sheet()).viewBox, "the paper follows: A4 landscape").toEqual([841.89, 595.28]),
    );
    expect((await sheet()).el.dataset.paper, "the sheet says its paper").toBe("a4");
    expect((await sheet()).src, "a new page image").not.toBe(half.src);
    expect(backend.flyers.calls.at(-1), "the core was asked for the A4 half sheet").toMatch(/half_sheet:a4$/);
  });

  it("names the field when the flyer cannot be made and disables saving", async () => {
    const backend = withEvents();
    render(Flyers, { backend });
    await sheet();
    await userEvent.selectOptions(screen.getByLabelText("Layout"), "quarter_sheet");
    const alert = await screen.findByText(/too long for a quarter-sheet/);
    expect(alert.closest("[data-error-for]")?.getAttribute("data-error-for"), "the message is tied to the field").toBe(
      "description",
    );
    expect(alert.closest("li")?.textContent, "the field is named in words").toContain("Description");
    expect(
      (screen.getByRole("button", { name: "Save to path…" }) as HTMLButtonElement).disabled,
      "nothing to save",
    ).toBe(true);
    expect(document.querySelector(".sheet img"), "no page is shown for a flyer that cannot be made").toBeNull();
  });

  it("pages through a tour one printed page at a time", async () => {
    const backend = withEvents();
    const tour = {
      id: 900,
      title: "Speaking tour",
      description: "",
      hosts: "",
      tags: [],
      speakers: [],
      created_at: "",
      updated_at: "",
    };
    backend.events.tours.push(tour);
    backend.events.add({ title: "First stop", start_date: "2027-03-02", tour_id: tour.id });
    backend.events.add({ title: "Second stop", start_date: "2027-03-03", tour_id: tour.id });
    render(Flyers, { backend });
    await sheet();
    await userEvent.selectOptions(screen.getByLabelText("Print"), `tour:${tour.id}`);
    await userEvent.selectOptions(screen.getByLabelText("Layout"), "half_sheet");
    await screen.findByText(/Page 1 of 2/);
    let s = await sheet();
    expect(
      s.text.filter((t) => t === "First stop").length,
      "the first page is the first stop's sheet of two copies",
    ).toBe(2);
    expect(s.img.alt).toBe("Preview of page 1 of 2");
    await userEvent.click(screen.getByRole("button", { name: "Next page" }));
    await waitFor(async () =>
      expect((await sheet()).text, "the second page is the second stop").toContain("Second stop"),
    );
    s = await sheet();
    expect(s.img.alt).toBe("Preview of page 2 of 2");
  });

  it("escapes the event's text in the page, which an image never runs", async () => {
    const backend = fakeBackend();
    backend.events.add({ title: '<script>alert(1)</script> & "x"', start_date: "2027-01-20" });
    render(Flyers, { backend });
    const s = await sheet();
    expect(s.svg.includes("<script"), "no script element in the SVG").toBe(false);
    expect(s.text, "the title reads as typed").toContain('<script>alert(1)</script> & "x"');
    expect(document.querySelector(".preview script"), "nothing was added to the page's markup").toBeNull();
  });

  it("saves through the dialog, and a typed path only pre-fills the dialog", async () => {
    const backend = withEvents();
    render(Flyers, { backend });
    await sheet();
    await userEvent.click(screen.getByRole("button", { name: "Save…" }));
    await screen.findByText(/Saved \/home\/organizer\/flyer.pdf/);
    expect(backend.flyers.saved.has("/home/organizer/flyer.pdf"), "the dialog's path was written").toBe(true);
    const field = screen.getByLabelText("Or save to");
    await userEvent.clear(field);
    await userEvent.type(field, "/tmp/rally.pdf");
    backend.flyers.dialogAnswer = undefined;
    await userEvent.click(screen.getByRole("button", { name: "Save to path…" }));
    await screen.findByText(/Saved \/tmp\/rally.pdf/);
    expect(backend.flyers.calls, "the typed path went to the dialog as its starting point").toContain(
      "dialog:/tmp/rally.pdf",
    );
    backend.flyers.dialogAnswer = null;
    const before = backend.flyers.saved.size;
    await userEvent.click(screen.getByRole("button", { name: "Save…" }));
    await waitFor(() =>
      expect(
        backend.flyers.calls.filter((c) => c.startsWith("dialog:")).length,
        "the dialog was asked a third time",
      ).toBe(3),
    );
    expect(backend.flyers.saved.size, "a cancelled dialog writes nothing").toBe(before);
  });

  it("arrives with the event the Events section asked for", async () => {
    const backend = withEvents();
    const panel = backend.events.events.find((e) => e.title === "Panel on housing")!;
    printFlyer({ event: panel.id });
    render(Flyers, { backend });
    const s = await sheet();
    expect(s.text, "the panel is previewed, not the soonest event").toContain("Panel on housing");
  });
});
