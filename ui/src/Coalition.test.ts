// The Coalition section against the in-memory fake: the organizations list
// narrowed by search, the form's field errors that keep the text, the
// likely-duplicate warning with "Save anyway", the board filtered by status,
// the demand list editor reordered from the keyboard, and an event's
// co-sponsor step recorded on the day typed.
import { describe, expect, it } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import Coalition from "./screens/Coalition.svelte";
import Cosponsors from "./screens/events/Cosponsors.svelte";
import { fakeBackend } from "./lib/fake-backend";

function withCoalition() {
  const backend = fakeBackend();
  const c = backend.coalition;
  c.addOrganization({
    name: "Justice4Siham Coalition",
    short_name: "J4S",
    website: "https://justice4siham.example.org",
    tags: ["immigration"],
  });
  c.addOrganization({ name: "Students for Sanctuary", kind: "student_group", tags: ["campus"] });
  c.addOrganization({
    name: "Boston Teachers Local 66",
    kind: "union",
    website: "https://local66.example.org",
    tags: ["labor"],
  });
  return backend;
}

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
    const backend = withCoalition();
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
    expect(backend.coalition.organizations.length, "nothing was added").toBe(3);
  });

  it("a likely duplicate is warned about before saving, and Save anyway saves it", async () => {
    const backend = withCoalition();
    render(Coalition, { backend });
    await userEvent.click(await screen.findByRole("button", { name: "Add organization" }));
    await userEvent.type(await screen.findByLabelText("Name"), "Justice 4 Siham coalition");
    await userEvent.click(screen.getByRole("button", { name: "Add organization" }));
    const warning = await screen.findByText("This organization may already be known:");
    expect(warning.closest("[role=alert]")?.textContent, "the warning names the known organization").toContain(
      "Justice4Siham Coalition",
    );
    expect(backend.coalition.calls, "nothing was created before the organizer decides").not.toContain(
      "createOrganization",
    );
    expect(backend.coalition.organizations.length, "still three organizations").toBe(3);
    await userEvent.click(screen.getByRole("button", { name: "Save anyway" }));
    await waitFor(() => expect(backend.coalition.organizations.length, "Save anyway adds it").toBe(4));
    expect(backend.coalition.organizations.at(-1)?.name, "with the typed name").toBe("Justice 4 Siham coalition");
    expect(await screen.findByRole("heading", { name: /Justice 4 Siham coalition/ }), "its page opens").toBeTruthy();
  });

  it("the board shows each organization's status and narrows by status", async () => {
    const backend = withCoalition();
    const [j4s, students, teachers] = backend.coalition.organizations;
    const rally = { kind: "event" as const, id: 1 };
    const step = (status: "asked" | "confirmed" | "declined") => ({
      status,
      contact_id: null,
      note: "",
      date: "2027-01-10",
    });
    await backend.setCosponsorStatus(rally, j4s.id, step("confirmed"));
    await backend.setCosponsorStatus(rally, students.id, step("asked"));
    await backend.setCosponsorStatus(rally, teachers.id, step("declined"));
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
    const backend = withCoalition();
    backend.coalition.addList({
      title: "Rally demands",
      intro: "In solidarity with Siham, we demand that:",
      demands: [
        { key: null, text: "Let Siham talk with Naseem." },
        { key: null, text: "No adoption against her wishes." },
        { key: null, text: "Bring Siham home." },
      ],
    });
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
    await waitFor(() => expect(backend.coalition.calls, "the new order is saved").toContain("updateDemandList"));
    const saved = backend.coalition.versions.at(-1)!.demands.map((d) => `${d.number}. ${d.text}`);
    expect(saved, "the saved list is numbered in the new order").toEqual([
      "1. No adoption against her wishes.",
      "2. Bring Siham home.",
      "3. Let Siham talk with Naseem.",
    ]);
  });

  it("a co-sponsor step is recorded on the date typed; a bad date is named beside its field", async () => {
    const backend = withCoalition();
    const [j4s] = backend.coalition.organizations;
    const rally = { kind: "event" as const, id: 1 };
    await backend.setCosponsorStatus(rally, j4s.id, {
      status: "prospect",
      contact_id: null,
      note: "",
      date: "2027-01-02",
    });
    render(Cosponsors, { backend, eventId: 1, eventTitle: "Rally for Siham" });
    await userEvent.click(await screen.findByRole("button", { name: "Asked…" }));
    const date = screen.getByLabelText("Date (empty: today)") as HTMLInputElement;
    await userEvent.type(date, "January 15");
    await userEvent.click(screen.getByRole("button", { name: "Mark asked" }));
    const error = await screen.findByText(/is not a date/);
    expect(error.getAttribute("data-error-for"), "the message is beside the date").toBe("date");
    expect(date.getAttribute("aria-invalid"), "the date is marked invalid").toBe("true");
    expect(date.value, "the typed date is kept").toBe("January 15");
    expect(backend.coalition.cosponsorships[0].status, "nothing was recorded").toBe("prospect");
    await userEvent.clear(date);
    await userEvent.type(date, "2027-01-15");
    await userEvent.click(screen.getByRole("button", { name: "Mark asked" }));
    await waitFor(() => expect(backend.coalition.cosponsorships[0].status, "the step is recorded").toBe("asked"));
    expect(backend.coalition.cosponsorships[0].steps.at(-1)?.on_date, "on the date typed, not today").toBe(
      "2027-01-15",
    );
    expect(await screen.findByText(/^2027-01-15/), "the panel shows the step's date").toBeTruthy();
    await userEvent.click(await screen.findByRole("button", { name: "Confirmed…" }));
    expect(
      (screen.getByLabelText("Date (empty: today)") as HTMLInputElement).value,
      "the next step starts with an empty date",
    ).toBe("");
  });
});
