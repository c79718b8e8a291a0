import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import App from "./App.svelte";
import { fakeBackend, sampleProfile } from "./lib/fake-backend";
import { sectionFromHash } from "./lib/sections";

beforeEach(() => {
  history.replaceState(null, "", "#/");
  localStorage.clear();
});

describe("first start", () => {
  it("offers to create the branch or load the sample on an empty database", async () => {
    render(App, { backend: fakeBackend() });
    expect(
      await screen.findByRole("heading", { name: "Welcome to Handbill" }),
      "the welcome screen shows",
    ).toBeTruthy();
    expect(screen.getByRole("button", { name: "Create your branch" }), "creating is offered").toBeTruthy();
    expect(screen.getByRole("button", { name: "Load the sample branch" }), "the sample is offered").toBeTruthy();
  });

  it("loads the sample and opens the Events section", async () => {
    const backend = fakeBackend();
    render(App, { backend });
    await userEvent.click(await screen.findByRole("button", { name: "Load the sample branch" }));
    expect(await screen.findByRole("heading", { name: "Events", level: 1 }), "the events page opens").toBeTruthy();
    expect(backend.calls, "the sample was loaded through the backend").toContain("loadDemo");
    expect(screen.getByText("No events yet"), "the events page has an empty state").toBeTruthy();
  });

  it("tells the shell when the first screen is drawn", async () => {
    const backend = fakeBackend();
    render(App, { backend });
    await waitFor(() => expect(backend.calls, "ready is called after the status").toContain("ready"));
  });
});

describe("a database that cannot be opened", () => {
  it("shows why and what to do", async () => {
    render(App, {
      backend: fakeBackend({
        problem: {
          code: "newer_database",
          message: "x.sqlite was written by a newer version of Handbill.",
          fields: [],
        },
      }),
    });
    expect(await screen.findByRole("alert"), "the problem is announced").toBeTruthy();
    expect(screen.getByText("This database needs a newer Handbill"), "the title names the problem").toBeTruthy();
    expect(screen.getByText(/written by a newer version/), "the core's message is shown").toBeTruthy();
  });
});

describe("the branch profile form", () => {
  it("shows the field's message, keeps the text and saves nothing for a bad email", async () => {
    const backend = fakeBackend({ branch: sampleProfile() });
    history.replaceState(null, "", "#/settings");
    render(App, { backend });
    const email = (await screen.findByLabelText("Contact email")) as HTMLInputElement;
    await userEvent.clear(email);
    await userEvent.type(email, "not-an-address");
    await userEvent.click(screen.getByRole("button", { name: "Save profile" }));
    expect(
      await screen.findByText(/^“not-an-address” is not an email address\./),
      "the core's message for the field shows",
    ).toBeTruthy();
    expect(email.value, "the typed text is kept").toBe("not-an-address");
    expect(email.getAttribute("aria-invalid"), "the field is marked invalid").toBe("true");
    expect(document.activeElement, "focus moves to the field to fix").toBe(email);
    expect(backend.branch?.contact_email, "nothing was saved").toBe("branch@example.org");
  });

  it("saves valid changes and says so", async () => {
    const backend = fakeBackend({ branch: sampleProfile() });
    history.replaceState(null, "", "#/settings");
    render(App, { backend });
    const city = (await screen.findByLabelText("City")) as HTMLInputElement;
    await userEvent.clear(city);
    await userEvent.type(city, "Cambridge, MA");
    await userEvent.click(screen.getByRole("button", { name: "Save profile" }));
    expect(await screen.findByText("Saved."), "the form confirms the save").toBeTruthy();
    expect(backend.branch?.city, "the new city reached the backend").toBe("Cambridge, MA");
  });

  it("shows why a logo was refused", async () => {
    const backend = fakeBackend({ branch: sampleProfile() });
    history.replaceState(null, "", "#/settings");
    render(App, { backend });
    const input = (await screen.findByLabelText("Logo")) as HTMLInputElement;
    await userEvent.upload(input, new File(["hello"], "logo.txt", { type: "text/plain" }), { applyAccept: false });
    expect(await screen.findByText(/must be a PNG or JPEG/), "the refusal is shown").toBeTruthy();
  });
});

describe("navigation", () => {
  it("reaches every section from the keyboard with Alt+number", async () => {
    render(App, { backend: fakeBackend({ branch: sampleProfile() }) });
    await screen.findByRole("navigation", { name: "Sections" });
    for (const [key, title] of [
      ["2", "Coalition"],
      ["3", "Flyers"],
      ["4", "Mail"],
      ["5", "Settings"],
      ["1", "Events"],
    ]) {
      await userEvent.keyboard(`{Alt>}${key}{/Alt}`);
      expect(await screen.findByRole("heading", { name: title, level: 1 }), `Alt+${key} opens ${title}`).toBeTruthy();
      const current = screen.getByRole("link", { current: "page" });
      expect(current.textContent?.trim(), `the navigation marks ${title} as current`).toBe(title);
    }
  });

  it("reads the section from the address", () => {
    expect(sectionFromHash("#/mail"), "a known section is read").toBe("mail");
    expect(sectionFromHash("#/nowhere"), "an unknown one is ignored").toBeNull();
  });
});

describe("backups in Settings", () => {
  it("backs up on request and restores only after confirmation", async () => {
    // The core's recorded answers: no backup yet, one made by hand, that one restored (the `backups` scene).
    const backend = fakeBackend({ branch: sampleProfile() });
    const restores = () => backend.mail.calls.filter((c) => c.command === "backup_restore").map((c) => c.args);
    history.replaceState(null, "", "#/settings");
    render(App, { backend });
    expect(await screen.findByText(/No backups yet/), "an empty list says what to do").toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: "Back up now" }));
    const restore = await screen.findByRole("button", { name: /Restore the backup from/ });
    expect(screen.getByText("Made by hand"), "the new backup is listed with its reason").toBeTruthy();
    const [made] = await backend.backups();

    await userEvent.click(restore);
    const dialog = await screen.findByRole("alertdialog", { name: "Restore this backup?" });
    expect(document.activeElement?.textContent, "focus starts on the safe choice").toBe("Cancel");
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("alertdialog"), "Escape closes the question").toBeNull();
    expect(restores(), "nothing was restored").toEqual([]);

    await userEvent.click(restore);
    await screen.findByRole("alertdialog");
    await userEvent.click(screen.getByRole("button", { name: "Restore" }));
    expect(await screen.findByText(/Restored the backup/), "the restore is confirmed").toBeTruthy();
    expect(dialog.isConnected, "the question is gone").toBe(false);
    expect(restores(), "the backend was asked for that backup by its file name, never a path").toEqual([
      { fileName: made.file_name },
    ]);
    expect(made.file_name, "a file name").not.toContain("/");
  });
});
