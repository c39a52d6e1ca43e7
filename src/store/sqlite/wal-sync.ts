/**
 * fsync of a database's WAL file, for the WriteQueue's deferred sync (see
 * write-queue.ts): the async form runs on a worker thread, so the event loop
 * keeps serving while the disk catches up. fsync works on the file, not the
 * descriptor, so our own descriptor syncs the frames SQLite wrote through its
 * own. The WAL file lives as long as the database is open (SQLite removes it
 * only when the last connection closes), so one descriptor, opened at the
 * first sync, serves until close().
 */
import { closeSync, fsync, fsyncSync, openSync } from "node:fs";

export interface WalSync {
  sync(): Promise<void>;
  syncNow(): void;
  close(): void;
}

/** Syncs `<databasePath>-wal`. */
export function walSync(databasePath: string): WalSync {
  const path = `${databasePath}-wal`;
  let fd: number | null = null;
  let inFlight = 0;
  let closing = false;
  // Opened lazily: the WAL file appears with the first write after the database is opened.
  const descriptor = () => (fd ??= openSync(path, "r"));
  // Never while an fsync still uses it: the number could be reused by another file meanwhile.
  const closeIfDone = () => {
    if (!closing || inFlight > 0 || fd === null) return;
    closeSync(fd);
    fd = null;
  };
  return {
    sync: () =>
      new Promise<void>((resolve, reject) => {
        let target: number;
        try {
          target = descriptor();
        } catch (err) {
          reject(err);
          return;
        }
        inFlight++;
        fsync(target, (err) => {
          inFlight--;
          closeIfDone();
          if (err) reject(err);
          else resolve();
        });
      }),
    syncNow: () => fsyncSync(descriptor()),
    close() {
      closing = true;
      closeIfDone();
    },
  };
}
