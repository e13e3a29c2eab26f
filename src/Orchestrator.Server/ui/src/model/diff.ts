// Side-by-side diff of two versions' JSON: aligned rows, each side with its line number.
import { diffLines } from "diff";

export interface DiffRow {
  left: { number: number; text: string } | null;
  right: { number: number; text: string } | null;
  kind: "same" | "removed" | "added" | "changed";
}

export function sideBySide(before: string, after: string): DiffRow[] {
  const rows: DiffRow[] = [];
  let l = 1;
  let r = 1;
  const parts = diffLines(before, after);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const lines = split(part.value);
    if (!part.added && !part.removed) {
      for (const text of lines) rows.push({ left: { number: l++, text }, right: { number: r++, text }, kind: "same" });
    } else if (part.removed && parts[i + 1]?.added) {
      const added = split(parts[++i]!.value);
      for (let k = 0; k < Math.max(lines.length, added.length); k++) {
        rows.push({
          left: k < lines.length ? { number: l++, text: lines[k]! } : null,
          right: k < added.length ? { number: r++, text: added[k]! } : null,
          kind: "changed",
        });
      }
    } else if (part.removed) {
      for (const text of lines) rows.push({ left: { number: l++, text }, right: null, kind: "removed" });
    } else {
      for (const text of lines) rows.push({ left: null, right: { number: r++, text }, kind: "added" });
    }
  }
  return rows;
}

function split(value: string): string[] {
  const lines = value.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/** JSON text with stable two-space indentation, the form both sides of a diff are compared in. */
export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + "\n";
}
