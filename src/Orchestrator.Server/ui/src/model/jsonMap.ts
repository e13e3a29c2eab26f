// The workflow JSON text mapped to the designer's objects: where each task's JSON is, which task the cursor is
// in, what a validator path points at, and the stable formatting of a definition. Pure functions, no React.
import { diffLines } from "diff";
import workflowSchema from "./workflow.schema.json";

export interface TextRange {
  /** Offset of the task's `{` (UTF-16 code units, like a JS string index and Monaco's model offsets). */
  start: number;
  /** Offset just past the task's `}`; where the object is not closed yet, just past its last token. */
  end: number;
  /** 1-based line and column of `start`, as Monaco counts them. */
  line: number;
  column: number;
}

interface Frame {
  kind: "object" | "array";
  /** object: "key" | "colon" | "value" | "next"; array: "value" | "next". */
  expect: "key" | "colon" | "value" | "next";
  key: string | null;
  role: "root" | "tasks" | "task" | null;
  start: number;
  /** Offset just past the frame's last complete token. */
  last: number;
  id?: string;
}

/**
 * The range of each element of the top-level `tasks` array, keyed by its `id` (the first one where an id is
 * written twice). A tolerant scanner: it never throws, and while the text is being typed it recovers from a
 * missing closing bracket, comma or colon, an unterminated string on its line, and comments.
 */
export function taskRanges(text: string): Map<string, TextRange> {
  const found: { id: string; start: number; end: number }[] = [];
  const stack: Frame[] = [];
  let rootDone = false;
  let i = 0;
  const n = text.length;

  const top = () => stack[stack.length - 1];
  const touch = (end: number) => {
    for (const f of stack) f.last = end;
  };
  const close = (end: number) => {
    const frame = stack.pop()!;
    if (frame.role === "task" && frame.id !== undefined) found.push({ id: frame.id, start: frame.start, end });
    if (stack.length === 0) rootDone = true;
    else touch(end);
    const parent = top();
    if (parent) parent.expect = "next";
  };
  // A value (scalar or the start of a container) arrives in the top frame.
  const valueArrives = (): { key: string | null; parent: Frame | undefined } => {
    const parent = top();
    if (!parent) return { key: null, parent };
    if (parent.kind === "object" && parent.expect !== "value") {
      // A value where a key or a colon belongs: take it as the value of the last key (a missing colon).
      if (parent.expect !== "colon") parent.key = null;
    }
    return { key: parent.kind === "object" ? parent.key : null, parent };
  };
  const open = (kind: "object" | "array", at: number) => {
    const { key, parent } = valueArrives();
    let role: Frame["role"] = null;
    if (!parent) role = "root";
    else if (parent.role === "root" && key === "tasks" && kind === "array") role = "tasks";
    else if (parent.role === "tasks" && kind === "object") role = "task";
    if (parent) parent.expect = "next";
    stack.push({ kind, expect: kind === "object" ? "key" : "value", key: null, role, start: at, last: at + 1 });
    touch(at + 1);
  };

  while (i < n && !rootDone) {
    const c = text[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    if (c === "/" && text[i + 1] === "/") {
      const eol = text.indexOf("\n", i);
      i = eol < 0 ? n : eol;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      const close = text.indexOf("*/", i + 2);
      i = close < 0 ? n : close + 2;
      continue;
    }
    const frame = top();
    if (!frame && c !== "{" && c !== "[") {
      i++; // text before the root value
      continue;
    }
    if (c === "{" || c === "[") {
      // A `{` where a task's key belongs: the task above was not closed; it ends at its last token.
      const keyPlace = frame?.kind === "object" && (frame.expect === "key" || frame.expect === "next");
      if (c === "{" && keyPlace && stack.some((f) => f.role === "tasks")) {
        while (top()!.role !== "tasks") close(top()!.last);
      }
      open(c === "{" ? "object" : "array", i);
      i++;
      continue;
    }
    if (c === "}" || c === "]") {
      const kind = c === "}" ? "object" : "array";
      if (stack.some((f) => f.kind === kind)) {
        // Frames left open inside this one end at their last token.
        while (top()!.kind !== kind) close(top()!.last);
        close(i + 1);
      }
      i++;
      continue;
    }
    if (c === ":") {
      if (frame!.kind === "object") frame!.expect = "value";
      touch(i + 1);
      i++;
      continue;
    }
    if (c === ",") {
      frame!.expect = frame!.kind === "object" ? "key" : "value";
      touch(i + 1);
      i++;
      continue;
    }
    if (c === '"') {
      const { value, end } = readString(text, i);
      if (frame!.kind === "object" && (frame!.expect === "key" || frame!.expect === "next")) {
        frame!.key = value;
        frame!.expect = "colon";
      } else {
        const { key, parent } = valueArrives();
        if (parent?.role === "task" && key === "id" && parent.id === undefined) parent.id = value;
        if (parent) parent.expect = "next";
      }
      touch(end);
      i = end;
      continue;
    }
    // A number, true, false, null or a stray word: up to the next delimiter.
    let end = i + 1;
    while (end < n && !/[\s{}[\]:,"/]/.test(text[end]!)) end++;
    const { parent } = valueArrives();
    if (parent) parent.expect = "next";
    touch(end);
    i = end;
  }
  // The text ended with frames still open: they end at their last token.
  while (stack.length > 0) close(top()!.last);

  const lines = lineStarts(text);
  const ranges = new Map<string, TextRange>();
  for (const t of found.sort((a, b) => a.start - b.start)) {
    if (ranges.has(t.id)) continue;
    const { line, column } = positionAt(lines, t.start);
    ranges.set(t.id, { start: t.start, end: t.end, line, column });
  }
  return ranges;
}

/** The id of the task whose JSON contains `offset` (both ends inclusive), or null. */
export function taskAtOffset(text: string, offset: number): string | null {
  return taskAt(taskRanges(text), offset);
}

/** The same over ranges already found (an editor keeps them between cursor moves). */
export function taskAt(ranges: ReadonlyMap<string, TextRange>, offset: number): string | null {
  for (const [id, range] of ranges) {
    if (range.start <= offset && offset <= range.end) return id;
  }
  return null;
}

/** A string token from its opening quote: its decoded value and the offset past it (or its line's end). */
function readString(text: string, at: number): { value: string; end: number } {
  let i = at + 1;
  let raw = "";
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') return { value: decode(raw), end: i + 1 };
    if (c === "\n" || c === "\r") break; // unterminated: it ends with its line
    if (c === "\\" && i + 1 < text.length) {
      raw += c + text[i + 1];
      i += 2;
      continue;
    }
    raw += c;
    i++;
  }
  return { value: decode(raw), end: i };
}

function decode(raw: string): string {
  if (!raw.includes("\\")) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") starts.push(i + 1);
  return starts;
}

function positionAt(starts: readonly number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo]! + 1 };
}

