// Announcements, against the core's recorded answers: "Announce" on an event
// opens the composer filled from it, the preview shows the reader's own first
// name, and an empty subject is refused by its field (the `composer` scene);
// a branch that also writes in Spanish adds a Spanish version filled from the
// event in Spanish, refused without a subject, previewed in Spanish
// (`composerSpanish`);
// the send asks first and then shows progress that pauses, resumes and
// finishes (`sending`: a real send to a loopback SMTP server, its progress
// events handed over one step at a time), a message left uncertain by a
// dropped connection waits for the organizer's decision (`uncertain`), and the
// mail account form refuses what the core refuses, naming the field, keeps the
// password in the keychain or for the session only, and tests the connection
// (`mailAccount`, `noKeychain`).
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import App from "./App.svelte";
import { fakeBackend, sampleProfile } from "./lib/fake-backend";
import { scenes, type Exchange } from "./lib/replay";
import { announceEvent } from "./lib/event-target";

beforeEach(() => {
  history.replaceState(null, "", "#/events");
  localStorage.clear();
});

/** The sample branch with one event, the rally (event 1); `announce`, the recorded announcements story to replay. */
function open(hash: string, announce?: Exchange[]) {
  const rally = { id: 1 };
  history.replaceState(null, "", hash);
  const backend = fakeBackend({
    branch: sampleProfile(),
    mail: scenes("sample"),
    eventsStory: scenes("rallyEvents"),
    announce,
  });
  render(App, { backend });
  return { backend, rally };
}

/** The commands the screens sent, in order. */
const sent = (backend: ReturnType<typeof fakeBackend>) => backend.mail.calls.map((c) => c.command);

