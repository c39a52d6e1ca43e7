/**
 * What the one-shot commands (check-config, version, help) print on stdout.
 * A reader may stop early and close the pipe (`hookgate check-config | head
 * -1`); the next write then fails with EPIPE. That is the reader's choice,
 * not a failure of the command, whose work is done by the time it prints:
 * stop writing and exit 0, without a stack trace. Any other write error is a
 * real one and is thrown.
 *
 * Not for `serve`: the daemon's log also goes to stdout, and a daemon must not
 * end quietly because its log reader went away.
 */

/** True for the error of a write to a pipe nobody reads any more. */
export function isClosedPipe(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === "EPIPE";
}

let listening = false;

/** Writes `text` to stdout; ends the process with 0 if the reader has closed it. */
export function writeCommandOutput(text: string): void {
  if (!listening) {
    // A write the pipe cannot take at once completes later and reports its error here.
    process.stdout.on("error", (err) => {
      if (isClosedPipe(err)) process.exit(0);
      throw err;
    });
    listening = true;
  }
  try {
    process.stdout.write(text);
  } catch (err) {
    if (!isClosedPipe(err)) throw err;
    process.exit(0);
  }
}
