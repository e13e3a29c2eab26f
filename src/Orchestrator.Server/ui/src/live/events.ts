// The run events the server streams on /api/v1/events (Server-Sent Events; `type` is the discriminator).

export interface RunStateEvent { type: "run_state"; runId: string; at: string; workflowId: string; state: string; error?: string | null }
export interface TaskStateEvent {
  type: "task_state"; runId: string; at: string; taskId: string; state: string; attempts: number;
  nextAttemptAt?: string | null; error?: string | null; workflowId?: string | null;
}
export interface AttemptStartedEvent { type: "attempt_started"; runId: string; at: string; taskId: string; attempt: number }
export interface AttemptEndedEvent {
  type: "attempt_ended"; runId: string; at: string; taskId: string; attempt: number; outcome: string; error?: string | null;
}
export interface LogEvent {
  type: "log"; runId: string; at: string;
  line: { runId: string; taskId: string; attempt: number; sequence: number; timestamp: string; level: string; message: string };
}

export type RunEvent = RunStateEvent | TaskStateEvent | AttemptStartedEvent | AttemptEndedEvent | LogEvent;

const known = new Set(["run_state", "task_state", "attempt_started", "attempt_ended", "log"]);

export function parseRunEvent(data: string): RunEvent | null {
  try {
    const value = JSON.parse(data) as { type?: unknown; runId?: unknown };
    return typeof value.type === "string" && known.has(value.type) && typeof value.runId === "string" ? (value as RunEvent) : null;
  } catch {
    return null;
  }
}