/**
 * Where a validator diagnostic belongs: `$.tasks[3].with.url` → task 3, `$.schedule.cron` → the `schedule`
 * settings section, `$['odd key']` → `odd key`. The root (`$`) and anything unreadable → setting `""`, the
 * workflow as a whole; `$.tasks` without an index → setting `tasks`.
 */
export function diagnosticTarget(path: string): { taskIndex: number } | { setting: string } {
  const m = /^\$(?:\.([^.[]+)|\['((?:[^'\\]|\\.)*)'\])(?:\[(\d+)\])?/.exec(path);
  if (!m) return { setting: "" };
  const name = m[1] ?? m[2]!.replace(/\\'/g, "'");
  if (name === "tasks" && m[3] !== undefined) return { taskIndex: Number(m[3]) };
  return { setting: name };
}

type Schema = {
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  $ref?: string;
};

/**
 * The definition as workflow JSON: 2-space indent, `$schema` first, then every object's properties in the
 * workflow schema's order (unknown properties after them, as they came), trailing newline.
 */
export function formatWorkflow(definition: object): string {
  const root = workflowSchema as Schema;
  // The schema lists `$schema` first; the spread keeps it first whatever the schema says.
  const { $schema, ...rest } = order(definition, root, root) as Record<string, unknown>;
  return JSON.stringify($schema === undefined ? rest : { $schema, ...rest }, null, 2) + "\n";
}

function order(value: unknown, schema: Schema | undefined, root: Schema): unknown {
  const s = resolve(schema, root);
  if (Array.isArray(value)) return value.map((v) => order(v, itemsOf(s, root), root));
  if (value === null || typeof value !== "object") return value;
  const object = objectBranch(s, root);
  const input = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const props = object?.properties ?? {};
  for (const key of Object.keys(props)) {
    if (Object.hasOwn(input, key)) out[key] = order(input[key], props[key], root);
  }
  const extra = typeof object?.additionalProperties === "object" ? object.additionalProperties : undefined;
  for (const [key, v] of Object.entries(input)) {
    if (!Object.hasOwn(props, key)) out[key] = order(v, extra, root);
  }
  return out;
}

function resolve(schema: Schema | undefined, root: Schema): Schema | undefined {
  let s = schema;
  for (let hops = 0; s?.$ref?.startsWith("#/") && hops < 16; hops++) {
    let target: unknown = root;
    for (const part of s.$ref.slice(2).split("/")) target = (target as Record<string, unknown> | undefined)?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
    s = target as Schema | undefined;
  }
  return s;
}

function objectBranch(schema: Schema | undefined, root: Schema): Schema | undefined {
  if (!schema) return undefined;
  if (schema.properties || schema.additionalProperties !== undefined) return schema;
  for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) {
    const found = objectBranch(resolve(branch, root), root);
    if (found) return found;
  }
  return undefined;
}

