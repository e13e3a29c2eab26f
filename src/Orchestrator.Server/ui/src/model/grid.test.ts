import { describe, expect, it } from "vitest";
import { buildGrid } from "./grid";

const tasks = [
  { id: "report", activity: "core.log", dependsOn: ["extract"] },
  { id: "extract", activity: "core.fail" },
];

const runs = [
  {
    id: "r2", state: "running", kind: "manual", logicalDate: "2026-12-01T02:00:00Z", createdAt: "2026-12-01T02:00:00Z",
    startedAt: "2026-12-01T02:00:00Z", endedAt: null, cells: { extract: { state: "running", attempts: 1 } },
  },
  {
    id: "r1", state: "failed", kind: "scheduled", logicalDate: "2026-12-01T01:00:00Z", createdAt: "2026-12-01T01:00:00Z",
    startedAt: "2026-12-01T01:00:00Z", endedAt: "2026-12-01T01:00:30Z",
    cells: { extract: { state: "failed", attempts: 3 }, report: { state: "upstream_failed", attempts: 0 } },
  },
];

describe("buildGrid", () => {
  const grid = buildGrid(tasks, runs, Date.parse("2026-12-01T02:01:00Z"));

  it("orders tasks by dependency and runs oldest to newest", () => {
    expect(grid.rows.map((r) => r.taskId)).toEqual(["extract", "report"]);
    expect(grid.columns.map((c) => c.runId)).toEqual(["r1", "r2"]);
  });

  it("finds each task instance at its row and column, and nothing where a run has no instance yet", () => {
    expect(grid.cell(0, 0)).toEqual({ state: "failed", attempts: 3 });
    expect(grid.cell(1, 0)?.state).toBe("upstream_failed");
    expect(grid.cell(1, 1)).toBeNull();
    expect(grid.cell(5, 5)).toBeNull();
  });

  it("measures running runs up to now for the duration bars", () => {
    expect(grid.columns[0]!.durationMs).toBe(30_000);
    expect(grid.columns[1]!.durationMs).toBe(60_000);
    expect(grid.maxDurationMs).toBe(60_000);
  });
});
