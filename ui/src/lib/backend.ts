// The one module through which the UI reaches Handbill's core. Screens receive a
// `Backend`; the window gets the Tauri one, UI tests a fake with the same shape.
import { invoke } from "@tauri-apps/api/core";
import type { AppError } from "./bindings/AppError";
import type { AppStatus } from "./bindings/AppStatus";
import type { BranchInput } from "./bindings/BranchInput";
import type { BranchProfile } from "./bindings/BranchProfile";
import type { DemoReport } from "./bindings/DemoReport";
import type { BackupInfo } from "./bindings/BackupInfo";

export type { AppError, AppStatus, BackupInfo, BranchInput, BranchProfile, DemoReport };

export interface Backend {
  status(): Promise<AppStatus>;
  saveBranch(input: BranchInput): Promise<BranchProfile>;
  setLogo(bytes: Uint8Array): Promise<BranchProfile>;
  clearLogo(): Promise<BranchProfile>;
  /** The logo as a data: URL, or null. */
  logo(): Promise<string | null>;
  loadDemo(): Promise<DemoReport>;
  timeZones(): Promise<string[]>;
  /** Tells the shell the first screen is drawn (startup measurement). */
  ready(): Promise<void>;
  /** The automatic and manual backups kept beside the database, newest first. */
  backups(): Promise<BackupInfo[]>;
  backupNow(): Promise<BackupInfo>;
  /** Replaces the database with a backup (after the user confirmed); answers the new status. */
  restoreBackup(path: string): Promise<AppStatus>;
  /** A plain-text report with no personal data, for bug reports. */
  diagnostics(): Promise<string>;
  openLogFolder(): Promise<void>;
}

/** Whatever was thrown, as the `{code, message, fields}` the core sends. */
export function asAppError(e: unknown): AppError {
  if (e && typeof e === "object" && "code" in e && "message" in e) {
    const err = e as Partial<AppError>;
    return { code: err.code ?? "internal", message: String(err.message), fields: err.fields ?? [] };
  }
  return { code: "internal", message: e instanceof Error ? e.message : String(e), fields: [] };
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw asAppError(e);
  }
}

export const tauriBackend: Backend = {
  status: () => call("app_status"),
  saveBranch: (input) => call("branch_save", { input }),
  setLogo: (bytes) => call("branch_set_logo", { bytes: Array.from(bytes) }),
  clearLogo: () => call("branch_clear_logo"),
  logo: () => call("branch_logo"),
  loadDemo: () => call("demo_load"),
  timeZones: () => call("time_zones"),
  ready: () => call("ui_ready"),
  backups: () => call("backups_list"),
  backupNow: () => call("backup_now"),
  restoreBackup: (path) => call("backup_restore", { path }),
  diagnostics: () => call("diagnostics_report"),
  openLogFolder: () => call("open_log_folder"),
};
