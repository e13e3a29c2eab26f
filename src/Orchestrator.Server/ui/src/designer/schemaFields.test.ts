import { describe, expect, it } from "vitest";
import { fieldText, fieldValue, openExpression, schemaFields, templateSuggestions } from "./schemaFields";

const download = {
  type: "object",
  properties: {
    url: { description: "http(s) URL", type: "string", minLength: 1 },
    maxBytes: { type: ["integer", "null"], minimum: 1, maximum: 9223372036854780000 },
    format: { type: "string", enum: ["csv", "jsonl", null] },
    contentTypes: { type: ["array", "null"], items: { type: "string" } },
    headers: { type: ["object", "null"], additionalProperties: { type: "string" } },
    overwrite: { type: "boolean" },
  },
  required: ["url"],
};

describe("schemaFields", () => {
  it("turns an input schema into typed fields", () => {
    const fields = schemaFields(download);
    expect(fields.map((f) => [f.name, f.kind, f.required])).toEqual([
      ["url", "text", true],
      ["maxBytes", "number", false],
      ["format", "select", false],
      ["contentTypes", "list", false],
      ["headers", "json", false],
      ["overwrite", "boolean", false],
    ]);
    expect(fields[1]).toMatchObject({ min: 1 });
    expect(fields[1]!.max).toBeUndefined();
    expect(fields[2]!.options).toEqual(["csv", "jsonl"]);
  });

  it("keeps templates as text and types the rest", () => {
    const [url, maxBytes, , contentTypes, headers] = schemaFields(download);
    expect(fieldValue(maxBytes!, "{{ params.max }}")).toBe("{{ params.max }}");
    expect(fieldValue(maxBytes!, "42")).toBe(42);
    expect(fieldValue(url!, "")).toBeUndefined();
    expect(fieldValue(contentTypes!, "text/csv\n\napplication/json ")).toEqual(["text/csv", "application/json"]);
    expect(fieldValue(headers!, '{"a":"b"}')).toEqual({ a: "b" });
    expect(fieldText(contentTypes!, ["a", "b"])).toBe("a\nb");
    const [ports] = schemaFields({ type: "object", properties: { ports: { type: "array", items: { type: "integer" } } } });
    expect(fieldValue(ports!, "80\n443\n{{ params.port }}")).toEqual([80, 443, "{{ params.port }}"]);
  });
});

describe("template completion", () => {
  it("offers params, run, workflow, vars and the upstream outputs, and only variables templates have", () => {
    const s = templateSuggestions(["rows"], [{ id: "download", outputs: ["path", "bytes"] }], false);
    expect(s).toContain("params.rows");
    expect(s).toContain("tasks.download.outputs.path");
    expect(s).toContain("run.logical_date");
    expect(s).toContain("workflow.version");
    expect(s).toContain("vars.");
    // Templates have no connections (a task names its connection as a plain input) and no trigger without triggers.
    expect(s.filter((v) => !/^(params|run|workflow|vars|tasks)\./.test(v))).toEqual([]);
  });

  it("offers the trigger's fields when the workflow has triggers", () => {
    const s = templateSuggestions([], [], true);
    expect(s).toEqual(expect.arrayContaining(["trigger.topic", "trigger.count", "trigger.offsets"]));
  });

  it("knows when the cursor is inside an open expression", () => {
    expect(openExpression("{{ tasks.do", 11)).toEqual({ start: 3, prefix: "tasks.do" });
    expect(openExpression("{{ a }} b", 9)).toBeNull();
    expect(openExpression("plain", 5)).toBeNull();
  });
});
