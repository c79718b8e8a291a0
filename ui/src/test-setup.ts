// jsdom lacks matchMedia, which the theme code reads.
if (!window.matchMedia) {
  window.matchMedia = (query: string) =>
    ({
      matches: false,
      media: query,
      onchange: null,
      addEventListener() {},
      removeEventListener() {},
      addListener() {},
      removeListener() {},
      dispatchEvent: () => false,
    }) as MediaQueryList;
}

// Each test starts from an empty page, and a test whose screens made a call no
// recording answers fails, naming the call (see lib/replay.ts).
import { cleanup } from "@testing-library/svelte";
import { afterEach, expect } from "vitest";
import { replays } from "./lib/replay";
afterEach(() => {
  cleanup();
  for (const r of replays.splice(0))
    expect(r.unanswered, "every call the screens made has a recorded answer").toEqual([]);
});
