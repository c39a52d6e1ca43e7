/**
 * Who is asking. The faces turn a credential into a Principal at the edge
 * (the API's bearer token, the console's session) and every operation takes
 * one first. Only the admin exists today; the tenant issue adds
 * `{ kind: "tenant"; tenant: string }`, and then scope.ts is the one place
 * that narrows what such a principal sees and may do.
 */
export type Principal = { kind: "admin" };

/** The operator: holds the admin token, sees and may do everything. */
export const ADMIN: Principal = { kind: "admin" };
