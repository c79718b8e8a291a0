// Saving a file from the window goes through the system's save dialog, which
// Handbill opens on the Rust side: the screens send only the name the dialog
// starts from (never a folder or a path of their own), say where the file
// went when the organizer confirms, and say nothing was written (with no
// error) when the dialog is closed. The fakes answer the dialog as data.
import { describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import Export from "./screens/mail/Export.svelte";
import IcsExport from "./screens/events/IcsExport.svelte";
import Cosponsors from "./screens/events/Cosponsors.svelte";
import { fakeBackend, sampleProfile } from "./lib/fake-backend";
import { scenes } from "./lib/replay";

describe("saving through the save dialog", () => {
  it("exports a list where the dialog answers, and a closed dialog writes nothing", async () => {
    const backend = fakeBackend({ branch: sampleProfile(), mail: scenes("sample", "export") });
    const mail = backend.mail;
    const [list] = await backend.lists();
    render(Export, { backend, list });
    mail.dialogAnswer = null;
    await userEvent.click(screen.getByRole("button", { name: "Export…" }));
    const exports = () => mail.calls.filter((c) => c.command === "export_csv");
    await waitFor(() => expect(exports().length, "the dialog was opened").toBe(1));
    expect(exports()[0].args.suggested, "starting from the list's file name").toBe("announcements.csv");
    expect(screen.queryByRole("alert"), "a closed dialog is not an error").toBeNull();
    expect(screen.queryByRole("status"), "and nothing is said to be exported").toBeNull();
    mail.dialogAnswer = "/media/usb/announcements.csv";
    await userEvent.click(screen.getByRole("button", { name: "Export…" }));
    expect(
      await screen.findByText("Exported 3 people to /media/usb/announcements.csv. The file is not encrypted."),
      "the window says where the file went, with the core's count of the list's subscribed people",
    ).toBeTruthy();
  });

  it("saves an .ics where the dialog answers, starting from the file's name only", async () => {
    // The campus tour (tour 1) with one dated stop.
    const backend = fakeBackend({ branch: sampleProfile(), eventsStory: scenes("icsExport") });
    // `props:` spelled out: `target` is also one of render's own options.
    render(IcsExport, {
      props: { backend, target: { tour: 1 }, fileName: "campus-tour.ics", title: "Export the tour (.ics)" },
    });
    await userEvent.click(screen.getByRole("button", { name: "Save .ics…" }));
    expect(
      await screen.findByText("Saved /home/organizer/Documents/campus-tour.ics"),
      "the window says where the file went",
    ).toBeTruthy();
    expect(
      backend.mail.calls.filter((c) => c.command === "events_export_ics").map((c) => c.args.suggested),
      "the dialog starts from the name alone",
    ).toEqual(["campus-tour.ics"]);
    backend.mail.dialogAnswer = null;
    await userEvent.click(screen.getByRole("button", { name: "Save .ics…" }));
    await waitFor(() => expect(screen.queryByText(/^Saved /), "a closed dialog leaves no “Saved” message").toBeNull());
    expect(screen.queryByRole("alert"), "a closed dialog is not an error").toBeNull();
  });

  it("drafts the invitation and writes the .eml only where the dialog answers", async () => {
    // Justice4Siham Coalition, with Rosa Diaz (contact 1), and the rally (event 1).
    const backend = fakeBackend({ branch: sampleProfile(), coalition: scenes("invitation") });
    const contact = { id: 1 };
    render(Cosponsors, { backend, eventId: 1, eventTitle: "Rally for Siham" });
    const select = await screen.findByLabelText("Contact person");
    await waitFor(() => expect(select.querySelectorAll("option").length, "the contact is offered").toBe(2));
    await userEvent.selectOptions(select, String(contact.id));
    await userEvent.click(screen.getByRole("button", { name: "Draft invitation…" }));
    expect(
      await screen.findByText(/wrote \/home\/organizer\/Documents\/invitation-justice4siham-coalition\.eml/),
      "the window says where the .eml went",
    ).toBeTruthy();
    expect(
      backend.coalition.calls.filter((c) => c.command === "invitation_draft").map((c) => c.args),
      "the dialog starts from a file name, not a path",
    ).toEqual([{ eventId: 1, contactId: contact.id, suggested: "invitation-justice4siham-coalition.eml" }]);
    backend.coalition.dialogAnswer = null;
    await userEvent.click(screen.getByRole("button", { name: "Draft invitation…" }));
    expect(
      await screen.findByText(/no \.eml file was written/),
      "a closed dialog says the draft is kept but no file written",
    ).toBeTruthy();
  });
});
