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

// Each test starts from an empty page.
import { cleanup } from "@testing-library/svelte";
import { afterEach } from "vitest";
afterEach(() => cleanup());
