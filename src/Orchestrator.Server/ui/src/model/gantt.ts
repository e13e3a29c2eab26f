// Gantt geometry of a run's attempts: one row per task, one bar per attempt (queued → running → end),
// and the critical path: the chain of tasks that decided when the run ended.

export interface AttemptLike {
  number: number;
  queuedAt?: string | null;
  startedAt: string;
  endedAt?: string | null;
  outcome?: string | null;
}

export interface GanttTask {
  taskId: string;
  state: string;
  dependsOn: readonly string[];
  attempts: readonly AttemptLike[];
}

export interface GanttBar {
  attempt: number;
  outcome: string | null;
  /** Pixels from the left edge: queued (or start), started, ended. */
  queuedX: number;
  startX: number;
  endX: number;
  running: boolean;
}

export interface GanttRow {
  taskId: string;
  state: string;
  critical: boolean;
  bars: GanttBar[];
}

export interface GanttModel {
  rows: GanttRow[];
  startMs: number;
  endMs: number;
  width: number;
  /** Tick marks: x in pixels and the ms offset from the start. */
  ticks: { x: number; offsetMs: number }[];
}

export function buildGantt(tasks: readonly GanttTask[], width: number, now = Date.now()): GanttModel {
  const times: number[] = [];
  for (const t of tasks) {
    for (const a of t.attempts) {
      times.push(Date.parse(a.queuedAt ?? a.startedAt), Date.parse(a.startedAt), a.endedAt ? Date.parse(a.endedAt) : now);
    }
  }
  const startMs = times.length ? Math.min(...times) : now;
  const endMs = Math.max(startMs + 1, ...(times.length ? times : [now]));
  const scale = width / (endMs - startMs);
  const x = (ms: number) => Math.round((ms - startMs) * scale * 10) / 10;
  const critical = criticalPath(tasks, now);
  const rows = tasks
    .filter((t) => t.attempts.length > 0)
    .map<GanttRow>((t) => ({
      taskId: t.taskId,
      state: t.state,
      critical: critical.has(t.taskId),
      bars: t.attempts.map((a) => {
        const started = Date.parse(a.startedAt);
        return {
          attempt: a.number,
          outcome: a.outcome ?? null,
          queuedX: x(a.queuedAt ? Date.parse(a.queuedAt) : started),
          startX: x(started),
          endX: x(a.endedAt ? Date.parse(a.endedAt) : now),
          running: !a.endedAt,
        };
      }),
    }))
    .sort((a, b) => (a.bars[0]?.queuedX ?? 0) - (b.bars[0]?.queuedX ?? 0));
  return { rows, startMs, endMs, width, ticks: ticks(endMs - startMs, width) };
}

/**
 * From the task that ended last, walk back through the upstream that ended last each time: the chain of waits
 * that made the run as long as it was (what to speed up first).
 */
export function criticalPath(tasks: readonly GanttTask[], now = Date.now()): Set<string> {
  const end = new Map<string, number>();
  for (const t of tasks) {
    const ends = t.attempts.map((a) => (a.endedAt ? Date.parse(a.endedAt) : now));
    if (ends.length) end.set(t.taskId, Math.max(...ends));
  }
  const byId = new Map(tasks.map((t) => [t.taskId, t]));
  let current = [...end.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const path = new Set<string>();
  while (current && !path.has(current)) {
    path.add(current);
    const ups = (byId.get(current)?.dependsOn ?? []).filter((u) => end.has(u));
    current = ups.sort((a, b) => end.get(b)! - end.get(a)!)[0];
  }
  return path;
}

function ticks(spanMs: number, width: number): { x: number; offsetMs: number }[] {
  const steps = [100, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000];
  const wanted = spanMs / Math.max(1, Math.floor(width / 100));
  const step = steps.find((s) => s >= wanted) ?? steps[steps.length - 1]!;
  const out: { x: number; offsetMs: number }[] = [];
  for (let t = 0; t <= spanMs; t += step) out.push({ x: Math.round((t / spanMs) * width), offsetMs: t });
  return out;
}