function itemsOf(schema: Schema | undefined, root: Schema): Schema | undefined {
  if (!schema) return undefined;
  if (schema.items) return schema.items;
  for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) {
    const found = itemsOf(resolve(branch, root), root);
    if (found) return found;
  }
  return undefined;
}

/**
 * The smallest single replacement that turns `before` into `after` (offsets in `before`), or null when they are
 * equal: applied to an open editor it keeps the cursor, the scroll and the undo history outside the change.
 */
export function minimalEdit(before: string, after: string): { start: number; end: number; text: string } | null {
  if (before === after) return null;
  const max = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < max && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  if (prefix > 0 && isHighSurrogate(before.charCodeAt(prefix - 1))) prefix--; // never split a surrogate pair
  let suffix = 0;
  while (
    suffix < max - prefix &&
    before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)
  )
    suffix++;
  if (suffix > 0 && isLowSurrogate(before.charCodeAt(before.length - suffix))) suffix--;
  return { start: prefix, end: before.length - suffix, text: after.slice(prefix, after.length - suffix) };
}

/**
 * The replacements (offsets in `before`, in order, not overlapping) that turn `before` into `after`: one per
 * changed place, each as small as `minimalEdit` makes it, so an open editor keeps the cursor, the scroll and
 * the undo history wherever the text did not change (moving two nodes apart edits two places, not all between).
 * Texts too different to diff quickly come back as one replacement.
 */
export function textEdits(before: string, after: string): { start: number; end: number; text: string }[] {
  const whole = minimalEdit(before, after);
  if (!whole) return [];
  const parts = diffLines(before, after, { maxEditLength: 1000 });
  if (!parts) return [whole];
  const edits: { start: number; end: number; text: string }[] = [];
  let offset = 0;
  let hunk: { start: number; removed: string; added: string } | null = null;
  const flush = () => {
    const e = hunk && minimalEdit(hunk.removed, hunk.added);
    if (hunk && e) edits.push({ start: hunk.start + e.start, end: hunk.start + e.end, text: e.text });
    hunk = null;
  };
  for (const part of parts) {
    if (!part.added && !part.removed) {
      flush();
      offset += part.value.length;
      continue;
    }
    hunk ??= { start: offset, removed: "", added: "" };
    if (part.removed) {
      hunk.removed += part.value;
      offset += part.value.length;
    } else hunk.added += part.value;
  }
  flush();
  return edits;
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/**
 * The 1-based column just past the JSON token that starts at `column` of `line` (a string with its quotes,
 * or a number, word or single punctuation mark), so a diagnostic underlines the whole value.
 */
export function tokenEndColumn(line: string, column: number): number {
  const i = Math.max(0, column - 1);
  if (i >= line.length) return column + 1;
  if (line[i] === '"') {
    for (let j = i + 1; j < line.length; j++) {
      if (line[j] === "\\") j++;
      else if (line[j] === '"') return j + 2;
    }
    return line.length + 1;
  }
  let j = i;
  while (j < line.length && !/[\s{}[\]:,"]/.test(line[j]!)) j++;
  return (j === i ? i + 1 : j) + 1;
}
