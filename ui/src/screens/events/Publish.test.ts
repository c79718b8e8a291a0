// Events → Publish a web site against the core's recorded answers
// (src/fixtures/answers.json, scene `publish`, recorded by
// src-tauri/core/tests/ui_answers.rs): the sample branch published into the
// folder the system's folder dialog answered (opened on the Rust side: the
// page sends only the site's address), the window saying where it went and
// what was written, then opening it. The rules are the core's; here, what
// the card sends and shows.
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import Publish from "./Publish.svelte";
import { fakeBackend, sampleProfile } from "../../lib/fake-backend";
import { scenes } from "../../lib/replay";

describe("Publish a web site", () => {
  it("publishes where the folder dialog answers, says what was written, and opens the site", async () => {
    const backend = fakeBackend({ branch: sampleProfile(), eventsStory: scenes("publish") });
    const user = userEvent.setup();
    render(Publish, { backend });

    expect(screen.queryByRole("button", { name: "Open site" }), "nothing to open before publishing").toBeNull();
    await user.click(screen.getByRole("button", { name: "Publish site…" }));
    const said = await screen.findByText(
      /^Published \d+ event pages and 1 tour to \/home\/organizer\/Documents\/site:/,
    );
    expect(said.textContent, "the window says how many files were written the first time").toMatch(
      /\d+ files written, 0 unchanged, 0 removed\./,
    );
    expect(
      backend.mail.calls.filter((c) => c.command === "site_publish").map((c) => c.args),
      "the page sends the address only, never a folder",
    ).toEqual([{ address: "" }]);

    await user.click(screen.getByRole("button", { name: "Open site" }));
    await waitFor(() =>
      expect(
        screen.getByText("Opened /home/organizer/Documents/site/index.html"),
        "the site's front page is opened",
      ).toBeTruthy(),
    );
    expect(screen.queryByRole("alert"), "no error").toBeNull();
  });
});
