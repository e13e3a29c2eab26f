// Folds live run events into the shapes the queries cached: a run's detail, a workflow's grid, the workflow list.
// Pure functions returning the same object when an event changes nothing, so React skips the render.
import type { RunEvent } from "./events";

export interface AttemptShape {
  number: number;
  queuedAt?: string | null;
  startedAt: string;
  endedAt?: string | null;
  outcome?: string | null;
  error?: string | null;
}

export interface TaskInstanceShape {
  taskId: string;
  state: string;
  attempts: number;
  nextAttemptAt?: string | null;
  startedAt?: string | null;
  endedAt?: string | null;
  error?: string | null;
  attemptHistory: AttemptShape[];
}

export interface RunDetailShape {
  run: { id: string; state: string; startedAt?: string | null; endedAt?: string | null; error?: string | null };
  tasks: TaskInstanceShape[];
}

export interface GridShape {
  runs: { id: string; state: string; endedAt?: string | null; cells: Record<string, { state: string; attempts: number; startedAt?: string | null; endedAt?: string | null } | undefined> }[];
}

export interface WorkflowListShape {
  id: string;
  recentRuns?: { id: string; state: string }[] | null;
  lastRun?: { id: string; state: string } | null;
}

const runFinal = new Set(["succeeded", "failed", "cancelled"]);
const taskFinal = new Set(["succeeded", "failed", "upstream_failed", "skipped", "cancelled"]);

export function applyToRunDetail<T extends RunDetailShape>(detail: T, events: readonly RunEvent[]): T {
  let run = detail.run;
  let tasks = detail.tasks;
  const copyTasks = () => {
    if (tasks === detail.tasks) tasks = [...tasks];
  };
  // One lookup table per batch: a replay of thousands of events stays linear in the events.
  const index = new Map(detail.tasks.map((t, i) => [t.taskId, i]));
  for (const e of events) {
    if (e.runId !== run.id) continue;
    if (e.type === "run_state") {
      if (run.state !== e.state) {
        run = { ...run, state: e.state, error: e.error ?? run.error ?? null, ...(runFinal.has(e.state) ? { endedAt: e.at } : {}), ...(e.state === "running" && !run.startedAt ? { startedAt: e.at } : {}) };
      }
      continue;
    }
    if (e.type === "log") continue;
    const i = index.get(e.taskId);
    if (i === undefined) continue;
    const t = tasks[i]!;
    let next: TaskInstanceShape = t;
    if (e.type === "task_state") {
      next = {
        ...t,
        state: e.state,
        attempts: Math.max(t.attempts, e.attempts),
        nextAttemptAt: e.nextAttemptAt ?? null,
        error: e.error ?? (e.state === "succeeded" ? null : t.error ?? null),
        ...(taskFinal.has(e.state) ? { endedAt: e.at } : { endedAt: null }),
        ...(e.state === "running" && !t.startedAt ? { startedAt: e.at } : {}),
      };
    } else if (e.type === "attempt_started") {
      if (!t.attemptHistory.some((a) => a.number === e.attempt)) {
        next = { ...t, attemptHistory: [...t.attemptHistory, { number: e.attempt, startedAt: e.at, endedAt: null, outcome: null }] };
      }
    } else if (e.type === "attempt_ended") {
      const has = t.attemptHistory.some((a) => a.number === e.attempt);
      const history = has
        ? t.attemptHistory.map((a) => (a.number === e.attempt ? { ...a, endedAt: e.at, outcome: e.outcome, error: e.error ?? null } : a))
        : [...t.attemptHistory, { number: e.attempt, startedAt: e.at, endedAt: e.at, outcome: e.outcome, error: e.error ?? null }];
      next = { ...t, attemptHistory: history };
    }
    if (next !== t) {
      copyTasks();
      tasks[i] = next;
    }
  }
  return run === detail.run && tasks === detail.tasks ? detail : { ...detail, run, tasks };
}

export function applyToGrid<T extends GridShape>(grid: T, events: readonly RunEvent[]): T {
  let runs = grid.runs;
  for (const e of events) {
    if (e.type !== "run_state" && e.type !== "task_state") continue;
    const i = runs.findIndex((r) => r.id === e.runId);
    if (i < 0) continue;
    const r = runs[i]!;
    if (runs === grid.runs) runs = [...runs];
    if (e.type === "run_state") {
      runs[i] = { ...r, state: e.state, ...(runFinal.has(e.state) ? { endedAt: e.at } : {}) };
    } else {
      const cell = r.cells[e.taskId];
      runs[i] = {
        ...r,
        cells: {
          ...r.cells,
          [e.taskId]: {
            ...cell,
            state: e.state,
            attempts: Math.max(cell?.attempts ?? 0, e.attempts),
            ...(e.state === "running" && !cell?.startedAt ? { startedAt: e.at } : {}),
            ...(taskFinal.has(e.state) ? { endedAt: e.at } : {}),
          },
        },
      };
    }
  }
  return runs === grid.runs ? grid : { ...grid, runs };
}

/** Updates the run squares of the workflow list. Returns null when an event names a run the list does not show yet. */
export function applyToWorkflowList<T extends WorkflowListShape>(list: readonly T[], events: readonly RunEvent[]): T[] | null {
  let out = list as T[];
  for (const e of events) {
    if (e.type !== "run_state") continue;
    const i = out.findIndex((w) => w.id === e.workflowId);
    if (i < 0) return null;
    const w = out[i]!;
    if (!w.recentRuns?.some((r) => r.id === e.runId)) return null;
    if (out === list) out = [...list];
    out[i] = {
      ...w,
      recentRuns: w.recentRuns.map((r) => (r.id === e.runId ? { ...r, state: e.state } : r)),
      ...(w.lastRun?.id === e.runId ? { lastRun: { ...w.lastRun, state: e.state } } : {}),
    };
  }
  return out;
}
