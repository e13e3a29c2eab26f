import { describe, expect, it } from "vitest";
import { draftText, pinErrors } from "./validation";

describe("pinErrors", () => {
  it("pins task errors on their task and the rest on the settings", () => {
    const pinned = pinErrors(
      [
        { line: 9, column: 20, path: "$.tasks[1].with.url", code: "WF030", message: "url is required" },
        { line: 3, column: 14, path: "$.schedule.cron", code: "WF014", message: "bad cron" },
        { line: 12, column: 5, path: "$.tasks[1].dependsOn[0]", code: "WF012", message: "unknown task" },
      ],
      ["a", "b"],
    );
    expect(pinned.byTask.get("b")).toEqual(["WF030: url is required", "WF012: unknown task"]);
    expect(pinned.settings).toEqual(["WF014: bad cron"]);
    expect(pinned.all.map((e) => e.taskId)).toEqual(["b", null, "b"]);
  });

  it("formats the draft with two spaces and a final newline", () => {
    expect(draftText({ id: "x", tasks: [] })).toBe('{\n  "id": "x",\n  "tasks": []\n}\n');
  });
});
