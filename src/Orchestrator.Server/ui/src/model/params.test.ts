import { describe, expect, it } from "vitest";
import { paramFields, toParams } from "./params";

const defs = {
  failures: { type: "integer", default: 2, minimum: 0, description: "How many attempts fail." },
  region: { type: "string", enum: ["eu", "us"], default: "eu" },
  dryRun: { type: "boolean", default: false },
  tables: { type: "array", default: ["a"] },
  owner: { type: "string" },
};

describe("paramFields", () => {
  it("chooses an input per type and keeps defaults, bounds and enums", () => {
    const fields = paramFields(defs);
    expect(fields.map((f) => [f.name, f.kind, f.required, f.initial])).toEqual([
      ["failures", "number", false, "2"],
      ["region", "select", false, "eu"],
      ["dryRun", "checkbox", false, "false"],
      ["tables", "json", false, '["a"]'],
      ["owner", "text", true, ""],
    ]);
    expect(fields[0]).toMatchObject({ min: 0, step: 1, description: "How many attempts fail." });
    expect(fields[1]!.options).toEqual(["eu", "us"]);
  });
});

describe("toParams", () => {
  const fields = paramFields(defs);

  it("sends typed values that differ from the defaults", () => {
    expect(toParams(fields, { failures: "1", region: "us", dryRun: "true", tables: '["x","y"]', owner: "ana" })).toEqual({
      params: { failures: 1, region: "us", dryRun: true, tables: ["x", "y"], owner: "ana" },
      errors: {},
    });
    expect(toParams(fields, { owner: "ana" }).params).toEqual({ owner: "ana" });
  });

  it("reports wrong values per field instead of sending them", () => {
    expect(toParams(fields, { failures: "1.5", tables: "{", owner: "" }).errors).toEqual({
      failures: "expected an integer",
      tables: "expected a JSON array",
      owner: "required",
    });
  });
});
