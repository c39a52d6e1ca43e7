/**
 * The store's errors, which every backend throws and the faces map: a
 * write that could not commit (disk full, database unreachable or closed)
 * rejects with StoreUnavailableError and changed nothing, so the caller
 * answers 503, never a success.
 */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
}
