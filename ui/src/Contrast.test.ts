// The palette's contrast, read from app.css itself: text colours keep 4.5:1
// and the edges of fields and buttons (--border-strong) 3:1 against every
// background, in the light palette, the dark one the setting picks, and the
// dark one the system's preference picks (axe-core, run on every screen by
// tests/e2e/a11y.test.mjs, checks text but not edges). Ratios by WCAG 2's
// relative luminance formula.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const css = readFileSync(path.join(import.meta.dirname, "app.css"), "utf8");

/** The custom properties set in the block opened by `selector`. */
function palette(selector: string): Record<string, string> {
  const start = css.indexOf(selector);
  expect(start, `app.css has a block for ${selector}`).toBeGreaterThanOrEqual(0);
  const body = css.slice(css.indexOf("{", start) + 1, css.indexOf("}", start));
  return Object.fromEntries(
    [...body.matchAll(/--([\w-]+):\s*(#[0-9a-f]{6})\s*;/gi)].map((m) => [m[1], m[2].toLowerCase()]),
  );
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function ratio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

const BACKGROUNDS = ["bg", "surface", "surface-2", "sidebar"];
const palettes = {
  light: palette(":root {"),
  "dark (setting)": palette(':root[data-theme="dark"]'),
  "dark (system)": palette(':root:not([data-theme="light"])'),
};

describe("contrast of the palette", () => {
  it("computes ratios as WCAG does", () => {
    expect(ratio("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(ratio("#767676", "#ffffff")).toBeCloseTo(4.54, 2);
  });

  it("both dark palettes are the same", () => {
    expect(palettes["dark (system)"]).toEqual(palettes["dark (setting)"]);
  });

  for (const [name, p] of Object.entries(palettes)) {
    it(`${name}: text 4.5:1 and field edges 3:1 against every background`, () => {
      for (const bg of BACKGROUNDS) {
        expect(p[bg], `${name} sets --${bg}`).toMatch(/^#/);
        for (const text of ["text", "text-muted", "text-faint"]) {
          expect(ratio(p[text], p[bg]), `${name}: --${text} on --${bg}`).toBeGreaterThanOrEqual(4.5);
        }
        expect(ratio(p["border-strong"], p[bg]), `${name}: --border-strong against --${bg}`).toBeGreaterThanOrEqual(3);
      }
    });
  }
});
