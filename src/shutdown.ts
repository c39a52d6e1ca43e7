/**
 * Signal handling. The first SIGTERM or SIGINT stops (daemon.ts has the order):
 * no new connections and no new claims at once, then open requests and
 * attempts in flight get until one deadline, then jobs stop, the database is
 * checkpointed and closed, and the process exits 0. A second signal exits at
 * once. The handlers are installed before the daemon logs "listening".
 */
import type { RunningApp } from "./daemon.ts";
import { flushThenExit, type Logger } from "./log.ts";
import { notifyStopping } from "./systemd/notify.ts";

/** Installs the handlers; `exit` is injectable for tests. */
export function installShutdown(app: RunningApp, log: Logger, deadlineMs: number, exit: (code: number) => void = process.exit): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, "second signal: exiting now");
      exit(signal === "SIGINT" ? 130 : 143);
      return;
    }
    stopping = true;
    log.info({ signal, deadline_ms: deadlineMs }, "shutting down");
    try {
      notifyStopping();
    } catch (err) {
      log.warn({ err }, "could not notify systemd of stopping");
    }
    app.stop(deadlineMs).then(
      () => {
        log.info("stopped");
        flushThenExit(log, 0, exit);
      },
      (err: unknown) => {
        log.error({ err }, "error while stopping");
        flushThenExit(log, 1, exit);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
