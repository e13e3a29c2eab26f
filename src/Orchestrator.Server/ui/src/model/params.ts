// A workflow's `params` definitions as form fields, and the form's text back to typed JSON values.

export interface ParamDefinitionLike {
  type: string;
  default?: unknown;
  description?: string | null;
  enum?: readonly unknown[] | null;
  minimum?: number | null;
  maximum?: number | null;
  minLength?: number | null;
  maxLength?: number | null;
  pattern?: string | null;
}

export type FieldKind = "text" | "number" | "checkbox" | "select" | "json";

export interface ParamField {
  name: string;
  type: string;
  kind: FieldKind;
  required: boolean;
  description: string | null;
  options: string[];
  initial: string;
  min?: number;
  max?: number;
  step?: number;
}

export function paramFields(params: Record<string, ParamDefinitionLike> | null | undefined): ParamField[] {
  return Object.entries(params ?? {}).map(([name, p]) => {
    const hasDefault = p.default !== undefined && p.default !== null;
    const kind: FieldKind = p.enum && p.enum.length > 0 ? "select"
      : p.type === "boolean" ? "checkbox"
      : p.type === "integer" || p.type === "number" ? "number"
      : p.type === "array" || p.type === "object" ? "json"
      : "text";
    return {
      name,
      type: p.type,
      kind,
      required: !hasDefault,
      description: p.description ?? null,
      options: (p.enum ?? []).map(toText),
      initial: hasDefault ? toText(p.default) : kind === "checkbox" ? "false" : "",
      ...(p.minimum != null ? { min: p.minimum } : {}),
      ...(p.maximum != null ? { max: p.maximum } : {}),
      ...(p.type === "integer" ? { step: 1 } : {}),
    };
  });
}

function toText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

export type ParamValues = Record<string, string>;

/**
 * Typed values for the trigger request: numbers as numbers, booleans as booleans, arrays and objects parsed.
 * Fields left at their default are not sent (the server applies the default), so a run records what was chosen.
 */
export function toParams(fields: readonly ParamField[], values: ParamValues): { params: Record<string, unknown>; errors: Record<string, string> } {
  const params: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const raw = values[f.name] ?? f.initial;
    if (raw === f.initial && !f.required) continue;
    if (raw.trim() === "" && f.type !== "string") {
      if (f.required) errors[f.name] = "required";
      continue;
    }
    switch (f.type) {
      case "integer":
      case "number": {
        const n = Number(raw);
        if (!Number.isFinite(n) || (f.type === "integer" && !Number.isInteger(n))) errors[f.name] = `expected ${f.type === "integer" ? "an integer" : "a number"}`;
        else params[f.name] = n;
        break;
      }
      case "boolean":
        params[f.name] = raw === "true";
        break;
      case "array":
      case "object":
        try {
          const v: unknown = JSON.parse(raw);
          if (f.type === "array" ? !Array.isArray(v) : typeof v !== "object" || v === null || Array.isArray(v)) errors[f.name] = `expected a JSON ${f.type}`;
          else params[f.name] = v;
        } catch {
          errors[f.name] = `expected a JSON ${f.type}`;
        }
        break;
      default:
        if (f.required && raw === "") errors[f.name] = "required";
        else params[f.name] = raw;
    }
  }
  return { params, errors };
}
