// @vitest-environment node
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { diagnosticTarget, formatWorkflow, minimalEdit, taskAtOffset, taskRanges, textEdits, tokenEndColumn } from "./jsonMap";

const workflowsDir = fileURLToPath(new URL("../../../../../workflows/", import.meta.url));
const repositoryWorkflows = readdirSync(workflowsDir)
  .filter((f) => f.endsWith(".json") && !f.endsWith(".schema.json"))
  .sort()
  .map((name) => ({ name, text: readFileSync(workflowsDir + name, "utf8") }));

const sample = `{
  "id": "wf",
  "tasks": [
    { "id": "a", "activity": "core.log", "with": { "id": "not-a-task", "list": [{ "id": "nested" }] } },
    {
      "activity": "core.noop",
      "id": "b"
    }
  ],
  "params": { "tasks": [{ "id": "decoy" }] }
}`;

describe("taskRanges", () => {
  it("finds each task's object, keyed by its own id, with Monaco's 1-based line and column", () => {
    const ranges = taskRanges(sample);
    expect([...ranges.keys()]).toEqual(["a", "b"]);
    const a = ranges.get("a")!;
    expect(sample.slice(a.start, a.end)).toBe(
      `{ "id": "a", "activity": "core.log", "with": { "id": "not-a-task", "list": [{ "id": "nested" }] } }`,
    );
    expect([a.line, a.column]).toEqual([4, 5]);
    const b = ranges.get("b")!;
    expect(sample.slice(b.start, b.end)).toBe(`{\n      "activity": "core.noop",\n      "id": "b"\n    }`);
    expect([b.line, b.column]).toEqual([5, 5]);
  });

  it("finds every task of every repository workflow on the line where its object starts", () => {
    expect(repositoryWorkflows.length).toBeGreaterThan(5);
    for (const { name, text } of repositoryWorkflows) {
      const tasks = (JSON.parse(text) as { tasks: { id: string }[] }).tasks;
      const ranges = taskRanges(text);
      expect([...ranges.keys()], name).toEqual(tasks.map((t) => t.id));
      for (const t of tasks) {
        const r = ranges.get(t.id)!;
        expect(JSON.parse(text.slice(r.start, r.end)), `${name} ${t.id}`).toEqual(t);
        const line = text.split("\n")[r.line - 1]!;
        expect(line[r.column - 1], `${name} ${t.id}`).toBe("{");
        expect(text.split("\n").slice(0, r.line - 1).join("\n").length + (r.line > 1 ? 1 : 0) + r.column - 1).toBe(r.start);
      }
    }
  });

  it("keeps going while the JSON is being typed", () => {
    // The first task lost its closing brace: it ends at its last token, the next task is still found.
    const unclosed = `{ "tasks": [\n  { "id": "a", "activity": "core.log",\n  { "id": "b" }\n] }`;
    const r = taskRanges(unclosed);
    expect([...r.keys()]).toEqual(["a", "b"]);
    expect(unclosed.slice(r.get("a")!.start, r.get("a")!.end)).toBe(`{ "id": "a", "activity": "core.log",`);
    // A comma and a colon missing, a comment, and the text ending inside the last task.
    const partial = `{ // draft\n "tasks": [ { "id" "a" "activity": "x" } { "id": "b", "with": { "n": 1`;
    expect([...taskRanges(partial).keys()]).toEqual(["a", "b"]);
    expect(taskRanges(partial).get("b")!.end).toBe(partial.length);
    // An unterminated string ends with its line.
    const open = `{ "tasks": [ { "id": "a", "with": { "m": "unfinished\n } }, { "id": "b" } ] }`;
    expect([...taskRanges(open).keys()]).toEqual(["a", "b"]);
    // A task with no id yet, a duplicated id (the first wins), escapes in an id.
    const odd = `{ "tasks": [ { "activity": "x" }, { "id": "a" }, { "id": "a", "n": 2 }, { "id": "q\\"x" } ] }`;
    const oddRanges = taskRanges(odd);
    expect([...oddRanges.keys()]).toEqual(["a", 'q"x']);
    expect(oddRanges.get("a")!.start).toBe(odd.indexOf(`{ "id": "a" }`));
    // A closing bracket of the wrong kind closes what is open down to its own kind.
    expect([...taskRanges(`{ "tasks": [ { "id": "a" ] , "x": 1 }`).keys()]).toEqual(["a"]);
  });

  it("never throws, whatever the text", () => {
    const pieces = ["{", "}", "[", "]", '"', ":", ",", "tasks", '"tasks"', '"id"', '"a"', "1", "//", "/*", "*/", "\n", "\\"];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let round = 0; round < 2000; round++) {
      let text = "";
      for (let k = next() % 40; k > 0; k--) text += pieces[next() % pieces.length];
      expect(() => taskRanges(text)).not.toThrow();
    }
    for (const { text } of repositoryWorkflows) {
      for (let cut = 0; cut < text.length; cut += 97) expect(() => taskRanges(text.slice(0, cut))).not.toThrow();
    }
    expect(taskRanges("").size).toBe(0);
    expect(taskRanges("[1, 2]").size).toBe(0);
    expect(taskRanges(`{ "tasks": { "id": "a" } }`).size).toBe(0);
  });
});

