// For UI tests: the window's commands answered with the core's own answers,
// recorded by src-tauri/core/tests/ui_answers.rs into src/fixtures/. The
// screens run against the real Tauri backend (backend.ts and the generated
// commands.ts) and Tauri's IPC mock, so they are tested against what the core
// really answers, with no copy of its rules here: a call that was not recorded
// is not answered (it rejects, and is listed in `unanswered`).
//
// A story is a list of exchanges (one scene, or scenes that continue one
// another): an exchange marked `changes` changed the branch, and a question is
// answered with the latest answer recorded before the next change the screens
// have not made yet; a change made again is the next one recorded like it.
// Several stories are independent: the first that can answer a call answers it. The save dialog, which the window opens on the
// Rust side, is the test's to answer.
import { mockIPC } from "@tauri-apps/api/mocks";
import type { AppError } from "./bindings/AppError";
import { dialogAnswer, documents, type DialogAnswer } from "./fake-dialog";
import recorded from "../fixtures/answers.json";

export type Exchange = {
  command: string;
  args: Record<string, unknown>;
  answer?: unknown;
  error?: AppError;
  changes?: boolean;
  /** Events the command's background work sent, in order (an import's progress and end). */
  events?: { event: string; payload: unknown }[];
};

export type Replay = {
  /** Every command the screens sent, with its arguments as Tauri receives them. */
  calls: { command: string; args: Record<string, unknown> }[];
  /** Calls no recording answers: a test expects none. */
  unanswered: string[];
  /** What the save dialog answers: a path, null when closed, undefined for the suggestion as offered. */
  dialogAnswer: DialogAnswer;
  /** Holds a command's events after its first until `release()` or a cancel command. */
  hold: boolean;
  /** Sends the next held event, as the background work reports its next step. */
  next(): void;
  release(): void;
};

/** A recorded scene; in Mail, `sample` is the branch the others continue. */
export type SceneName = keyof typeof recorded;

/** The exchanges of these scenes, one after the other. */
export function scenes(...names: SceneName[]): Exchange[] {
  return names.flatMap((n) => recorded[n] as Exchange[]);
}

/** The marker the recording puts where the save dialog chose the file. */
const DIALOG = "<dialog>";

/** Arguments in one canonical text: keys sorted, a raw body as text with its headers decoded. */
function canonical(args: unknown, options?: { headers?: Record<string, string> }): string {
  if (args instanceof Uint8Array || args instanceof ArrayBuffer) {
    const headers = Object.fromEntries(
      Object.entries(options?.headers ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]),
    );
    return canonical({ body: new TextDecoder().decode(args), headers });
  }
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.keys(v)
              .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
              .sort()
              .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(sort(args ?? {}));
}

/** The text a call is looked up by: its command and arguments, an argument given as null
 * the same as one not given (the window's Rust reads both as None). */
function keyOf(command: string, args: unknown, options?: { headers?: Record<string, string> }): string {
  const plain = JSON.parse(canonical(args, options)) as unknown;
  const given =
    plain && typeof plain === "object" && !Array.isArray(plain)
      ? Object.fromEntries(Object.entries(plain).filter(([, v]) => v !== null))
      : plain;
  return `${command} ${JSON.stringify(given)}`;
}

/** The answer with the dialog's path where the file went (and a file written beside it,
 * recorded as `<dialog>.alt.txt`, with the chosen file's extension replaced); with the
 * dialog closed, no path, and no report of a file written (as the window answers then). */
function withDialog(value: unknown, path: string | null): unknown {
  if (value === DIALOG) return path;
  if (typeof value === "string" && value.startsWith(`${DIALOG}.`))
    return path === null ? null : path.replace(/\.[^./]*$/, "") + value.slice(DIALOG.length);
  if (Array.isArray(value)) return value.map((v) => withDialog(v, path));
  if (value && typeof value === "object") {
    if (path === null && Object.values(value).some((v) => typeof v === "string" && v.startsWith(DIALOG))) return null;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withDialog(v, path)]));
  }
  return value;
}

/** Every replay made in the current test, for test-setup.ts to check that each call was answered. */
export const replays: Replay[] = [];

/** Answers the window's commands from the stories; call it before rendering. */
export function replay(stories: Exchange[][]): Replay {
  const told = stories.map((exchanges) => ({
    exchanges,
    keys: exchanges.map((e) => keyOf(e.command, e.args)),
    done: -1,
  }));
  const queue: { event: string; payload: unknown }[] = [];
  mockIPC(() => undefined, { shouldMockEvents: true });
  type Invoke = (cmd: string, args: unknown, options?: { headers?: Record<string, string> }) => Promise<unknown>;
  const internals = (window as unknown as { __TAURI_INTERNALS__: { invoke: Invoke } }).__TAURI_INTERNALS__;
  // mockIPC's invoke: it answers Tauri's event plugin (listen, emit, unlisten).
  const events = internals.invoke;
  const emit = (e: { event: string; payload: unknown }) => events("plugin:event|emit", e);
  const flush = () => queue.splice(0).forEach(emit);
  const r: Replay = {
    calls: [],
    unanswered: [],
    dialogAnswer: undefined,
    hold: false,
    next() {
      setTimeout(() => {
        const e = queue.shift();
        if (e) emit(e);
      });
    },
    release() {
      setTimeout(flush);
    },
  };

  function find(key: string): Exchange | null {
    for (const story of told) {
      const { exchanges, keys } = story;
      const next = exchanges.findIndex((e, i) => e.changes && i > story.done);
      const limit = next < 0 ? exchanges.length : next;
      const change = keys.findIndex((k, i) => i >= limit && k === key && exchanges[i].changes);
      for (let i = limit - 1; i >= 0; i--)
        if (keys[i] === key) {
          // The same change made again (a second draft like the first): the next one recorded.
          if (exchanges[i].changes && change >= 0) break;
          return exchanges[i];
        }
      if (change >= 0) {
        story.done = change;
        return exchanges[change];
      }
    }
    return null;
  }

  internals.invoke = async (command: string, args: unknown, options?: { headers?: Record<string, string> }) => {
    if (command.startsWith("plugin:")) return events(command, args, options);
    // The window's own answer, from the computer rather than the core.
    if (command === "default_folder") return documents;
    const plain = JSON.parse(canonical(args, options)) as Record<string, unknown>;
    r.calls.push({ command, args: plain });
    const key = keyOf(command, args, options);
    const exchange = find(key);
    if (!exchange) {
      r.unanswered.push(key);
      throw { code: "internal", message: `No recorded answer for ${key}`, fields: [] } satisfies AppError;
    }
    if (exchange.events?.length) {
      queue.push(...exchange.events);
      // The first event at once; the others wait while the test holds them.
      setTimeout(() => {
        const first = queue.shift();
        if (first) emit(first);
        if (!r.hold) flush();
      });
    }
    if (command.endsWith("_cancel")) r.release();
    if (exchange.error) throw exchange.error;
    const suggested = typeof plain.suggested === "string" ? plain.suggested : null;
    return suggested === null ? exchange.answer : withDialog(exchange.answer, dialogAnswer(r.dialogAnswer, suggested));
  };
  replays.push(r);
  return r;
}
