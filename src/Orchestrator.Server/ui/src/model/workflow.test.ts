import { describe, expect, it } from "vitest";
import { downstreamOf, topologicalOrder, toGraph } from "./workflow";

const tasks = [
  { id: "load", activity: "sql.load", dependsOn: ["clean"] },
  { id: "generate", activity: "data.generate" },
  { id: "clean", activity: "data.clean", dependsOn: ["generate", "generate"] },
  { id: "alert", activity: "notify.slack", dependsOn: ["clean", "load"], triggerRule: "one_failed" },
];

describe("toGraph", () => {
  it("makes one edge per distinct dependency and labels non-default trigger rules", () => {
    const g = toGraph(tasks);
    expect(g.nodes.map((n) => n.id)).toEqual(["load", "generate", "clean", "alert"]);
    expect(g.edges.map((e) => e.id)).toEqual(["clean->load", "generate->clean", "clean->alert", "load->alert"]);
    expect(g.edges.filter((e) => e.target === "alert").map((e) => e.label)).toEqual(["one_failed", null]);
    expect(g.edges.find((e) => e.target === "load")?.label).toBeNull();
    expect(g.positioned).toBe(false);
  });

  it("uses the authors' positions when every task has one", () => {
    const g = toGraph([{ id: "a", activity: "core.noop", ui: { x: 10, y: 20 } }]);
    expect(g.positioned).toBe(true);
    expect(g.nodes[0]!.position).toEqual({ x: 10, y: 20 });
  });

  it("ignores dependencies on unknown tasks instead of drawing dangling edges", () => {
    expect(toGraph([{ id: "a", activity: "core.noop", dependsOn: ["ghost"] }]).edges).toEqual([]);
  });
});

describe("topologicalOrder", () => {
  it("puts upstreams first and keeps file order between independent tasks", () => {
    expect(topologicalOrder(tasks)).toEqual(["generate", "clean", "load", "alert"]);
  });

  it("keeps every task of a cycle, after the others", () => {
    const order = topologicalOrder([
      { id: "x", activity: "a", dependsOn: ["y"] },
      { id: "y", activity: "a", dependsOn: ["x"] },
      { id: "z", activity: "a" },
    ]);
    expect(order).toEqual(["z", "x", "y"]);
  });

  it("orders a 20,000-task chain without recursion", () => {
    const chain = Array.from({ length: 20_000 }, (_, i) => ({ id: `t${i}`, activity: "core.noop", dependsOn: i ? [`t${i - 1}`] : [] }));
    const order = topologicalOrder([...chain].reverse());
    expect(order[0]).toBe("t0");
    expect(order[19_999]).toBe("t19999");
  });
});

describe("downstreamOf", () => {
  it("returns the task and all tasks after it", () => {
    expect(downstreamOf(tasks, "clean").sort()).toEqual(["alert", "clean", "load"]);
    expect(downstreamOf(tasks, "alert")).toEqual(["alert"]);
  });
});
