// An event's Sign-in view against the core's recorded answers
// (src/fixtures/answers.json, scene `signIn`, recorded by
// src-tauri/core/tests/ui_answers/attendance.rs): the reading group's second
// meeting, where Ana and Carmen came to the first. Typing “Ana” offers her;
// ↓ and Enter fill the row and move to “Email me”; Space and Enter save it.
// Deshawn, who unsubscribed, ticks the box too: the row says his opt-out
// stands. The rules are the core's; here, what the view sends and shows.
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import SignIn from "./SignIn.svelte";
import { fakeBackend } from "../../lib/fake-backend";
import { scenes } from "../../lib/replay";

/** The event the scene signs people in at: the last one it reads. */
function eventId(): number {
  const read = scenes("signIn").find((x) => x.command === "event_get");
  return (read!.args as { id: number }).id;
}

describe("an event's Sign-in view", () => {
  it("types the sheet by keyboard: a known person completed and ticked, an opt-out that stands", async () => {
    const backend = fakeBackend({ eventsStory: scenes("signIn") });
    const user = userEvent.setup();
    render(SignIn, { backend, id: eventId(), onback: () => {} });

    const name = await screen.findByLabelText("Name");
    await waitFor(() => expect(document.activeElement, "the cursor starts in the first row's name").toBe(name));
    expect(screen.getByText(/Nobody signed in yet/), "the empty sheet says what to do").toBeTruthy();
    const missed = screen.getByRole("heading", { name: "Came last time, not this time" }).parentElement!;
    await waitFor(() =>
      expect(missed.textContent, "last week's people are listed until they sign in").toContain("Carmen Cruz"),
    );

    await user.type(name, "Ana");
    const option = await screen.findByRole("option", { name: /Ana Alvarez/ });
    expect(option.textContent, "the known person is offered with her address").toContain("ana.alvarez@example.org");
    await user.keyboard("{ArrowDown}{Enter}");
    expect((screen.getByLabelText("Email") as HTMLInputElement).value, "choosing her fills the address").toBe(
      "ana.alvarez@example.org",
    );
    const box = screen.getByLabelText("Email me") as HTMLInputElement;
    expect(document.activeElement, "and moves to the Email me box").toBe(box);
    await user.keyboard(" ");
    expect(box.checked, "Space ticks the box").toBe(true);
    await user.keyboard("{Enter}");
    await waitFor(() =>
      expect(screen.getByTestId("signin-said").textContent).toBe(
        "Row 1: Ana Alvarez, known before, already on the list.",
      ),
    );
    await waitFor(() => expect(document.activeElement, "the next row starts at its name").toBe(name));
    expect(screen.getByTestId("signin-came").textContent, "one came").toBe("1");
    expect(missed.textContent, "Ana came again; Carmen has not").not.toContain("Ana Alvarez");

    await user.click(name);
    await user.paste("Deshawn Dubois");
    await user.click(screen.getByLabelText("Email"));
    await user.paste("deshawn.dubois@example.org");
    await user.click(box);
    await user.keyboard("{Enter}");
    await waitFor(() =>
      expect(screen.getByTestId("signin-note").textContent, "the organizer is told why he stays off").toMatch(
        /unsubscribed since .* that opt-out stands/,
      ),
    );
    const table = screen.getByTestId("signin-table");
    expect(table.textContent, "his row says the box did not put him back").toContain("Opt-out stands");
    expect(screen.getByTestId("signin-came").textContent, "two came").toBe("2");

    expect(backend.mail.unanswered, "every call the view made has a recorded answer").toEqual([]);
    const sent = backend.mail.calls.filter((c) => c.command === "attendance_sign_in").map((c) => c.args);
    expect(sent.length, "two rows were saved, one call each").toBe(2);
  });
});
