// An activity's input JSON Schema as form fields (pure): one field per property, its kind from the schema's type
// (a nullable type counts as its non-null type), required, enum, format, bounds and description.

export interface JsonSchema {
  type?: string | string[];
  description?: string;
  enum?: unknown[];
  format?: string;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  default?: unknown;
}

export type FieldKind = "text" | "number" | "boolean" | "select" | "list" | "json";

export interface SchemaField {
  name: string;
  kind: FieldKind;
  type: string;
  required: boolean;
  description: string | null;
  options: string[];
  format: string | null;
  /** For lists: the items' type (numbers are typed as numbers). */
  itemType?: string;
  min?: number;
  max?: number;
}

export function mainType(schema: JsonSchema): string {
  const types = Array.isArray(schema.type) ? schema.type.filter((t) => t !== "null") : schema.type ? [schema.type] : [];
  return types[0] ?? (schema.properties ? "object" : "string");
}

export function schemaFields(schema: JsonSchema | null | undefined): SchemaField[] {
  const required = new Set(schema?.required ?? []);
  return Object.entries(schema?.properties ?? {}).map(([name, s]) => {
    const type = mainType(s);
    const enumValues = (s.enum ?? []).filter((v) => v !== null);
    const kind: FieldKind = enumValues.length > 0 ? "select"
      : type === "boolean" ? "boolean"
      : type === "integer" || type === "number" ? "number"
      : type === "array" && s.items && ["string", "integer", "number"].includes(mainType(s.items)) ? "list"
      : type === "array" || type === "object" ? "json"
      : "text";
    return {
      name,
      kind,
      type,
      required: required.has(name),
      description: s.description ?? null,
      options: enumValues.map(String),
      format: s.format ?? null,
      ...(kind === "list" && s.items ? { itemType: mainType(s.items) } : {}),
      ...(s.minimum != null && Math.abs(s.minimum) < Number.MAX_SAFE_INTEGER ? { min: s.minimum } : {}),
      ...(s.maximum != null && Math.abs(s.maximum) < Number.MAX_SAFE_INTEGER ? { max: s.maximum } : {}),
    };
  });
}

/**
 * The value a form field's text stands for. Any input may be a Liquid template ("{{ params.rows }}"), which stays
 * a string; otherwise numbers become numbers, and an emptied field is removed (undefined).
 */
export function fieldValue(field: SchemaField, text: string): unknown {
  if (text === "") return undefined;
  // A list is one item per line, each of which may be a template.
  if (field.kind === "list") {
    const items = text.split("\n").map((l) => l.trim()).filter(Boolean);
    const numeric = field.itemType === "integer" || field.itemType === "number";
    return items.map((l) => (numeric && Number.isFinite(Number(l)) ? Number(l) : l));
  }
  if (text.includes("{{") || text.includes("{%")) return text;
  if (field.kind === "number") {
    const n = Number(text);
    return Number.isFinite(n) ? n : text;
  }
  if (field.kind === "boolean") return text === "true";
  if (field.kind === "json") {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

export function fieldText(field: SchemaField, value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (field.kind === "list" && Array.isArray(value)) return value.map(String).join("\n");
  if (field.kind === "json") return JSON.stringify(value, null, 2);
  return String(value);
}

/** The fields of `trigger`, which templates of event runs read (the server's TemplateScope.TriggerFields). */
const triggerFields = ["type", "connection", "group", "path", "count", "topic", "topics", "offsets"];

/**
 * Template variables offered in completion: params, run, workflow, vars, the upstream tasks' outputs and, when the
 * workflow has triggers, trigger. Exactly the roots templates have (a connection is named by a plain input).
 */
export function templateSuggestions(
  params: readonly string[],
  upstream: readonly { id: string; outputs: readonly string[] }[],
  hasTriggers: boolean,
): string[] {
  return [
    ...params.map((p) => `params.${p}`),
    "run.id", "run.logical_date", "run.data_interval_start", "run.data_interval_end", "run.kind", "run.attempt",
    "workflow.id", "workflow.version",
    "vars.",
    ...upstream.flatMap((u) => u.outputs.map((o) => `tasks.${u.id}.outputs.${o}`)),
    ...(hasTriggers ? triggerFields.map((f) => `trigger.${f}`) : []),
  ];
}

/** The expression being typed after the last unclosed "{{" before the cursor, or null outside a template. */
export function openExpression(text: string, cursor: number): { start: number; prefix: string } | null {
  const before = text.slice(0, cursor);
  const open = before.lastIndexOf("{{");
  if (open < 0 || before.indexOf("}}", open) >= 0) return null;
  const raw = before.slice(open + 2);
  const start = open + 2 + (raw.length - raw.trimStart().length);
  return { start, prefix: before.slice(start) };
}
