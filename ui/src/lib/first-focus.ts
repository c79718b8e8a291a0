/**
 * Gives the field `id` the keyboard when a form has finished loading, unless
 * the organizer is already in a field: on a busy machine a form's lists can
 * arrive after the first keystrokes, and taking the focus then sent the rest
 * of what was being typed into another field.
 */
export function focusUnlessTyping(id: string): void {
  const active = document.activeElement;
  if (
    active instanceof HTMLInputElement ||
    active instanceof HTMLTextAreaElement ||
    active instanceof HTMLSelectElement
  )
    return;
  document.getElementById(id)?.focus();
}
