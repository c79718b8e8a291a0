// The outbox folder of an announcement saved there (no mail account), opened
// with the system's file manager by the window's `outbox_open` command.
import * as commands from "./commands";

/** Opens the folder holding announcement `id`'s saved messages. */
export const openOutbox = (id: number): Promise<void> => commands.outbox_open({ id });
