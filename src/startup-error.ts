/**
 * A reason the daemon cannot start that the operator can fix (a locked or
 * corrupt data dir, a database from a newer hookgate). main prints the message
 * alone, without a stack trace, and exits 1.
 */
export class StartupError extends Error {
  override readonly name = "StartupError";
}
