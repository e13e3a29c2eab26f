import { describe, expect, it } from "vitest";
import { sideBySide } from "./diff";

describe("sideBySide", () => {
  it("aligns unchanged, changed, removed and added lines with both line numbers", () => {
    const rows = sideBySide("a\nb\nc\nd\n", "a\nB\nc\ne\nf\n");
    expect(rows.map((r) => [r.kind, r.left?.number ?? null, r.left?.text ?? null, r.right?.number ?? null, r.right?.text ?? null])).toEqual([
      ["same", 1, "a", 1, "a"],
      ["changed", 2, "b", 2, "B"],
      ["same", 3, "c", 3, "c"],
      ["changed", 4, "d", 4, "e"],
      ["changed", null, null, 5, "f"],
    ]);
  });

  it("shows identical texts as all the same", () => {
    expect(sideBySide("x\n", "x\n").every((r) => r.kind === "same")).toBe(true);
  });
});
