// The import preview shows the greeting each of the first people will get,
// as the core reads the file (the `previews` scene: a Google Form with a
// single "Full name" column).
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import App from "../App.svelte";
import { fakeBackend, sampleProfile } from "../lib/fake-backend";
import { scenes } from "../lib/replay";
import recorded from "../fixtures/answers.json";

beforeEach(() => {
  history.replaceState(null, "", "#/mail");
  localStorage.clear();
});

describe("the import preview", () => {
  it("shows how each of the first people will be greeted", async () => {
    render(App, { backend: fakeBackend({ branch: sampleProfile(), mail: scenes("sample", "previews") }) });
    await userEvent.click(await screen.findByRole("tab", { name: "Import" }));
    // The Google Form the scene recorded, sent as the window sends it.
    const exchange = (
      recorded.previews as { command: string; args: { body?: string; headers?: Record<string, string> } }[]
    ).find((e) => e.command === "import_preview" && e.args.body?.startsWith("Timestamp"));
    expect(exchange, "the scene recorded the form's preview").toBeTruthy();
    const name = exchange?.args.headers?.["x-file-name"] ?? "form.csv";
    await userEvent.upload(
      screen.getByLabelText("CSV file"),
      new File([exchange?.args.body ?? ""], name, { type: "text/csv" }),
    );
    const table = await screen.findByTestId("import-greetings");
    const rows = within(table)
      .getAllByRole("row")
      .slice(1)
      .map((r) => [...r.querySelectorAll("td")].map((td) => td.textContent?.trim()));
    expect(rows[0], "a full name gives its first word to the greeting").toEqual([
      "jamal.jones@example.org",
      "Jamal Jones",
      "Dear Jamal,",
    ]);
    expect(rows[1]).toEqual(["kim.kwan@example.org", "Kim Kwan", "Dear Kim,"]);
    expect(screen.getByRole("heading", { name: "How the first people will be greeted" })).toBeTruthy();
  });
});
