import { describe, expect, it } from "vitest";
import type { RunEvent } from "./events";
import { applyToGrid, applyToRunDetail, applyToWorkflowList, type GridShape, type RunDetailShape } from "./reducer";

const detail: RunDetailShape = {
  run: { id: "r1", state: "running", startedAt: "2026-12-01T00:00:00Z" },
  tasks: [
    { taskId: "flaky", state: "running", attempts: 1, attemptHistory: [{ number: 1, startedAt: "2026-12-01T00:00:01Z" }] },
    { taskId: "load", state: "pending", attempts: 0, attemptHistory: [] },
  ],
};

describe("applyToRunDetail", () => {
  it("records a retry: the attempt ends failed, the task waits, the next attempt starts", () => {
    const events: RunEvent[] = [
      { type: "attempt_ended", runId: "r1", at: "2026-12-01T00:00:02Z", taskId: "flaky", attempt: 1, outcome: "failed", error: "503" },
      { type: "task_state", runId: "r1", at: "2026-12-01T00:00:02Z", taskId: "flaky", state: "up_for_retry", attempts: 1, nextAttemptAt: "2026-12-01T00:00:03Z", error: "503" },
      { type: "attempt_started", runId: "r1", at: "2026-12-01T00:00:03Z", taskId: "flaky", attempt: 2 },
      { type: "task_state", runId: "r1", at: "2026-12-01T00:00:03Z", taskId: "flaky", state: "running", attempts: 2 },
    ];
    const next = applyToRunDetail(detail, events);
    const flaky = next.tasks[0]!;
    expect(flaky.state).toBe("running");
    expect(flaky.attempts).toBe(2);
    expect(flaky.attemptHistory.map((a) => [a.number, a.outcome ?? null])).toEqual([[1, "failed"], [2, null]]);
    expect(next.tasks[1]).toBe(detail.tasks[1]);
  });

  it("ends the run and keeps the same object for other runs' events", () => {
    const done = applyToRunDetail(detail, [{ type: "run_state", runId: "r1", at: "2026-12-01T00:01:00Z", workflowId: "w", state: "succeeded" }]);
    expect(done.run).toMatchObject({ state: "succeeded", endedAt: "2026-12-01T00:01:00Z" });
    expect(applyToRunDetail(detail, [{ type: "run_state", runId: "other", at: "x", workflowId: "w", state: "failed" }])).toBe(detail);
  });
});

describe("applyToGrid", () => {
  const grid: GridShape = { runs: [{ id: "r1", state: "running", cells: { flaky: { state: "running", attempts: 1 } } }] };

  it("colours the cell and the column from events", () => {
    const next = applyToGrid(grid, [
      { type: "task_state", runId: "r1", at: "t", taskId: "load", state: "queued", attempts: 0 },
      { type: "run_state", runId: "r1", at: "t2", workflowId: "w", state: "failed" },
    ]);
    expect(next.runs[0]!.cells["load"]?.state).toBe("queued");
    expect(next.runs[0]!.state).toBe("failed");
    expect(applyToGrid(grid, [{ type: "task_state", runId: "zz", at: "t", taskId: "a", state: "queued", attempts: 0 }])).toBe(grid);
  });
});

describe("applyToWorkflowList", () => {
  const list = [{ id: "w", recentRuns: [{ id: "r1", state: "running" }], lastRun: { id: "r1", state: "running" } }];

  it("recolours a known run's square", () => {
    const next = applyToWorkflowList(list, [{ type: "run_state", runId: "r1", at: "t", workflowId: "w", state: "succeeded" }]);
    expect(next?.[0]?.recentRuns?.[0]?.state).toBe("succeeded");
    expect(next?.[0]?.lastRun?.state).toBe("succeeded");
  });

  it("asks for a refetch when a new run appears", () => {
    expect(applyToWorkflowList(list, [{ type: "run_state", runId: "r2", at: "t", workflowId: "w", state: "queued" }])).toBeNull();
  });
});
