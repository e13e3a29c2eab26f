// @vitest-environment node
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { toGraph } from "../model/workflow";
import { moveTasks, type WorkflowJson } from "./edits";
import { record, start, undo } from "./history";

const folder = new URL("../../../../../workflows/", import.meta.url);
const files = readdirSync(folder).filter((f) => f.endsWith(".json") && !f.endsWith(".schema.json"));

describe("every repository workflow in the designer", () => {
  it("finds the repository's workflows", () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  it.each(files)("%s becomes a graph of its tasks and dependencies, and comes back as the same JSON", (file) => {
    const text = readFileSync(new URL(file, folder), "utf8");
    const definition = JSON.parse(text) as WorkflowJson;
    const graph = toGraph(definition.tasks);
    expect(graph.nodes.map((n) => n.id)).toEqual(definition.tasks.map((t) => t.id));
    expect(graph.edges).toHaveLength(definition.tasks.reduce((n, t) => n + new Set(t.dependsOn ?? []).size, 0));

    // Moving a task and undoing the move gives back the very definition that was opened.
    const first = definition.tasks[0]!;
    let h = start(definition);
    h = record(h, moveTasks(definition, new Map([[first.id, { x: 123, y: 45 }]])));
    expect(h.present.tasks[0]!.ui).toEqual({ x: 123, y: 45 });
    expect(h.present.tasks.slice(1)).toEqual(definition.tasks.slice(1));
    h = undo(h);
    expect(JSON.stringify(h.present, null, 2)).toBe(JSON.stringify(JSON.parse(text), null, 2));
  });
});
