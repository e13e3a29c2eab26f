import { describe, expect, it } from "vitest";
import { buildGantt, criticalPath, type GanttTask } from "./gantt";

const at = (s: number) => new Date(Date.UTC(2026, 11, 1, 0, 0, s)).toISOString();

const tasks: GanttTask[] = [
  { taskId: "extract", state: "succeeded", dependsOn: [], attempts: [{ number: 1, queuedAt: at(0), startedAt: at(1), endedAt: at(10), outcome: "succeeded" }] },
  {
    taskId: "flaky", state: "succeeded", dependsOn: ["extract"],
    attempts: [
      { number: 1, queuedAt: at(10), startedAt: at(10), endedAt: at(20), outcome: "failed" },
      { number: 2, queuedAt: at(30), startedAt: at(40), endedAt: at(60), outcome: "succeeded" },
    ],
  },
  { taskId: "side", state: "succeeded", dependsOn: ["extract"], attempts: [{ number: 1, startedAt: at(10), endedAt: at(15), outcome: "succeeded" }] },
  { taskId: "report", state: "running", dependsOn: ["flaky", "side"], attempts: [{ number: 1, queuedAt: at(60), startedAt: at(61), endedAt: null }] },
  { taskId: "later", state: "pending", dependsOn: ["report"], attempts: [] },
];

describe("buildGantt", () => {
  const g = buildGantt(tasks, 1000, Date.parse(at(100)));

  it("spans from the first queueing to now for running attempts", () => {
    expect(g.startMs).toBe(Date.parse(at(0)));
    expect(g.endMs).toBe(Date.parse(at(100)));
  });

  it("draws every attempt with its queued, running and end edges", () => {
    const flaky = g.rows.find((r) => r.taskId === "flaky")!;
    expect(flaky.bars).toHaveLength(2);
    expect(flaky.bars[1]).toMatchObject({ attempt: 2, outcome: "succeeded", queuedX: 300, startX: 400, endX: 600, running: false });
    const report = g.rows.find((r) => r.taskId === "report")!;
    expect(report.bars[0]).toMatchObject({ startX: 610, endX: 1000, running: true });
  });

  it("leaves out tasks that never started and orders rows by first queueing", () => {
    expect(g.rows.map((r) => r.taskId)).toEqual(["extract", "flaky", "side", "report"]);
  });

  it("puts ticks across the width", () => {
    expect(g.ticks[0]).toEqual({ x: 0, offsetMs: 0 });
    expect(g.ticks.at(-1)!.x).toBeLessThanOrEqual(1000);
  });
});

describe("criticalPath", () => {
  it("follows the upstream that ended last back from the last task", () => {
    expect([...criticalPath(tasks, Date.parse(at(100)))]).toEqual(["report", "flaky", "extract"]);
    expect(buildGantt(tasks, 1000, Date.parse(at(100))).rows.filter((r) => r.critical).map((r) => r.taskId)).toEqual(["extract", "flaky", "report"]);
  });
});