describe("announcements", () => {
  it("opens the composer filled from the event the Events section hands over, and previews a reader's message", async () => {
    const { backend, rally } = open("#/events", scenes("composer"));
    announceEvent({ event: rally.id });
    const subject = (await screen.findByLabelText("Subject")) as HTMLInputElement;
    await waitFor(() => expect(subject.value, "the subject is filled from the event").toContain("Rally for Siham"));
    expect(
      (screen.getByLabelText("Message") as HTMLTextAreaElement).value,
      "the body comes from the template",
    ).toContain("{{first_name|friend}}");
    expect(
      screen.getByRole("tab", { name: "Announcements" }).getAttribute("aria-selected"),
      "the Announcements tab is open",
    ).toBe("true");

    await userEvent.click(screen.getByRole("button", { name: "Save draft" }));
    expect(await screen.findByText("Draft saved."), "the draft is saved").toBeTruthy();
    expect(
      backend.mail.calls.filter((c) => c.command === "announcement_save").map((c) => c.args.id),
      "one announcement reached the backend, created once",
    ).toEqual([null]);
    expect((await screen.findByTestId("ann-preview-subject")).textContent, "the preview shows the subject").toBe(
      subject.value,
    );

    await userEvent.selectOptions(screen.getByLabelText("Preview as"), "As Ana Alvarez");
    await waitFor(() =>
      expect(screen.getByTestId("ann-preview-html").textContent, "Ana's preview greets her by name").toContain(
        "Dear Ana",
      ),
    );
  });

  it("refuses an empty subject by its field and keeps the text written", async () => {
    const { rally } = open("#/events", scenes("composer"));
    announceEvent({ event: rally.id });
    const subject = (await screen.findByLabelText("Subject")) as HTMLInputElement;
    await waitFor(() => expect(subject.value, "filled first").not.toBe(""));
    await userEvent.clear(subject);
    await userEvent.click(screen.getByRole("button", { name: "Save draft" }));
    expect(await screen.findByText(/Give the announcement a subject/), "the subject's problem is shown").toBeTruthy();
    expect(subject.getAttribute("aria-invalid"), "the field is marked").toBe("true");
    expect((screen.getByLabelText("Message") as HTMLTextAreaElement).value, "the message is kept").toContain(
      "Rally for Siham",
    );
  });

  it("adds a Spanish version filled from the event in Spanish, refuses it without a subject, and previews it in Spanish", async () => {
    const { rally } = open("#/events", scenes("composerSpanish"));
    announceEvent({ event: rally.id });
    const subject = (await screen.findByLabelText("Subject")) as HTMLInputElement;
    await waitFor(() =>
      expect(subject.value, "the main subject is filled from the event").toContain("Rally for Siham"),
    );

    await userEvent.click(screen.getByRole("button", { name: "Add Spanish version" }));
    const esSubject = (await screen.findByLabelText("Subject (Spanish)")) as HTMLInputElement;
    await waitFor(() =>
      expect(esSubject.value, "the Spanish subject is filled from the event, in Spanish").toMatch(
        /^Reunión: Rally for Siham — lunes, 11 de enero de 2027/,
      ),
    );
    expect(
      (screen.getByLabelText("Message (Spanish)") as HTMLTextAreaElement).value,
      "the Spanish text greets in Spanish",
    ).toContain("Hola, {{first_name|compañera o compañero}}:");
    await waitFor(() => expect(document.activeElement, "the keyboard lands on the Spanish subject").toBe(esSubject));
    const filled = esSubject.value;

    await userEvent.clear(esSubject);
    await userEvent.click(screen.getByRole("button", { name: "Save draft" }));
    expect(
      await screen.findByText("Give the “es” version a subject line."),
      "the empty Spanish subject is refused by its field",
    ).toBeTruthy();
    expect(esSubject.getAttribute("aria-invalid"), "the Spanish subject is marked").toBe("true");
    expect(subject.getAttribute("aria-invalid"), "the main subject is not").toBeNull();

    await userEvent.click(screen.getByRole("button", { name: "Fill Spanish from event" }));
    await waitFor(() => expect(esSubject.value, "filled again from the event").toBe(filled));
    await userEvent.selectOptions(screen.getByLabelText("Preview and test in"), "es");
    await userEvent.click(screen.getByRole("button", { name: "Save draft" }));
    expect(await screen.findByText("Draft saved."), "the draft is saved with its Spanish version").toBeTruthy();
    await waitFor(() =>
      expect(screen.getByTestId("ann-preview-subject").textContent, "the preview reads the Spanish version").toBe(
        filled,
      ),
    );

    await userEvent.click(screen.getByRole("button", { name: "Remove Spanish version" }));
    expect(screen.queryByLabelText("Subject (Spanish)"), "the Spanish fields are gone").toBeNull();
    await waitFor(() =>
      expect(document.activeElement, "the keyboard lands on Add Spanish version").toBe(
        screen.getByRole("button", { name: "Add Spanish version" }),
      ),
    );
  });

  it("asks before sending, then shows progress that pauses, resumes and finishes", async () => {
    const { backend, rally } = open("#/events", scenes("sending"));
    backend.mail.hold = true;
    announceEvent({ event: rally.id });
    const subject = (await screen.findByLabelText("Subject")) as HTMLInputElement;
    await waitFor(() => expect(subject.value).not.toBe(""));
    await userEvent.click(screen.getByRole("button", { name: "Send now…" }));
    const dialog = await screen.findByRole("alertdialog");
    expect(dialog.textContent, "the question says how many people it reaches").toMatch(
      /goes to \d+ people on Announcements/,
    );
    await userEvent.click(within(dialog).getByRole("button", { name: "Send now" }));

    const bar = (await screen.findByRole("progressbar", { name: "Sending progress" })) as HTMLProgressElement;
    await waitFor(() => expect(bar.max, "a delivery per subscribed person").toBeGreaterThan(1));
    // The first message has gone.
    backend.mail.next();
    await waitFor(() => expect(screen.getByTestId("send-sent").textContent, "one sent").toBe("1"));
    expect(bar.value, "the bar moves").toBe(1);

    await userEvent.click(screen.getByRole("button", { name: "Pause" }));
    expect(await screen.findByRole("button", { name: "Resume" }), "paused: resume is offered").toBeTruthy();
    expect(screen.getByTestId("send-state").textContent, "the state says paused").toContain("Paused");
    // The message in hand when the pause came still goes; then the job stops.
    backend.mail.release();
    await waitFor(() => expect(screen.getByTestId("send-sent").textContent, "the message in hand went").toBe("2"));
    await userEvent.click(screen.getByRole("button", { name: "Resume" }));
    await screen.findByRole("button", { name: "Pause" });

    backend.mail.release();
    await waitFor(() => expect(screen.getByTestId("send-state").textContent, "finished").toContain("Finished."));
    expect(screen.getByTestId("send-left").textContent, "nobody left").toBe("0");
    expect(sent(backend), "pause and resume reached the backend").toEqual(
      expect.arrayContaining(["send_start", "send_pause", "send_resume"]),
    );
  });

  it("shows deliveries left uncertain and sends them again only when the organizer says so", async () => {
    const { backend, rally } = open("#/events", scenes("uncertain"));
    backend.mail.hold = true;
    announceEvent({ event: rally.id });
    const subject = (await screen.findByLabelText("Subject")) as HTMLInputElement;
    await waitFor(() => expect(subject.value).not.toBe(""));
    await userEvent.click(screen.getByRole("button", { name: "Send now…" }));
    await userEvent.click(within(await screen.findByRole("alertdialog")).getByRole("button", { name: "Send now" }));
    await screen.findByRole("progressbar", { name: "Sending progress" });
    // The connection drops while the server takes the first message.
    backend.mail.next();
    await userEvent.click(await screen.findByRole("button", { name: "Pause" }));
    expect(
      await screen.findByText(/1 message may or may not have arrived/),
      "the uncertain delivery is shown",
    ).toBeTruthy();
    expect(sent(backend).includes("send_decide_uncertain"), "nothing is resent by itself").toBe(false);
    await userEvent.click(screen.getByRole("button", { name: "Send them again" }));
    await waitFor(() => expect(screen.queryByText(/may or may not have arrived/), "decided").toBeNull());
    expect(
      backend.mail.calls.filter((c) => c.command === "send_decide_uncertain").map((c) => c.args.decision),
      "the decision reached the backend",
    ).toEqual(["resend"]);
  });

  it("lists the list's announcements, with an empty state first", async () => {
    open("#/mail", scenes("composer"));
    await userEvent.click(await screen.findByRole("tab", { name: "Announcements" }));
    expect(
      await screen.findByText("Nothing announced to this list yet"),
      "the empty state says how to start",
    ).toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: "New announcement" }));
    const subject = (await screen.findByLabelText("Subject")) as HTMLInputElement;
    await waitFor(() => expect(subject.value, "the first event fills it").toContain("Rally for Siham"));
    await userEvent.click(screen.getByRole("button", { name: "Save draft" }));
    await screen.findByText("Draft saved.");
    await userEvent.click(screen.getByRole("button", { name: "← All announcements" }));
    const rows = await screen.findAllByTestId("announcement-row");
    expect(rows.length, "the draft is listed").toBe(1);
    expect(rows[0].textContent, "with its state").toContain("Draft");
  });
});

