// @vitest-environment node
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { generateSchema } from "../../scripts/schema.mjs";

describe("generated API client", () => {
  it("is up to date with the committed OpenAPI document (run `npm run api` when this fails)", async () => {
    const doc: unknown = JSON.parse(await readFile(new URL("./openapi.json", import.meta.url), "utf8"));
    const committed = await readFile(new URL("./schema.d.ts", import.meta.url), "utf8");
    expect(committed).toBe(await generateSchema(doc));
  }, 30_000);
});
