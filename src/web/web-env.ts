/**
 * The per-request variables every web face reads. The wiring's middleware
 * in front of every face (request id, access log) sets `requestId` and
 * `log`; the face's own session middleware sets the rest.
 */
import type { Logger } from "../log.ts";
import type { Principal } from "../operations/principal.ts";
import type { Session } from "./session.ts";

export interface WebEnv {
  Variables: {
    requestId: string;
    log: Logger;
    /** Set by the face's session check on every page behind its login. */
    session: Session;
    /** Who the session is for; every operation a page calls gets it. */
    principal: Principal;
  };
}
