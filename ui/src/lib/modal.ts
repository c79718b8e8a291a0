// A modal dialog's keyboard: while it is open, Tab and Shift+Tab cycle through
// what can be focused inside it, focus that lands outside (a click on the page
// behind) is brought back, and Escape closes it wherever focus is. When it
// closes, focus goes back to what had it before it opened (the button that
// opened it), if that is still on the page.
import type { Action } from "svelte/action";

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"]), [contenteditable="true"]';

function focusables(node: HTMLElement): HTMLElement[] {
  return [...node.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
    (el) => !el.closest("[inert]") && (el.getClientRects().length > 0 || el === document.activeElement),
  );
}

export const modal: Action<HTMLElement, { onclose: () => void }> = (node, params) => {
  let onclose = params.onclose;
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;

  function onKey(e: KeyboardEvent) {
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      onclose();
      return;
    }
    if (e.key !== "Tab") return;
    const items = focusables(node);
    if (items.length === 0) {
      e.preventDefault();
      node.focus();
      return;
    }
    const first = items[0];
    const last = items[items.length - 1];
    const at = document.activeElement;
    const inside = at instanceof Node && node.contains(at);
    if (e.shiftKey && (!inside || at === first || at === node)) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (!inside || at === last)) {
      e.preventDefault();
      first.focus();
    }
  }

  function onFocusIn(e: FocusEvent) {
    if (e.target instanceof Node && !node.contains(e.target)) (focusables(node)[0] ?? node).focus();
  }

  document.addEventListener("keydown", onKey, true);
  document.addEventListener("focusin", onFocusIn);
  return {
    update(next) {
      onclose = next.onclose;
    },
    destroy() {
      document.removeEventListener("keydown", onKey, true);
      document.removeEventListener("focusin", onFocusIn);
      if (opener?.isConnected) opener.focus();
    },
  };
};
