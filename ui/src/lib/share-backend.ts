// The Sharing part of the one door to Handbill's core: this branch shared
// with other officers' laptops through a folder a sync tool carries
// (Settings → Sharing, the Welcome screen's *Join your branch*, and the
// sidebar's "Synced 2 minutes ago"). The folder is picked in a native folder
// dialog the window opens on the Rust side: nothing here names a path, and a
// dialog the organizer cancelled answers null. The window also syncs by
// itself every minute; every sync's outcome arrives as `share-synced`.
// `Backend` extends this interface and the Tauri backend spreads `tauriShare`.
import * as commands from "./commands";
import { listen } from "@tauri-apps/api/event";
import type { AppError } from "./bindings/AppError";
import type { Choice } from "./bindings/Choice";
import type { Conflict } from "./bindings/Conflict";
import type { Invitation } from "./bindings/Invitation";
import type { LaptopRow } from "./bindings/LaptopRow";
import type { Problem } from "./bindings/Problem";
import type { ShareStatus } from "./bindings/ShareStatus";
import type { SyncReport } from "./bindings/SyncReport";

/** What the `share-synced` event says after a sync (the window's own, every minute, or one asked for):
 * the status, the other laptops' change files applied and the rows they changed, and why it failed when it did. */
export type ShareSynced = { status: ShareStatus; applied: number; rows: number; error: AppError | null };

export type { Choice, Conflict, Invitation, LaptopRow, Problem, ShareStatus, SyncReport };

export interface ShareBackend {
  /** Whether the branch is shared: the folder, this laptop, the officers' laptops, what could not be applied
   * and the fields changed on two laptops while apart. */
  shareStatus(): Promise<ShareStatus>;
  /** Starts sharing through the folder picked in the folder dialog, as the laptop `name`; null when it was closed. */
  startSharing(name: string): Promise<ShareStatus | null>;
  /** A code for a new officer (its invitation is written to the folder). */
  inviteOfficer(): Promise<Invitation>;
  /** Joins a branch another officer shares, from a new, empty branch, through the folder picked in the folder
   * dialog; null when it was closed. */
  joinBranch(code: string, name: string): Promise<SyncReport | null>;
  /** Writes this laptop's changes to the folder and applies the other officers'. */
  syncNow(): Promise<SyncReport>;
  /** Takes an officer's laptop off the branch. */
  removeLaptop(laptop: string): Promise<SyncReport>;
  /** Settles a field changed on two laptops while apart with one laptop's write. */
  keepChoice(conflict: string, laptop: string, seq: number): Promise<SyncReport>;
  /** Calls back after every sync, the window's own every minute too; returns the unsubscribe. */
  onShareSynced(callback: (s: ShareSynced) => void): Promise<() => void>;
}

/** The Tauri commands behind `ShareBackend`. */
export function tauriShare(): ShareBackend {
  return {
    shareStatus: () => commands.share_status(),
    startSharing: (name) => commands.share_init({ name }),
    inviteOfficer: () => commands.share_invite(),
    joinBranch: (code, name) => commands.share_join({ code, name }),
    syncNow: () => commands.share_sync(),
    removeLaptop: (laptop) => commands.share_remove({ laptop }),
    keepChoice: (conflict, laptop, seq) => commands.share_pick({ conflict, laptop, seq }),
    onShareSynced: async (callback) => listen<ShareSynced>("share-synced", (e) => callback(e.payload)),
  };
}
