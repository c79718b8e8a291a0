// The ARIA tabs pattern's keys for a tab bar: ← and → move to the previous and
// next tab (wrapping), Home and End to the first and last. Answers the tab to
// select and focus, or null for any other key (left to the browser).
export function tabKey<T>(e: KeyboardEvent, ids: readonly T[], current: T): T | null {
  const i = ids.indexOf(current);
  const n = ids.length;
  const next =
    e.key === "ArrowRight"
      ? (i + 1) % n
      : e.key === "ArrowLeft"
        ? (i - 1 + n) % n
        : e.key === "Home"
          ? 0
          : e.key === "End"
            ? n - 1
            : null;
  if (next === null) return null;
  e.preventDefault();
  return ids[next];
}
