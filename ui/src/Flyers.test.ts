// The Flyers screen against the core's recorded answers (the `flyers` scene:
// a rally whose description is too long for a quarter sheet, a panel and a
// two-stop tour; src/fixtures/answers.json, replayed by lib/replay.ts): the
// preview follows the options, a flyer that cannot be made names its field
// and cannot be saved, a tour's pages are drawn as they are turned to, Save…
// and Save to path… both go through the save dialog (a typed path only
// pre-fills it), the Events section's "Flyer" button arrives with its
// event chosen, and the image for social media is saved in the format chosen
// with its alt text shown to copy. The pages shown are the core's own.
import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import Flyers from "./screens/Flyers.svelte";
import { fakeBackend } from "./lib/fake-backend";
import { printFlyer } from "./lib/event-target";
import { scenes } from "./lib/replay";
import type { MonthGroup } from "./lib/bindings/MonthGroup";
import type { FlyerRequest } from "./lib/flyers-backend";

/** The rally (the soonest event), the panel and the tour, as the core answers them. */
const recorded = () => fakeBackend({ eventsStory: scenes("flyers") });

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
    // Each line of text is a group of glyph outlines labelled with its words.
    const text = [...svg.matchAll(/<g aria-label="([^"]*)"/g)].map((m) =>
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

/** The requests the screen sent for `command`, in order. */
function sent(backend: ReturnType<typeof recorded>, command: string) {
  return backend.flyers.calls.filter((c) => c.command === command).map((c) => c.args);
}

