// Consent in the Mail screens, against the fake backend and answers recorded
// from the core: the import preview says how a consent column is read, the
// subscriber panel unsubscribes from every list unless the person asked to
// leave only one, and putting back someone who opted out asks how they asked
// and shows that evidence in the ledger.
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import App from "../App.svelte";
import type { ImportPreview } from "../lib/backend";
import { fakeBackend, sampleProfile } from "../lib/fake-backend";
import { sampleMail } from "../lib/fake-mail";

beforeEach(() => {
  history.replaceState(null, "", "#/mail");
  localStorage.clear();
});

function open(mail = sampleMail()) {
  const backend = fakeBackend({ branch: sampleProfile(), mail });
  render(App, { backend });
  return { backend, mail };
}

/** The core's preview of tests/fixtures/consent/google-form-signup.csv, as `handbill subscribers import --dry-run` prints it. */
const formPreview: ImportPreview = {
  file_name: "google-form-signup.csv",
  encoding: "UTF-8",
  delimiter: "comma",
  source_kind: "spreadsheet",
  has_header: true,
  rows: 6,
  default_status: "subscribed",
  columns: [
    {
      index: 0,
      header: "Timestamp",
      field: "evidence",
      samples: ["5/1/2024 14:03:22"],
      reading: "Kept as evidence; the date of the opt-in",
    },
    { index: 1, header: "Email address", field: "email", samples: ["jamal.jones@example.org"], reading: "" },
    { index: 2, header: "Full name", field: "name", samples: ["Jamal Jones"], reading: "" },
    {
      index: 3,
      header: "Can we email you about upcoming actions?",
      field: "consent",
      samples: ["Yes", "No", "Yes, please"],
      reading: "“Yes” → subscribed · “No” → unsubscribed · “Yes, please” → subscribed · blank → not subscribed",
    },
    { index: 4, header: "Preferred language", field: "language", samples: ["English"], reading: "" },
    { index: 5, header: "ZIP code", field: "postal_code", samples: ["02139"], reading: "" },
  ],
  notices: [
    "A consent column is read: only a yes puts someone on the list; no unsubscribes, and blank leaves them off.",
  ],
};

describe("consent in the Mail screens", () => {
  it("shows how a consent column will be read before anything is imported", async () => {
    const mail = sampleMail();
    mail.recordedPreview = formPreview;
    const { backend } = open(mail);
    await userEvent.click(await screen.findByRole("tab", { name: "Import" }));
    const file = new File(
      ["Timestamp,Email address\n5/1/2024 14:03:22,jamal.jones@example.org\n"],
      "google-form-signup.csv",
      {
        type: "text/csv",
      },
    );
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
    expect(backend.mail.calls, "nothing was imported").not.toContain("startImport");
  });

  it("unsubscribes from one list only when the person asked for exactly that", async () => {
    const { mail } = open();
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
    expect(mail.calls, "the window asked the core for this list only").toContain("setStatus:unsubscribed:only");
  });

  it("unsubscribes from every list by default", async () => {
    const { mail } = open();
    await userEvent.click(await screen.findByRole("button", { name: "ben.brooks@example.org" }));
    const panel = await screen.findByRole("dialog", { name: "Ben Brooks" });
    await userEvent.click(within(panel).getByRole("button", { name: "Unsubscribe from Announcements" }));
    expect(
      await within(panel).findByText(/from any list of the branch, lists made later too/),
      "the panel says it covers every list",
    ).toBeTruthy();
    expect(mail.calls, "no 'only' was asked").toContain("setStatus:unsubscribed");
  });

  it("asks how someone who opted out asked to come back, and the ledger shows it as evidence", async () => {
    const mail = sampleMail();
    mail.refuseWithoutEvidence = true;
    open(mail);
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