describe("taskAtOffset", () => {
  it("names the task whose JSON holds the cursor, both ends included, and null between tasks", () => {
    const a = taskRanges(sample).get("a")!;
    expect(taskAtOffset(sample, a.start)).toBe("a");
    expect(taskAtOffset(sample, sample.indexOf("not-a-task"))).toBe("a");
    expect(taskAtOffset(sample, a.end)).toBe("a");
    expect(taskAtOffset(sample, a.end + 1)).toBeNull();
    expect(taskAtOffset(sample, sample.indexOf('"b"'))).toBe("b");
    expect(taskAtOffset(sample, sample.indexOf("decoy"))).toBeNull();
    expect(taskAtOffset(sample, 0)).toBeNull();
  });
});

describe("diagnosticTarget", () => {
  it("maps a validator path to a task index or a settings section", () => {
    expect(diagnosticTarget("$.tasks[3].with.url")).toEqual({ taskIndex: 3 });
    expect(diagnosticTarget("$.tasks[12]")).toEqual({ taskIndex: 12 });
    expect(diagnosticTarget("$.tasks")).toEqual({ setting: "tasks" });
    expect(diagnosticTarget("$.schedule.cron")).toEqual({ setting: "schedule" });
    expect(diagnosticTarget("$.params.rows.default")).toEqual({ setting: "params" });
    expect(diagnosticTarget("$.alerts[0].notify[1]")).toEqual({ setting: "alerts" });
    expect(diagnosticTarget("$.triggers[0].topic")).toEqual({ setting: "triggers" });
    expect(diagnosticTarget("$.defaults.retryDelay")).toEqual({ setting: "defaults" });
    expect(diagnosticTarget("$.concurrency")).toEqual({ setting: "concurrency" });
    expect(diagnosticTarget("$.id")).toEqual({ setting: "id" });
    expect(diagnosticTarget("$.$schema")).toEqual({ setting: "$schema" });
    expect(diagnosticTarget("$['odd key'].x")).toEqual({ setting: "odd key" });
    expect(diagnosticTarget("$['it\\'s']")).toEqual({ setting: "it's" });
    expect(diagnosticTarget("$")).toEqual({ setting: "" });
    expect(diagnosticTarget("")).toEqual({ setting: "" });
  });
});

describe("formatWorkflow", () => {
  it("writes $schema first, then the schema's order at every level, unknown properties last, 2 spaces and a newline", () => {
    const text = formatWorkflow({
      tasks: [{ ui: { x: 1, y: 2 }, dependsOn: [], activity: "core.noop", id: "t", extra: true }],
      schedule: { catchup: false, cron: "@daily" },
      id: "wf",
      $schema: "./workflow.schema.json",
      custom: 1,
    });
    expect(text).toBe(
      `{
  "$schema": "./workflow.schema.json",
  "id": "wf",
  "schedule": {
    "cron": "@daily",
    "catchup": false
  },
  "tasks": [
    {
      "id": "t",
      "activity": "core.noop",
      "dependsOn": [],
      "ui": {
        "x": 1,
        "y": 2
      },
      "extra": true
    }
  ],
  "custom": 1
}
`,
    );
  });

  it("keeps a cron string schedule, param names in the author's order and task inputs as written", () => {
    const definition = {
      id: "wf",
      schedule: "@hourly",
      params: { z: { description: "d", type: "string" }, a: { type: "integer" } },
      tasks: [{ id: "t", activity: "x", with: { b: 1, a: 2 } }],
    };
    const parsed = JSON.parse(formatWorkflow(definition));
    expect(parsed).toEqual(definition);
    expect(Object.keys(parsed.params)).toEqual(["z", "a"]);
    expect(Object.keys(parsed.params.z)).toEqual(["type", "description"]);
    expect(Object.keys(parsed.tasks[0].with)).toEqual(["b", "a"]);
  });

  it("loses nothing of any repository workflow and is stable", () => {
    for (const { name, text } of repositoryWorkflows) {
      const formatted = formatWorkflow(JSON.parse(text));
      expect(JSON.parse(formatted), name).toEqual(JSON.parse(text));
      expect(formatWorkflow(JSON.parse(formatted)), name).toBe(formatted);
    }
  });
});

