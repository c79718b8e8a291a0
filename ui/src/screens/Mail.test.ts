// The Mail screens against the core's recorded answers (src/fixtures/answers.json,
// replayed by lib/replay.ts): the empty state, search as you type, a person's
// ledger and unsubscribing them, pasting replies, the segment count while
// building it, and the import from preview to progress to report.
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import App from "../App.svelte";
import { fakeBackend, sampleProfile } from "../lib/fake-backend";
import { scenes, type Replay } from "../lib/replay";

beforeEach(() => {
  history.replaceState(null, "", "#/mail");
  localStorage.clear();
});

function open(mail = scenes("sample"), hold = false) {
  const backend = fakeBackend({ branch: sampleProfile(), mail });
  backend.mail.hold = hold;
  render(App, { backend });
  return { backend, mail: backend.mail };
}

/** The arguments of every call of this command, in order. */
const sent = (mail: Replay, command: string) => mail.calls.filter((c) => c.command === command).map((c) => c.args);

describe("the Mail section", () => {
  it("offers to create a first list when there is none, and opens it", async () => {
    const { mail } = open(scenes("empty"));
    expect(await screen.findByText("No mailing lists yet"), "the empty state says there are no lists").toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: "Create list" }));
    expect(await screen.findByText(/Give the list a name/), "an empty name is refused with a message").toBeTruthy();
    await userEvent.type(screen.getByLabelText("List name"), "Volunteers");
    await userEvent.click(screen.getByRole("button", { name: "Create list" }));
    expect(
      await screen.findByText("Nobody on Volunteers yet"),
      "the new list opens with its own empty state",
    ).toBeTruthy();
    expect(sent(mail, "list_create").at(-1), "the list's name reached the core").toEqual({ name: "Volunteers" });
    expect(screen.getByRole("button", { name: "Import a CSV file" }), "importing is offered").toBeTruthy();
  });

  it("searches by any part of a name or address as you type", async () => {
    open();
    expect(await screen.findByText("ana.alvarez@example.org"), "the list's people are shown").toBeTruthy();
    await userEvent.type(screen.getByLabelText("Search Announcements"), "cruz");
    await waitFor(() => expect(screen.queryByText("ana.alvarez@example.org"), "Ana no longer shows").toBeNull());
    expect(screen.getByText("carmen.cruz@example.org"), "Carmen matches part of her name").toBeTruthy();
    expect(screen.getByText(/1 person matches “cruz”/), "the count of matches is announced").toBeTruthy();
    await userEvent.clear(screen.getByLabelText("Search Announcements"));
    await userEvent.type(screen.getByLabelText("Search Announcements"), "zzz");
    expect(await screen.findByText(/No one on Announcements matches “zzz”/), "an empty result says so").toBeTruthy();
  });

  it("opens a person, shows their consent ledger and unsubscribes them", async () => {
    const { mail } = open(scenes("sample", "unsubscribe"));
    await userEvent.click(await screen.findByRole("button", { name: "ben.brooks@example.org" }));
    const panel = await screen.findByRole("dialog", { name: "Ben Brooks" });
    expect(
      within(panel).getByText("Sample sign-up sheet"),
      "the ledger shows where the subscription came from",
    ).toBeTruthy();
    await userEvent.click(within(panel).getByRole("button", { name: "Unsubscribe from Announcements" }));
    expect(await within(panel).findByText(/They will not be mailed/), "the panel confirms").toBeTruthy();
    expect(sent(mail, "subscriber_set_status"), "the core was asked to unsubscribe Ben from every list").toEqual([
      { id: 2, listId: 1, status: "unsubscribed", source: "Unsubscribed in the window", onlyThisList: false },
    ]);
    expect(
      within(panel).getByText("Unsubscribed in the window"),
      "the ledger gained the change with its source",
    ).toBeTruthy();
    await userEvent.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByRole("dialog"), "Escape closes the panel").toBeNull());
  });

  it("unsubscribes every address pasted from replies", async () => {
    const { mail } = open(scenes("sample", "paste"));
    await userEvent.click(await screen.findByRole("button", { name: "Unsubscribe addresses…" }));
    await userEvent.type(
      screen.getByLabelText("Addresses"),
      "Please remove me — Ana <ana.alvarez@example.org>, carmen.cruz@example.org, stranger@example.org",
    );
    await userEvent.click(screen.getByRole("button", { name: "Unsubscribe them" }));
    expect(await screen.findByText(/2/, { selector: "strong" }), "two people were unsubscribed").toBeTruthy();
    expect(
      screen.getByText(/Not subscribers \(recorded, so no import adds them\): stranger@example.org/),
      "the stranger is reported",
    ).toBeTruthy();
    expect(sent(mail, "subscribers_unsubscribe"), "the pasted text went to the core whole, for this list").toEqual([
      {
        text: "Please remove me — Ana <ana.alvarez@example.org>, carmen.cruz@example.org, stranger@example.org",
        listId: 1,
      },
    ]);
  });

  it("counts a segment as it is built", async () => {
    open(scenes("sample", "segment"));
    await userEvent.click(await screen.findByRole("tab", { name: "Segments" }));
    const count = await screen.findByTestId("segment-count");
    await waitFor(() => expect(count.textContent, "the whole list's subscribed people are counted first").toBe("3"));
    await userEvent.click(await screen.findByRole("checkbox", { name: "volunteer" }));
    await waitFor(() => expect(count.textContent, "two subscribed volunteers").toBe("2"));
    await userEvent.type(screen.getByLabelText("ZIP starts with"), "0214");
    await waitFor(() => expect(count.textContent, "one volunteer in 0214…").toBe("1"));
    await userEvent.type(screen.getByLabelText("Segment name"), "Somerville volunteers");
    await userEvent.click(screen.getByRole("button", { name: "Save segment" }));
    expect(
      await screen.findByText(/Saved “Somerville volunteers”: it reaches 1 person now/),
      "the save is confirmed with its count",
    ).toBeTruthy();
  });

  it("imports a file: preview and mapping first, then progress, then a report row by row", async () => {
    const { mail } = open(scenes("sample", "import"), true);
    await userEvent.click(await screen.findByRole("tab", { name: "Import" }));
    const csv =
      "Email,First name,City\nnew.person@example.org,Nia,Boston\nbad-address,Bo,Boston\ndeshawn.dubois@example.org,Deshawn,Boston\n";
    const file = new File([csv], "signups.csv", { type: "text/csv" });
    await userEvent.upload(screen.getByLabelText("CSV file"), file);
    expect(
      await screen.findByText("Check how signups.csv will be read"),
      "the preview comes before anything is written",
    ).toBeTruthy();
    expect(
      (screen.getByLabelText("Import the column Email as") as HTMLSelectElement).value,
      "the email column is recognized",
    ).toBe("email");
    expect(sent(mail, "import_start"), "nothing was imported yet").toEqual([]);
    await userEvent.click(screen.getByRole("button", { name: "Import 3 rows into Announcements" }));
    const bar = await screen.findByRole("progressbar", { name: "Import progress" });
    const first = scenes("import").find((e) => e.command === "import_start")!.events![0].payload as {
      rows_done: number;
    };
    expect(bar.getAttribute("value"), "the bar shows the rows done the core reported").toBe(String(first.rows_done));
    expect(screen.getByRole("button", { name: "Cancel import" }), "the import can be cancelled").toBeTruthy();
    mail.release();
    expect(await screen.findByText("Imported signups.csv into Announcements"), "the report follows").toBeTruthy();
    expect(screen.getByTestId("report-imported").textContent, "one new person").toBe("1");
    expect(screen.getByTestId("report-rejected").textContent, "one rejected row").toBe("1");
    expect(screen.getByTestId("report-kept-off").textContent, "Deshawn had left and stays off").toBe("1");
    const rejected = screen.getByText("“bad-address” is not an email address: it has no @.").closest("tr")!;
    expect(within(rejected).getByText("3"), "the rejected row gives its line").toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: "Save report…" }));
    expect(
      await screen.findByText(/Report saved to \/home\/organizer\/Documents\/signups-report.csv/),
      "the report is saved where the dialog answered",
    ).toBeTruthy();
    expect(sent(mail, "import_report_save"), "the save dialog starts from the report's name, not a path").toEqual([
      { suggested: "signups-report.csv" },
    ]);
    mail.dialogAnswer = null;
    await userEvent.click(screen.getByRole("button", { name: "Save report…" }));
    await waitFor(() => expect(sent(mail, "import_report_save").length, "the dialog was asked again").toBe(2));
    expect(
      screen.queryByText(/Report saved to/),
      "a closed dialog saves nothing and says nothing was saved",
    ).toBeNull();
  });

  it("a cancelled import says nothing was saved", async () => {
    const { mail } = open(scenes("sample", "importCancelled"), true);
    await userEvent.click(await screen.findByRole("tab", { name: "Import" }));
    await userEvent.upload(screen.getByLabelText("CSV file"), new File(["email\nx@example.org\n"], "x.csv"));
    await userEvent.click(await screen.findByRole("button", { name: "Import 1 row into Announcements" }));
    await userEvent.click(await screen.findByRole("button", { name: "Cancel import" }));
    expect(await screen.findByText("Import cancelled: nothing was saved"), "the cancel is reported").toBeTruthy();
    expect(sent(mail, "import_cancel").length, "the cancel reached the window's import").toBe(1);
  });

  it("shows why a file was refused", async () => {
    open(scenes("sample", "previews"));
    await userEvent.click(await screen.findByRole("tab", { name: "Import" }));
    await userEvent.upload(screen.getByLabelText("CSV file"), new File([""], "empty.csv"));
    expect((await screen.findByTestId("import-error")).textContent, "the core's message is shown").toMatch(
      /The file is empty/,
    );
  });

  it("adds a subscriber and shows a field's error beside it", async () => {
    const { mail } = open(scenes("sample", "add"));
    await userEvent.click(await screen.findByRole("button", { name: "Add subscriber" }));
    await userEvent.type(screen.getByLabelText("Email address"), "ANA.ALVAREZ@example.org");
    await userEvent.click(screen.getAllByRole("button", { name: "Add subscriber" })[1]);
    expect(
      await screen.findByText(/is already a subscriber/),
      "a duplicate address is refused beside the field",
    ).toBeTruthy();
    await userEvent.clear(screen.getByLabelText("Email address"));
    await userEvent.type(screen.getByLabelText("Email address"), "zoe.nguyen@example.org");
    await userEvent.type(screen.getByLabelText("Name"), "Zoe Nguyen");
    await userEvent.click(screen.getAllByRole("button", { name: "Add subscriber" })[1]);
    expect(await screen.findByText("Subscriber added."), "the add is confirmed").toBeTruthy();
    expect(
      sent(mail, "subscriber_add").map((a) => (a.input as { email: string }).email),
      "both addresses went to the core, which refused the first",
    ).toEqual(["ANA.ALVAREZ@example.org", "zoe.nguyen@example.org"]);
  });

  it("moves between tabs with the arrow keys", async () => {
    open();
    const tab = await screen.findByRole("tab", { name: "Subscribers" });
    tab.focus();
    await userEvent.keyboard("{ArrowRight}");
    expect(document.activeElement, "focus moves to the next tab").toBe(
      screen.getByRole("tab", { name: "Announcements" }),
    );
    expect(screen.getByRole("tab", { name: "Announcements" }).getAttribute("aria-selected"), "and selects it").toBe(
      "true",
    );
  });
});
