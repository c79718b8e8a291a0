// The branch's key, through the one door to Handbill's core: the passphrase
// typed at start (or chosen at first start where there is no keychain) and
// Settings → Privacy (encrypt or decrypt the branch). Components take it as
// a prop that defaults to the Tauri one, so UI tests can give their own.
import * as commands from "./commands";
import { asAppError } from "./invoke";
import type { AppStatus } from "./bindings/AppStatus";
import type { Privacy } from "./bindings/Privacy";

export type { Privacy };

/** The rule a new passphrase is held to (the core's MIN_PASSPHRASE_CHARS), said beside its field. */
export const NEW_PASSPHRASE_RULE = "At least 8 characters; a few words are easiest to remember.";

/** Why a passphrase was refused: the core's words for the field, without the field's name before them. */
export function passphraseRefusal(e: unknown): string {
  const err = asAppError(e);
  return err.fields.find((f) => f.field === "passphrase")?.message ?? err.message;
}

export interface PrivacyBackend {
  /** Opens the encrypted branch; rejects a wrong passphrase (field `passphrase`), changing nothing. */
  unlock(passphrase: string): Promise<AppStatus>;
  /** Chooses the passphrase a new branch is created with, and creates it. */
  choose(passphrase: string): Promise<AppStatus>;
  /** Whether the branch is encrypted, and whether its key is in the keychain. */
  privacy(): Promise<Privacy>;
  /** Encrypts the branch and its backups: the key in the keychain, or from `passphrase` when given. */
  encrypt(passphrase: string | null): Promise<Privacy>;
  /** Decrypts the branch and its backups into plain files. */
  decrypt(): Promise<Privacy>;
}

export function tauriPrivacy(): PrivacyBackend {
  return {
    unlock: (passphrase) => commands.privacy_unlock({ passphrase }),
    choose: (passphrase) => commands.privacy_choose({ passphrase }),
    privacy: () => commands.privacy_status(),
    encrypt: (passphrase) => commands.privacy_encrypt({ passphrase }),
    decrypt: () => commands.privacy_decrypt(),
  };
}
