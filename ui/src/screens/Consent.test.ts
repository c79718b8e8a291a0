// Consent in the Mail screens, against the fake backend and answers recorded
// from the core: the import preview says how a consent column is read, the
// subscriber panel unsubscribes from every list unless the person asked to
// leave only one, and putting back someone who opted out asks how they asked
// and shows that evidence in the ledger.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import App from "../App.svelte";
import { fakeBackend, sampleProfile } from "../lib/fake-backend";
import { scenes, type Replay } from "../lib/replay";

beforeEach(() => {
  history.replaceState(null, "", "#/mail");
  localStorage.clear();
});

function open(mail = scenes("sample")) {
  const backend = fakeBackend({ branch: sampleProfile(), mail });
  render(App, { backend });
  return { backend, mail: backend.mail };
}

/** The arguments of every call of this command, in order. */
const sent = (mail: Replay, command: string) => mail.calls.filter((c) => c.command === command).map((c) => c.args);

describe("consent in the Mail screens", () => {
  it("shows how a consent column will be read before anything is imported", async () => {
    const { mail } = open(scenes("sample", "previews"));
    await userEvent.click(await screen.findByRole("tab", { name: "Import" }));
    // The Google Forms export the core's consent tests read (Vitest runs in ui/); the core's preview of it is recorded.
    const sheet = readFileSync(join(process.cwd(), "../tests/fixtures/consent/google-form-signup.csv"));
    const file = new File([sheet], "google-form-signup.csv", { type: "text/csv" });
    await userEvent.upload(screen.getByLabelText("CSV file"), file);
    expect(await screen.findByText("Check how google-form-signup.csv will be read"), "the preview opens").toBeTruthy();
    const select = screen.getByLabelText(
      "Import the column Can we email you about upcoming actions? as",
    ) as HTMLSelectElement;
    expect(select.value, "the question is recognized as consent").toBe("consent");
    const reading = screen.getByTestId("reading-3").textContent ?? "";
    expect(reading, "the preview says yes subscribes").toContain("“Yes” → subscribed");
    expect(reading, "the preview says no unsubscribes").toContain("“No” → unsubscribed");
    expect(reading, "the preview says blank is not subscribed").toContain("blank → not subscribed");
    expect(
      screen.getByText(/only a yes puts someone on the list/),
      "the notice explains the consent column",
    ).toBeTruthy();
    await userEvent.selectOptions(select, "ignore");
    expect(
      screen.queryByTestId("reading-3"),
      "the reading goes when the column is no longer read as consent",
    ).toBeNull();
    expect(sent(mail, "import_start"), "nothing was imported").toEqual([]);
  });

  it("unsubscribes from one list only when the person asked for exactly that", async () => {
    const { mail } = open(scenes("sample", "unsubscribeOnly"));
    await userEvent.click(await screen.findByRole("button", { name: "ben.brooks@example.org" }));
    const panel = await screen.findByRole("dialog", { name: "Ben Brooks" });
    expect(
      within(panel).getByText(/Unsubscribing covers every list of the branch/),
      "the panel says an opt-out is branch-wide",
    ).toBeTruthy();
    await userEvent.click(within(panel).getByTestId("only-this-list"));
    await userEvent.click(within(panel).getByRole("button", { name: "Unsubscribe from Announcements only" }));
    expect(
      await within(panel).findByText("Unsubscribed from Announcements only, as they asked."),
      "the panel confirms the scope",
    ).toBeTruthy();
    expect(sent(mail, "subscriber_set_status"), "the window asked the core for this list only").toEqual([
      { id: 2, listId: 1, status: "unsubscribed", source: "Unsubscribed in the window", onlyThisList: true },
    ]);
  });

  it("unsubscribes from every list by default", async () => {
    const { mail } = open(scenes("sample", "unsubscribe"));
    await userEvent.click(await screen.findByRole("button", { name: "ben.brooks@example.org" }));
    const panel = await screen.findByRole("dialog", { name: "Ben Brooks" });
    await userEvent.click(within(panel).getByRole("button", { name: "Unsubscribe from Announcements" }));
    expect(
      await within(panel).findByText(/from any list of the branch, lists made later too/),
      "the panel says it covers every list",
    ).toBeTruthy();
    expect(sent(mail, "subscriber_set_status").at(-1)?.onlyThisList, "no 'only' was asked").toBe(false);
  });

  it("asks how someone who opted out asked to come back, and the ledger shows it as evidence", async () => {
    open(scenes("sample", "comeBack"));
    await userEvent.click(await screen.findByRole("button", { name: "ben.brooks@example.org" }));
    const panel = await screen.findByRole("dialog", { name: "Ben Brooks" });
    await userEvent.click(within(panel).getByRole("button", { name: "Unsubscribe from Announcements" }));
    await within(panel).findByText(/They will not be mailed/);
    await userEvent.click(within(panel).getByRole("button", { name: "Put back on Announcements" }));
    expect(
      await within(panel).findByText(/Say how they asked to come back/),
      "without evidence the return is refused",
    ).toBeTruthy();
    await userEvent.type(
      within(panel).getByLabelText(/They asked to come back to Announcements/),
      "Signed the sheet at the May Day rally",
    );
    await userEvent.click(within(panel).getByRole("button", { name: "Put back on Announcements" }));
    expect(
      await within(panel).findByText("Evidence: Signed the sheet at the May Day rally"),
      "the ledger shows the evidence of the return",
    ).toBeTruthy();
  });
});
