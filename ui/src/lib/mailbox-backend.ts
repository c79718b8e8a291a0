// The Mailbox part of the one door to Handbill's core: the IMAP side of the
// mail account in Settings (its password in the system keychain, or held for
// this session), a connection test and the return-address probe; and in Mail
// → Mailbox, checking the branch's mailbox for bounces, complaints and
// requests to leave (with progress events, and a check of its own every few
// minutes while the window is open), saved messages imported from a file,
// a message as it was read, undo and the coordinator's decisions.
// `Backend` extends this interface and the Tauri backend spreads `tauriMailbox`.
import * as commands from "./commands";
import { listen } from "@tauri-apps/api/event";
import { readBytes } from "./files";
import { asAppError } from "./invoke";
import type { Action } from "./bindings/Action";
import type { CheckReport } from "./bindings/CheckReport";
import type { ConnectionReport } from "./bindings/ConnectionReport";
import type { ImapAccount } from "./bindings/ImapAccount";
import type { MailboxEntry } from "./bindings/MailboxEntry";
import type { MailboxView } from "./bindings/MailboxView";
import type { MessageView } from "./bindings/MessageView";
import type { ProbeReport } from "./bindings/ProbeReport";
import type { Resolution } from "./bindings/Resolution";
import type { Security } from "./bindings/Security";

/** How far a check (or a file's import) has come, as the `mailbox-progress` event says. */
export type MailboxProgress = { done: number; total: number };

export type {
  Action,
  CheckReport,
  ConnectionReport,
  ImapAccount,
  MailboxEntry,
  MailboxView,
  MessageView,
  ProbeReport,
  Resolution,
  Security,
};

export interface MailboxBackend {
  /** The mailbox's settings (never a password), where its password is, when it was last checked, what was done and what needs the coordinator. */
  mailbox(): Promise<MailboxView>;
  /** Saves the IMAP settings; rejects naming the field that is wrong (`imap_host`, `imap_port`…). */
  saveMailbox(input: ImapAccount): Promise<MailboxView>;
  /** Keeps the password in the system keychain, or for this session only when there is none. */
  setMailboxPassword(password: string): Promise<MailboxView>;
  removeMailbox(): Promise<MailboxView>;
  /** Connects, encrypts, logs in and opens the folder; says which step failed. */
  testMailbox(): Promise<ConnectionReport>;
  /** Sends a message to a plus address of the branch's own and waits (up to a minute) to find it in the mailbox. */
  probeMailbox(): Promise<ProbeReport>;
  /** Reads the new messages and acts on them (with `dryRun`, only says what it would do).
   * Refused, with the field `mailbox`, while another check runs. */
  checkMailbox(dryRun?: boolean): Promise<CheckReport>;
  /** Reads messages saved from webmail: an .eml or .mbox file the organizer picked. */
  importMailbox(file: File): Promise<CheckReport>;
  /** One message as it was kept: its headers and its text. */
  mailboxMessage(id: number): Promise<MessageView>;
  /** Undoes a wrong reading: the person goes back on the lists it took them off. */
  undoMailbox(id: number): Promise<MailboxEntry>;
  /** Settles a message that needs the coordinator, as they decided. */
  resolveMailbox(id: number, resolution: Resolution): Promise<MailboxEntry>;
  /** Calls back with each step of a running check or import; returns the unsubscribe. */
  onMailboxProgress(callback: (p: MailboxProgress) => void): Promise<() => void>;
  /** Calls back with the report of every check that ends, the background one's too; returns the unsubscribe. */
  onMailboxChecked(callback: (r: CheckReport) => void): Promise<() => void>;
}

/** The Tauri commands behind `MailboxBackend`. */
export function tauriMailbox(): MailboxBackend {
  return {
    mailbox: () => commands.mailbox_view(),
    saveMailbox: (input) => commands.mailbox_save({ input }),
    setMailboxPassword: (password) => commands.mailbox_password({ password }),
    removeMailbox: () => commands.mailbox_remove(),
    testMailbox: () => commands.mailbox_test(),
    probeMailbox: () => commands.mailbox_probe(),
    checkMailbox: (dryRun) => commands.mailbox_check({ dryRun: dryRun ?? null }),
    async importMailbox(file) {
      let bytes: Uint8Array;
      try {
        bytes = await readBytes(file);
      } catch (e) {
        throw asAppError(e);
      }
      return commands.mailbox_import({ name: file.name, bytes: Array.from(bytes) });
    },
    mailboxMessage: (id) => commands.mailbox_message({ id }),
    undoMailbox: (id) => commands.mailbox_undo({ id }),
    resolveMailbox: (id, resolution) => commands.mailbox_resolve({ id, resolution }),
    onMailboxProgress: async (callback) => listen<MailboxProgress>("mailbox-progress", (e) => callback(e.payload)),
    onMailboxChecked: async (callback) => listen<CheckReport>("mailbox-checked", (e) => callback(e.payload)),
  };
}
