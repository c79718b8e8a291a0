// Lints for the UI: JavaScript's and TypeScript's recommended rules, and
// eslint-plugin-svelte's for the components. Layout is prettier's job.
import js from "@eslint/js";
import svelte from "eslint-plugin-svelte";
import { defineConfig } from "eslint/config";
import globals from "globals";
import ts from "typescript-eslint";

export default defineConfig(
  // Generated from Rust by `make bindings`.
  { ignores: ["dist/", "src/lib/bindings/", "src/lib/commands.ts"] },
  js.configs.recommended,
  ts.configs.recommended,
  svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      // A placeholder's "\n" is a line break only inside a mustache.
      "svelte/no-useless-mustaches": ["error", { ignoreStringEscape: true }],
    },
  },
  {
    files: ["**/*.svelte", "**/*.svelte.ts"],
    languageOptions: { parserOptions: { parser: ts.parser, extraFileExtensions: [".svelte"] } },
  },
);
