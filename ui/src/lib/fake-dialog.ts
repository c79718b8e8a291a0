// The system's save dialog as the UI fakes see it: an answer a test sets (a
// path, or null for a dialog the organizer closed), else the suggestion taken
// as it was offered, in the documents folder the fakes report.
export type DialogAnswer = string | null | undefined;

/** The folder the window suggests saving files in. */
export const documents = "/home/organizer/Documents";

export function dialogAnswer(answer: DialogAnswer, suggested: string): string | null {
  if (answer !== undefined) return answer;
  return suggested.startsWith("/") ? suggested : `${documents}/${suggested}`;
}
