// One name and one colour per state, used by every view (graph, grid, Gantt, badges).
// The colours are CSS variables defined for the light and the dark theme in styles.css.

export const taskStates = [
  "pending",
  "queued",
  "running",
  "up_for_retry",
  "succeeded",
  "failed",
  "upstream_failed",
  "skipped",
  "cancelled",
] as const;

export const runStates = ["queued", "running", "succeeded", "failed", "cancelled"] as const;

export type TaskState = (typeof taskStates)[number];
export type RunState = (typeof runStates)[number];
export type AnyState = TaskState | RunState | "none";

const finalStates = new Set<string>(["succeeded", "failed", "upstream_failed", "skipped", "cancelled"]);

export function isFinal(state: string | null | undefined): boolean {
  return state != null && finalStates.has(state);
}

export function stateLabel(state: string | null | undefined): string {
  if (!state) return "no run";
  return state.replaceAll("_", " ");
}

/** The CSS custom property holding the state's colour. */
export function stateColor(state: string | null | undefined): string {
  return `var(--state-${state ?? "none"})`;
}