describe("Flyers", () => {
  it("previews the chosen event and follows the layout and paper", async () => {
    const backend = recorded();
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
    const last = sent(backend, "flyer_preview").at(-1)?.request as FlyerRequest;
    expect([last.options.layout, last.options.paper], "the core was asked for the A4 half sheet").toEqual([
      "half_sheet",
      "a4",
    ]);
  });

  it("names the field when the flyer cannot be made and disables saving", async () => {
    render(Flyers, { backend: recorded() });
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

  it("pages through a tour one printed page at a time, each drawn when it is turned to", async () => {
    const backend = recorded();
    render(Flyers, { backend });
    await sheet();
    const tour = scenes("flyers").find((e) => e.command === "tours_all")?.answer as { id: number; title: string }[];
    expect(tour[0].title).toBe("Speaking tour");
    await userEvent.selectOptions(screen.getByLabelText("Print"), `tour:${tour[0].id}`);
    await userEvent.selectOptions(screen.getByLabelText("Layout"), "half_sheet");
    await screen.findByText(/Page 1 of 2/);
    let s = await sheet();
    expect(
      s.text.filter((t) => t === "First stop").length,
      "the first page is the first stop's sheet of two copies",
    ).toBe(2);
    expect(s.img.alt).toBe("Preview of page 1 of 2");
    expect(sent(backend, "flyer_page"), "the first page came with the preview").toEqual([]);
    await userEvent.click(screen.getByRole("button", { name: "Next page" }));
    await waitFor(async () =>
      expect((await sheet()).text, "the second page is the second stop").toContain("Second stop"),
    );
    s = await sheet();
    expect(s.img.alt).toBe("Preview of page 2 of 2");
    expect(s.text.filter((t) => t === "Second stop").length, "two copies of the second stop").toBe(2);
    expect(
      sent(backend, "flyer_page").map((a) => a.page),
      "the second page was drawn by the core when it was turned to",
    ).toEqual([1]);
    await userEvent.click(screen.getByRole("button", { name: "Previous page" }));
    await waitFor(async () => expect((await sheet()).img.alt).toBe("Preview of page 1 of 2"));
    expect((await sheet()).text, "back to the first stop").toContain("First stop");
    expect(sent(backend, "flyer_page").length, "a page already drawn is not asked for again").toBe(1);
  });

  it("escapes the event's text in the page, which an image never runs", async () => {
    render(Flyers, { backend: fakeBackend({ eventsStory: scenes("flyersEscape") }) });
    const s = await sheet();
    expect(s.svg.includes("<script"), "no script element in the SVG").toBe(false);
    // The core breaks the long title after "</", so its two lines are read as one.
    expect(s.text.join(""), "the title reads as typed").toContain('<script>alert(1)</script> & "x"');
    expect(document.querySelector(".preview script"), "nothing was added to the page's markup").toBeNull();
  });

  it("saves through the dialog, and a typed path only pre-fills the dialog", async () => {
    const backend = recorded();
    render(Flyers, { backend });
    await sheet();
    backend.flyers.dialogAnswer = "/home/organizer/flyer.pdf";
    await userEvent.click(screen.getByRole("button", { name: "Save…" }));
    await screen.findByText(/Saved \/home\/organizer\/flyer.pdf/);
    expect(
      sent(backend, "flyer_save").map((a) => a.suggested),
      "the dialog started from the flyer's file name in the documents folder",
    ).toEqual(["/home/organizer/Documents/rally-for-siham.pdf"]);
    const field = screen.getByLabelText("Or save to");
    await userEvent.clear(field);
    await userEvent.type(field, "/tmp/rally.pdf");
    backend.flyers.dialogAnswer = undefined;
    await userEvent.click(screen.getByRole("button", { name: "Save to path…" }));
    await screen.findByText(/Saved \/tmp\/rally.pdf/);
    expect(
      sent(backend, "flyer_save").map((a) => a.suggested),
      "the typed path went to the dialog as its starting point",
    ).toContain("/tmp/rally.pdf");
    backend.flyers.dialogAnswer = null;
    await userEvent.click(screen.getByRole("button", { name: "Save…" }));
    await waitFor(() => expect(sent(backend, "flyer_save").length, "the dialog was asked a third time").toBe(3));
    await waitFor(() => expect(screen.queryByText(/^Saved /), "a cancelled dialog writes nothing").toBeNull());
    expect(screen.queryByRole("alert"), "a closed dialog is not an error").toBeNull();
  });

  it("saves an image for social media in the format chosen, with its alt text to read and copy", async () => {
    const backend = recorded();
    render(Flyers, { backend });
    await sheet();
    expect(
      screen.getAllByRole("radio", { name: /1080×/ }).map((r) => r.closest("label")?.textContent?.trim()),
      "the three formats, each with its size",
    ).toEqual(["Square 1080×1080", "Portrait 1080×1350", "Story 1080×1920"]);
    expect((screen.getByLabelText("Square 1080×1080") as HTMLInputElement).checked, "square first").toBe(true);
    await userEvent.click(screen.getByLabelText("Story 1080×1920"));
    backend.flyers.dialogAnswer = "/home/organizer/Pictures/rally-story.png";
    await userEvent.click(screen.getByRole("button", { name: "Save image…" }));
    await screen.findByText(
      "Saved the 1080×1920 image to /home/organizer/Pictures/rally-story.png, and its alt text to /home/organizer/Pictures/rally-story.alt.txt.",
    );
    const asked = sent(backend, "social_image_save");
    expect(asked.length, "one image drawn").toBe(1);
    const request = asked[0].request as { event_id: number | null; tour_id: number | null; format: string };
    expect([request.tour_id, request.format], "the chosen event's story was asked for").toEqual([null, "story"]);
    expect(request.event_id, "an event, the one previewed").not.toBeNull();
    const alt = screen.getByLabelText("Alt text for the post") as HTMLTextAreaElement;
    expect(alt.readOnly, "the alt text is read, not edited, here").toBe(true);
    expect(alt.value, "the alt text names the title").toContain("Rally for Siham");
    expect(alt.value, "and says when").toMatch(/When: Wednesday, January 20, 2027/);

    const writeText = vi.fn<(text: string) => Promise<void>>(() => Promise.resolve());
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    await userEvent.click(screen.getByRole("button", { name: "Copy alt text" }));
    await screen.findByText("Alt text copied.");
    expect(
      writeText.mock.calls.map((c) => c[0]),
      "the alt text went to the clipboard",
    ).toEqual([alt.value]);

    backend.flyers.dialogAnswer = null;
    await userEvent.click(screen.getByLabelText("Square 1080×1080"));
    await userEvent.click(screen.getByRole("button", { name: "Save image…" }));
    await waitFor(() => expect(sent(backend, "social_image_save").length, "the dialog was asked again").toBe(2));
    expect(screen.queryByRole("alert"), "a closed dialog is not an error").toBeNull();
    expect(screen.getByText(/Saved the 1080×1920 image/), "the image saved before stays shown").toBeTruthy();
  });

  it("arrives with the event the Events section asked for", async () => {
    const groups = scenes("flyers").find((e) => e.command === "events_upcoming")?.answer as MonthGroup[];
    const panel = groups.flatMap((g) => g.events).find((e) => e.title === "Panel on housing")!;
    printFlyer({ event: panel.id });
    render(Flyers, { backend: recorded() });
    const s = await sheet();
    expect(s.text, "the panel is previewed, not the soonest event").toContain("Panel on housing");
  });
});

describe("Flyers while its events are still on their way", () => {
  it("keeps a choice made before the picker had an event over that event's kept choices", async () => {
    // CI's first-hour test once saved a colour flyer after "Black and white"
    // was ticked while the screen was still reading its events.
    const backend = recorded();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const page = backend.eventsPage.bind(backend);
    backend.eventsPage = (...args: Parameters<typeof page>) => gate.then(() => page(...args));
    backend.flyerChoices = async () => ({ layout: "full_page", paper: "letter", theme: "color", tear_offs: false });
    const asked: FlyerRequest[] = [];
    backend.flyerPreview = (request: FlyerRequest) => {
      asked.push(request);
      return new Promise(() => {});
    };
    render(Flyers, { backend });

    await userEvent.selectOptions(screen.getByLabelText("Layout"), "half_sheet");
    await userEvent.click(screen.getByLabelText("Black and white (photocopier)"));
    release();
    await waitFor(() => expect(asked.length, "a preview was asked for").toBeGreaterThan(0));
    await new Promise((r) => setTimeout(r, 50));
    const last = asked.at(-1) as FlyerRequest;
    expect([last.options.layout, last.options.theme], "the choices made stand").toEqual([
      "half_sheet",
      "black_and_white",
    ]);
    expect((screen.getByLabelText("Black and white (photocopier)") as HTMLInputElement).checked).toBe(true);
  });
});
