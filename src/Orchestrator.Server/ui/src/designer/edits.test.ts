import { describe, expect, it } from "vitest";
import { addTask, connect, copyTasks, deleteTasks, duplicateTasks, insertBetween, pasteTasks, proposeId, updateTask, type WorkflowJson } from "./edits";
import { record, redo, start, undo } from "./history";

const base: WorkflowJson = {
  id: "etl",
  tasks: [
    { id: "download", activity: "data.download", ui: { x: 0, y: 0 }, with: { url: "https://example.com/a.csv" } },
    { id: "clean", activity: "data.clean", dependsOn: ["download"], ui: { x: 300, y: 0 }, with: { input: "{{ tasks.download.outputs.path }}" } },
  ],
};

describe("edits", () => {
  it("adds a task with an id proposed from its activity, unique in the workflow", () => {
    expect(proposeId(base, "data.download")).toBe("download_2");
    const { definition, id } = addTask(base, "sql.load", { x: 600.4, y: 10.6 });
    expect(id).toBe("load");
    expect(definition.tasks.at(-1)).toEqual({ id: "load", activity: "sql.load", ui: { x: 600, y: 11 } });
    expect(base.tasks).toHaveLength(2);
  });

  it("connects once, and refuses self-loops and cycles", () => {
    const { definition } = addTask(base, "sql.load", { x: 0, y: 0 });
    const linked = connect(definition, "clean", "load");
    expect(linked.tasks.find((t) => t.id === "load")?.dependsOn).toEqual(["clean"]);
    expect(connect(linked, "clean", "load")).toBe(linked);
    expect(connect(linked, "load", "load")).toBe(linked);
    expect(connect(linked, "load", "download")).toBe(linked);
  });

  it("inserts a task on an edge: source → new → target", () => {
    const { definition, id } = insertBetween(base, "download", "clean", "data.quality");
    expect(id).toBe("quality");
    expect(definition.tasks.find((t) => t.id === "quality")?.dependsOn).toEqual(["download"]);
    expect(definition.tasks.find((t) => t.id === "clean")?.dependsOn).toEqual(["quality"]);
  });

  it("deletes tasks and the dependencies on them", () => {
    const next = deleteTasks(base, ["download"]);
    expect(next.tasks).toEqual([{ id: "clean", activity: "data.clean", ui: { x: 300, y: 0 }, with: { input: "{{ tasks.download.outputs.path }}" } }]);
  });

  it("renames a task everywhere it is referenced", () => {
    const next = updateTask(base, "download", { id: "fetch" });
    expect(next.tasks[1]).toMatchObject({ dependsOn: ["fetch"], with: { input: "{{ tasks.fetch.outputs.path }}" } });
  });

  it("pastes a fragment from another workflow, renaming clashes and keeping its own links", () => {
    const fragment = copyTasks(base, ["download", "clean"]);
    const pasted = pasteTasks(base, fragment)!;
    expect(pasted.ids).toEqual(["download_2", "clean_2"]);
    const clean2 = pasted.definition.tasks.find((t) => t.id === "clean_2")!;
    expect(clean2.dependsOn).toEqual(["download_2"]);
    expect(clean2.with).toEqual({ input: "{{ tasks.download_2.outputs.path }}" });
    expect(clean2.ui).toEqual({ x: 340, y: 40 });
  });

  it("pastes one task alone, drops links to tasks that are not here, and ignores what is not a task", () => {
    const pasted = pasteTasks(base, '{"id":"notify","activity":"notify.email","dependsOn":["elsewhere","clean"]}')!;
    expect(pasted.definition.tasks.at(-1)).toMatchObject({ id: "notify", dependsOn: ["clean"] });
    expect(pasteTasks(base, "not json")).toBeNull();
    expect(pasteTasks(base, '{"name":"x"}')).toBeNull();
  });

  it("duplicates the selection", () => {
    expect(duplicateTasks(base, ["clean"]).definition.tasks.at(-1)).toMatchObject({ id: "clean_2", dependsOn: ["download"] });
  });
});

describe("history", () => {
  it("undoes and redoes every edit", () => {
    let h = start(base);
    const added = addTask(base, "sql.load", { x: 0, y: 0 }).definition;
    h = record(h, added);
    h = record(h, deleteTasks(added, ["download"]));
    h = undo(h);
    expect(h.present).toBe(added);
    h = undo(h);
    expect(h.present).toBe(base);
    h = redo(redo(h));
    expect(h.present.tasks.map((t) => t.id)).toEqual(["clean", "load"]);
  });

  it("coalesces typing into one step, and a new edit clears the redo list", () => {
    let h = start(base);
    h = record(h, updateTask(base, "download", { with: { url: "h" } }), "with:download", 1000);
    h = record(h, updateTask(h.present, "download", { with: { url: "ht" } }), "with:download", 1500);
    expect(h.past).toHaveLength(1);
    h = undo(h);
    expect(h.present).toBe(base);
    h = record(h, deleteTasks(base, ["clean"]));
    expect(h.future).toEqual([]);
  });
});
