// Airflow's grid: recent runs as columns (oldest left, newest right) × tasks as rows in dependency order.
import { topologicalOrder, type TaskLike } from "./workflow";

export interface GridCellLike {
  state: string;
  attempts: number;
  startedAt?: string | null;
  endedAt?: string | null;
}

export interface GridRunLike {
  id: string;
  state: string;
  kind: string;
  logicalDate: string;
  createdAt: string;
  startedAt?: string | null;
  endedAt?: string | null;
  cells: Record<string, GridCellLike | undefined>;
}

export interface GridColumn {
  runId: string;
  state: string;
  kind: string;
  logicalDate: string;
  /** Run duration in ms (to now when still running), for the bar above the column. */
  durationMs: number;
}

export interface GridModel {
  rows: { taskId: string; activity: string }[];
  columns: GridColumn[];
  /** Longest run duration, the scale of the duration bars (never 0). */
  maxDurationMs: number;
  cell(row: number, column: number): GridCellLike | null;
}

export function buildGrid(tasks: readonly TaskLike[], runs: readonly GridRunLike[], now = Date.now()): GridModel {
  const order = topologicalOrder(tasks);
  const activity = new Map(tasks.map((t) => [t.id, t.activity]));
  const rows = order.map((taskId) => ({ taskId, activity: activity.get(taskId) ?? "" }));
  const sorted = [...runs].sort((a, b) => Date.parse(a.logicalDate) - Date.parse(b.logicalDate) || Date.parse(a.createdAt) - Date.parse(b.createdAt));
  const columns = sorted.map<GridColumn>((r) => {
    const start = Date.parse(r.startedAt ?? r.createdAt);
    const end = r.endedAt ? Date.parse(r.endedAt) : now;
    return { runId: r.id, state: r.state, kind: r.kind, logicalDate: r.logicalDate, durationMs: Math.max(0, end - start) };
  });
  const maxDurationMs = Math.max(1, ...columns.map((c) => c.durationMs));
  return {
    rows,
    columns,
    maxDurationMs,
    cell: (row, column) => {
      const taskId = rows[row]?.taskId;
      const run = sorted[column];
      return taskId && run ? (run.cells[taskId] ?? null) : null;
    },
  };
}