describe("workflow.schema.json", () => {
  it("is the committed workflow schema, copied unchanged (copy workflows/workflow.schema.json here when it changes)", () => {
    const committed = readFileSync(workflowsDir + "workflow.schema.json", "utf8");
    const copy = readFileSync(fileURLToPath(new URL("./workflow.schema.json", import.meta.url)), "utf8");
    expect(copy).toBe(committed);
  });
});

describe("minimalEdit", () => {
  it("replaces only what changed", () => {
    expect(minimalEdit("abc", "abc")).toBeNull();
    expect(minimalEdit(`{ "x": 10, "y": 20 }`, `{ "x": 15, "y": 20 }`)).toEqual({ start: 8, end: 9, text: "5" });
    expect(minimalEdit("aaa", "aaaa")).toEqual({ start: 3, end: 3, text: "a" });
    expect(minimalEdit("abcd", "ad")).toEqual({ start: 1, end: 3, text: "" });
    expect(minimalEdit("", "x")).toEqual({ start: 0, end: 0, text: "x" });
    // A pair of UTF-16 surrogates is replaced whole: 😀 and 😁 share their high surrogate.
    expect(minimalEdit("a😀b", "a😁b")).toEqual({ start: 1, end: 3, text: "😁" });
  });

  it("turns any text into any other", () => {
    const texts = ["", "a", "ab", "ba", "aba", "{}", "😀", "😀😁", "x😀", "😁x", "aab", "abb"];
    for (const before of texts) {
      for (const after of texts) {
        const e = minimalEdit(before, after);
        expect(e ? before.slice(0, e.start) + e.text + before.slice(e.end) : before).toBe(after);
      }
    }
  });
});

describe("textEdits", () => {
  const apply = (before: string, edits: { start: number; end: number; text: string }[]) => {
    let out = "";
    let at = 0;
    for (const e of edits) {
      expect(e.start).toBeGreaterThanOrEqual(at);
      out += before.slice(at, e.start) + e.text;
      at = e.end;
    }
    return out + before.slice(at);
  };

  it("edits each changed place alone, and only what changed in it", () => {
    const before = formatWorkflow({
      id: "wf",
      tasks: [
        { id: "a", activity: "x", ui: { x: 10, y: 20 } },
        { id: "b", activity: "x", ui: { x: 30, y: 40 } },
        { id: "c", activity: "x", ui: { x: 50, y: 60 } },
      ],
    });
    const after = before.replace('"x": 10', '"x": 15').replace('"y": 60', '"y": 65');
    const edits = textEdits(before, after);
    expect(edits).toEqual([
      { start: before.indexOf('"x": 10') + 6, end: before.indexOf('"x": 10') + 7, text: "5" },
      { start: before.indexOf('"y": 60') + 6, end: before.indexOf('"y": 60') + 7, text: "5" },
    ]);
    expect(apply(before, edits)).toBe(after);
    expect(textEdits(before, before)).toEqual([]);
  });

  it("turns every repository workflow into its formatted text and back", () => {
    for (const { name, text } of repositoryWorkflows) {
      const formatted = formatWorkflow(JSON.parse(text));
      expect(apply(text, textEdits(text, formatted)), name).toBe(formatted);
      expect(apply(formatted, textEdits(formatted, text)), name).toBe(text);
      // Every task renamed: one small edit per place.
      const renamed = formatted.replace(/"id": "([^"]+)"/g, '"id": "$1_2"');
      const edits = textEdits(formatted, renamed);
      expect(apply(formatted, edits), name).toBe(renamed);
      expect(edits.every((e) => e.end === e.start && e.text === "_2"), name).toBe(true);
    }
  });
});

describe("tokenEndColumn", () => {
  it("spans the whole token at a diagnostic's column", () => {
    const line = `    "with": { "url": "http://x/\\"q\\"", "n": 12, "ok": true }`;
    expect(tokenEndColumn(line, line.indexOf('"http') + 1)).toBe(line.indexOf(', "n"') + 1);
    expect(tokenEndColumn(line, line.indexOf("12") + 1)).toBe(line.indexOf("12") + 3);
    expect(tokenEndColumn(line, line.indexOf("true") + 1)).toBe(line.indexOf("true") + 5);
    expect(tokenEndColumn(line, line.indexOf("{") + 1)).toBe(line.indexOf("{") + 2);
    expect(tokenEndColumn(`"open`, 1)).toBe(6);
    expect(tokenEndColumn("", 1)).toBe(2);
  });
});
