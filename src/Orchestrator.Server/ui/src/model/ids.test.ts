import { describe, expect, it } from "vitest";
import { shortRunId } from "./ids";

describe("shortRunId", () => {
  it("tells apart runs created in the same millisecond", () => {
    expect(shortRunId("01a24cb5-1111-7000-8000-00000000abcd")).toBe("0000abcd");
    expect(shortRunId("01a24cb5-1111-7000-8000-00000000abce")).not.toBe(shortRunId("01a24cb5-1111-7000-8000-00000000abcd"));
  });
});
