// The Coalition section against the core's recorded answers (src/fixtures/answers.json,
// replayed by lib/replay.ts): the organizations list narrowed by search, the
// form's field errors that keep the text, the likely-duplicate warning with
// "Save anyway", the board filtered by status, the demand list editor
// reordered from the keyboard, and an event's co-sponsor step recorded on the
// day typed.
import { describe, expect, it } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import Coalition from "./screens/Coalition.svelte";
import Cosponsors from "./screens/events/Cosponsors.svelte";
import { fakeBackend } from "./lib/fake-backend";
import { scenes, type Replay, type SceneName } from "./lib/replay";

/** The branch with three partner organizations and a rally, as the core answered in these scenes. */
function withCoalition(...more: SceneName[]) {
  return fakeBackend({ coalition: scenes("coalition", ...more) });
}

/** The arguments of every call of this command, in order. */
const sent = (r: Replay, command: string) => r.calls.filter((c) => c.command === command).map((c) => c.args);

const rowNames = () =>
  within(screen.getByRole("list", { name: "Organizations" }))
    .getAllByRole("button")
    .map((b) => b.getAttribute("data-org"));

describe("Coalition", () => {
  it("the organizations list narrows as the search is typed", async () => {
    render(Coalition, { backend: withCoalition() });
    await screen.findByRole("list", { name: "Organizations" });
    expect(rowNames(), "every organization is listed by name").toEqual([
      "Boston Teachers Local 66",
      "Justice4Siham Coalition",
      "Students for Sanctuary",
    ]);
    await userEvent.type(screen.getByLabelText("Search organizations"), "sanct");
    await waitFor(() =>
      expect(rowNames(), "only the matching organization is left").toEqual(["Students for Sanctuary"]),
    );
    expect(screen.getByText("1 of 3 organizations"), "the count says how many match").toBeTruthy();
    await userEvent.clear(screen.getByLabelText("Search organizations"));
    await userEvent.type(screen.getByLabelText("Search organizations"), "local66.example");
    await waitFor(() => expect(rowNames(), "the website is searched too").toEqual(["Boston Teachers Local 66"]));
    await userEvent.type(screen.getByLabelText("Search organizations"), "zzz");
    expect(await screen.findByText(/Nothing matches/), "an empty result says what to do").toBeTruthy();
  });

  it("the add form shows a field's message beside it and keeps the typed text", async () => {
    const backend = withCoalition("orgRefused");
    render(Coalition, { backend });
    await userEvent.click(await screen.findByRole("button", { name: "Add organization" }));
    await userEvent.type(await screen.findByLabelText("Name"), "Dorchester Tenants Union");
    await userEvent.type(screen.getByLabelText("Email"), "tenants-at-example.org");
    await userEvent.click(screen.getByRole("button", { name: "Add organization" }));
    const error = await screen.findByText(/is not an email address/);
    expect(error.getAttribute("data-error-for"), "the message is beside the email").toBe("email");
    const email = screen.getByLabelText("Email") as HTMLInputElement;
    expect(email.getAttribute("aria-invalid"), "the email is marked invalid").toBe("true");
    expect(email.value, "the typed email is kept").toBe("tenants-at-example.org");
    expect((screen.getByLabelText("Name") as HTMLInputElement).value, "the typed name is kept").toBe(
      "Dorchester Tenants Union",
    );
    expect(screen.getByRole("alert").textContent, "the form says it was not saved").toContain("Not saved");
    expect(sent(backend.coalition, "organization_create").length, "the core was asked once, and refused").toBe(1);
  });

  it("a likely duplicate is warned about before saving, and Save anyway saves it", async () => {
    const backend = withCoalition("orgDuplicate");
    render(Coalition, { backend });
    await userEvent.click(await screen.findByRole("button", { name: "Add organization" }));
    await userEvent.type(await screen.findByLabelText("Name"), "Justice 4 Siham coalition");
    await userEvent.click(screen.getByRole("button", { name: "Add organization" }));
    const warning = await screen.findByText("This organization may already be known:");
    expect(warning.closest("[role=alert]")?.textContent, "the warning names the known organization").toContain(
      "Justice4Siham Coalition",
    );
    expect(sent(backend.coalition, "organization_create"), "nothing was created before the organizer decides").toEqual(
      [],
    );
    await userEvent.click(screen.getByRole("button", { name: "Save anyway" }));
    await waitFor(() =>
      expect(
        sent(backend.coalition, "organization_create").map((a) => (a.input as { name: string }).name),
        "Save anyway asks the core to add it, with the typed name",
      ).toEqual(["Justice 4 Siham coalition"]),
    );
    expect(await screen.findByRole("heading", { name: /Justice 4 Siham coalition/ }), "its page opens").toBeTruthy();
  });

  it("the board shows each organization's status and narrows by status", async () => {
    // The rally: confirmed by Justice4Siham, asked of the students, declined by the teachers.
    const backend = withCoalition("board");
    render(Coalition, { backend });
    await userEvent.click(await screen.findByRole("tab", { name: "Board" }));
    const table = await screen.findByRole("table", { name: "Coalition board" });
    const rowHeads = () =>
      within(screen.getByRole("table", { name: "Coalition board" }))
        .getAllByRole("rowheader")
        .map((h) => h.textContent);
    expect(rowHeads(), "every organization with a co-sponsorship has a row").toEqual([
      "Boston Teachers Local 66",
      "Justice4Siham Coalition",
      "Students for Sanctuary",
    ]);
    expect(table.textContent, "the cells show the statuses").toMatch(/Confirmed[\s\S]*Asked|Asked[\s\S]*Confirmed/);
    await userEvent.selectOptions(screen.getByLabelText("Status"), "confirmed");
    await waitFor(() =>
      expect(rowHeads(), "only the confirmed co-sponsor is left").toEqual(["Justice4Siham Coalition"]),
    );
    expect(screen.getByRole("table", { name: "Coalition board" }).textContent, "and no other status").not.toMatch(
      /Asked|Declined/,
    );
    await userEvent.selectOptions(screen.getByLabelText("Status"), "withdrawn");
    expect(await screen.findByText("Nothing matches these filters."), "an empty board says so").toBeTruthy();
  });

  it("the demand list editor moves a demand with Alt+ArrowDown and the numbers follow", async () => {
    // "Rally demands": 1. Let Siham talk with Naseem. 2. No adoption against her wishes. 3. Bring Siham home.
    const backend = fakeBackend({ coalition: scenes("demands") });
    render(Coalition, { backend });
    await userEvent.click(await screen.findByRole("tab", { name: "Demand lists" }));
    await userEvent.click(await screen.findByRole("button", { name: /Rally demands/ }));
    const first = (await screen.findByLabelText("1.")) as HTMLTextAreaElement;
    await waitFor(() => expect(first.value, "the list is loaded").toBe("Let Siham talk with Naseem."));
    first.focus();
    await userEvent.keyboard("{Alt>}{ArrowDown}{/Alt}");
    const text = (n: number) => (screen.getByLabelText(`${n}.`) as HTMLTextAreaElement).value;
    await waitFor(() => expect(text(2), "the first demand is now number 2").toBe("Let Siham talk with Naseem."));
    expect(text(1), "the second demand is now number 1").toBe("No adoption against her wishes.");
    expect(text(3), "the third stays third").toBe("Bring Siham home.");
    expect(document.activeElement, "the focus follows the moved demand").toBe(screen.getByLabelText("2."));
    await userEvent.keyboard("{Alt>}{ArrowDown}{/Alt}");
    await waitFor(() => expect(text(3), "it moves on to number 3").toBe("Let Siham talk with Naseem."));
    await userEvent.keyboard("{Alt>}{ArrowDown}{/Alt}");
    expect(text(3), "the last one stays last").toBe("Let Siham talk with Naseem.");
    expect(
      screen.getByRole("button", { name: "Move demand 1 up" }).hasAttribute("disabled"),
      "the first cannot move up",
    ).toBe(true);
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(sent(backend.coalition, "demand_list_update").length, "the new order is saved").toBe(1));
    const input = sent(backend.coalition, "demand_list_update")[0].input as { demands: { text: string }[] };
    expect(
      input.demands.map((d) => d.text),
      "the core is sent the demands in the new order",
    ).toEqual(["No adoption against her wishes.", "Bring Siham home.", "Let Siham talk with Naseem."]);
    await waitFor(() =>
      expect([1, 2, 3].map(text), "the list the core saved is shown numbered in the new order").toEqual([
        "No adoption against her wishes.",
        "Bring Siham home.",
        "Let Siham talk with Naseem.",
      ]),
    );
  });

  it("a co-sponsor step is recorded on the date typed; a bad date is named beside its field", async () => {
    // Justice4Siham is a prospect for the rally since 2037-01-02.
    const backend = fakeBackend({ coalition: scenes("cosponsorStep") });
    render(Cosponsors, { backend, eventId: 1, eventTitle: "Rally for Siham" });
    await userEvent.click(await screen.findByRole("button", { name: "Asked…" }));
    const date = screen.getByLabelText("Date (empty: today)") as HTMLInputElement;
    await userEvent.type(date, "January 15");
    await userEvent.click(screen.getByRole("button", { name: "Mark asked" }));
    const error = await screen.findByText(/is not a date/);
    expect(error.getAttribute("data-error-for"), "the message is beside the date").toBe("date");
    expect(date.getAttribute("aria-invalid"), "the date is marked invalid").toBe("true");
    expect(date.value, "the typed date is kept").toBe("January 15");
    await userEvent.clear(date);
    await userEvent.type(date, "2037-01-15");
    await userEvent.click(screen.getByRole("button", { name: "Mark asked" }));
    await waitFor(() =>
      expect(
        sent(backend.coalition, "cosponsor_set_status").map((a) => (a.step as { date: string }).date),
        "the refused date and then the date typed went to the core, not today's",
      ).toEqual(["January 15", "2037-01-15"]),
    );
    expect(await screen.findByText(/^2037-01-15/), "the panel shows the step's date the core recorded").toBeTruthy();
    await userEvent.click(await screen.findByRole("button", { name: "Confirmed…" }));
    expect(
      (screen.getByLabelText("Date (empty: today)") as HTMLInputElement).value,
      "the next step starts with an empty date",
    ).toBe("");
  });
});
