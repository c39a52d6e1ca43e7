/** The event catalog from the config, so faces can offer the choices with their descriptions and examples. */
import type { OperationDeps } from "./deps.ts";
import type { Principal } from "./principal.ts";

export interface EventTypeInfo {
  name: string;
  description: string;
  example: Record<string, unknown>;
}

export type EventTypeOperations = ReturnType<typeof eventTypeOperations>;

export function eventTypeOperations(deps: Pick<OperationDeps, "config">) {
  const catalog: EventTypeInfo[] = deps.config.event_types.map((t) => ({ name: t.name, description: t.description, example: t.example }));
  return {
    /** The whole catalog, in config order; the same for every principal (it is configuration, not data). */
    list(_principal: Principal): EventTypeInfo[] {
      return catalog;
    },
  };
}