describe("the mail account", () => {
  it("says where announcements go without one, refuses plain SMTP to another machine, and tests the connection", async () => {
    const { backend } = open("#/settings", scenes("mailAccount"));
    const explained = await screen.findByText(/No mail account is set up/);
    expect(explained.textContent, "the outbox is explained, and said to be unencrypted").toContain(
      "These files are not encrypted",
    );
    await userEvent.click(screen.getByRole("button", { name: "Set up a mail account" }));
    await userEvent.type(screen.getByLabelText("Mail server"), "smtp.example.org");
    await userEvent.selectOptions(screen.getByLabelText("Security"), "plain");
    await userEvent.click(screen.getByRole("button", { name: "Save account" }));
    expect(
      await screen.findByText(/only allowed to a server on this machine/),
      "plain to another host is refused",
    ).toBeTruthy();
    expect(screen.getByLabelText("Security").getAttribute("aria-invalid"), "by its field").toBe("true");

    // The recording's server, on this machine, where plain SMTP is allowed.
    await userEvent.clear(screen.getByLabelText("Mail server"));
    await userEvent.type(screen.getByLabelText("Mail server"), "127.0.0.1");
    await userEvent.clear(screen.getByLabelText("Port"));
    await userEvent.type(screen.getByLabelText("Port"), "2525");
    await userEvent.type(screen.getByLabelText("User name"), "boston");
    await userEvent.type(screen.getByLabelText("Password"), "s3cret");
    await userEvent.click(screen.getByRole("button", { name: "Save account" }));
    expect(await screen.findByText("Mail account saved."), "saved").toBeTruthy();
    expect(
      screen.getByText("The password is kept in the system keychain."),
      "the password's home is said",
    ).toBeTruthy();
    expect(screen.queryByDisplayValue("s3cret"), "the password is not shown again").toBeNull();
    await userEvent.click(screen.getByRole("button", { name: "Test connection" }));
    expect((await screen.findByTestId("connection-report")).textContent, "the test reports what happened").toContain(
      "logged in",
    );
    expect(sent(backend), "saved with its password").toEqual(
      expect.arrayContaining(["mail_account_save", "mail_account_password", "mail_account_test"]),
    );
  });

  it("asks for the password each session when there is no system keychain", async () => {
    open("#/settings", scenes("noKeychain"));
    expect(
      (await screen.findByTestId("password-home")).textContent,
      "the organizer is told why and what to do",
    ).toMatch(/no system keychain.*each session/);
    await userEvent.click(screen.getByRole("button", { name: "Change" }));
    expect(
      screen.getByText(/No system keychain here: kept only until Handbill closes/),
      "the password field says where it goes",
    ).toBeTruthy();
    await userEvent.type(screen.getByLabelText("Password"), "s3cret");
    await userEvent.click(screen.getByRole("button", { name: "Save account" }));
    expect(
      await screen.findByText(/kept only until Handbill closes; you will be asked again next time/),
      "held for the session",
    ).toBeTruthy();
  });
});
