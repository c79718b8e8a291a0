// The Flyers screen against the in-memory fake: the preview follows the
// options, a flyer that cannot be made names its field and cannot be saved,
// Save… goes through the save dialog, Save to path uses the typed path, and
// the Events section's "Flyer" button arrives with its event chosen.
import { describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import Flyers from "./screens/Flyers.svelte";
import { fakeBackend } from "./lib/fake-backend";
import { printFlyer } from "./lib/flyer-target";

function withEvents() {
  const backend = fakeBackend();
  backend.events.add({ title: "Panel on housing", start_date: "2027-01-28" });
  backend.events.add({ title: "Rally for Siham", start_date: "2027-01-20", description: "x".repeat(300) });
  return backend;
}

async function sheet() {
  return waitFor(() => {
    const s = document.querySelector<HTMLElement>(".sheet");
    if (!s) throw new Error("no preview yet");
    return s;
  });
}

describe("Flyers", () => {
  it("previews the chosen event and follows the layout and paper", async () => {
    const backend = withEvents();
    render(Flyers, { backend });
    const first = await sheet();
    expect(first.dataset.layout, "a full page first").toBe("full_page");
    expect(first.textContent, "the soonest event is chosen").toContain("Rally for Siham");
    await userEvent.selectOptions(screen.getByLabelText("Layout"), "half_sheet");
    await waitFor(() => expect(document.querySelectorAll(".sheet .flyer-title").length, "two copies on a half sheet").toBe(2));
    await userEvent.click(screen.getByLabelText("A4"));
    await waitFor(() => expect(document.querySelector<HTMLElement>(".sheet")!.dataset.paper, "the paper follows").toBe("a4"));
    expect(backend.flyers.calls.at(-1), "the core was asked for the A4 half sheet").toMatch(/half_sheet:a4$/);
  });

  it("names the field when the flyer cannot be made and disables saving", async () => {
    const backend = withEvents();
    render(Flyers, { backend });
    await sheet();
    await userEvent.selectOptions(screen.getByLabelText("Layout"), "quarter_sheet");
    const alert = await screen.findByText(/too long for a quarter-sheet/);
    expect(alert.closest("[data-error-for]")?.getAttribute("data-error-for"), "the message is tied to the field").toBe("description");
    expect(alert.closest("li")?.textContent, "the field is named in words").toContain("Description");
    expect((screen.getByRole("button", { name: "Save to path" }) as HTMLButtonElement).disabled, "nothing to save").toBe(true);
  });

  it("saves through the dialog and to a typed path", async () => {
    const backend = withEvents();
    render(Flyers, { backend });
    await sheet();
    await userEvent.click(screen.getByRole("button", { name: "Save…" }));
    await screen.findByText(/Saved \/home\/organizer\/flyer.pdf/);
    expect(backend.flyers.saved.has("/home/organizer/flyer.pdf"), "the dialog's path was written").toBe(true);
    const field = screen.getByLabelText("Or save to");
    await userEvent.clear(field);
    await userEvent.type(field, "/tmp/rally.pdf");
    await userEvent.click(screen.getByRole("button", { name: "Save to path" }));
    await screen.findByText(/Saved \/tmp\/rally.pdf/);
    backend.flyers.dialogAnswer = null;
    const before = backend.flyers.saved.size;
    await userEvent.click(screen.getByRole("button", { name: "Save…" }));
    await waitFor(() => expect(backend.flyers.calls.filter((c) => c.startsWith("dialog:")).length).toBe(2));
    expect(backend.flyers.saved.size, "a cancelled dialog writes nothing").toBe(before);
  });

  it("arrives with the event the Events section asked for", async () => {
    const backend = withEvents();
    const panel = backend.events.events.find((e) => e.title === "Panel on housing")!;
    printFlyer({ event: panel.id });
    render(Flyers, { backend });
    const s = await sheet();
    expect(s.textContent, "the panel is previewed, not the soonest event").toContain("Panel on housing");
  });
});
