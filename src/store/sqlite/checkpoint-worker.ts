/**
 * The WAL checkpoint, on its own thread with its own connection (see
 * checkpointer.ts). Messages: { op: "checkpoint" } answers the checkpoint's
 * counts or an error; { op: "close" } closes the connection and answers.
 * The path comes in the worker's first message, { op: "open", path }.
 */
import { Database } from "bun:sqlite";

declare const self: Worker;

let db: Database | null = null;

self.onmessage = (event: MessageEvent) => {
  const message = event.data as { op: "open"; path: string } | { op: "checkpoint" } | { op: "close" };
  try {
    if (message.op === "open") {
      db = new Database(message.path, { strict: true });
      // Waits out the writer's brief locks instead of failing; PASSIVE itself never waits for readers.
      db.run("PRAGMA busy_timeout = 5000");
      db.run("PRAGMA wal_autocheckpoint = 0");
      postMessage({ ok: true });
    } else if (message.op === "checkpoint") {
      const result = db!.query("PRAGMA wal_checkpoint(PASSIVE)").get() as { busy: number; log: number; checkpointed: number };
      postMessage({ ok: true, result });
    } else {
      db?.close();
      db = null;
      postMessage({ ok: true });
    }
  } catch (err) {
    postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
  }
};
