// When something happened, in words: "3 minutes ago" beside the date it
// stands for (the Mailbox's last check, the sidebar's last sync), in this
// computer's time.

/** "Mar 3, 2027, 7:05 PM" from an RFC 3339 instant, in this computer's time. */
export function dateText(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** "just now", "3 minutes ago", "yesterday", or the date when it is a week or more, as seen at `at`. */
export function agoText(iso: string, at: number): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const seconds = Math.round((at - t) / 1000);
  if (seconds < 45) return "just now";
  const words = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return words.format(-minutes, "minute");
  const hours = Math.round(minutes / 60);
  if (hours < 24) return words.format(-hours, "hour");
  const days = Math.round(hours / 24);
  if (days < 7) return words.format(-days, "day");
  return `on ${dateText(iso)}`;
}
