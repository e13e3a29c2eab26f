import { useMemo } from "react";
import { fieldText, fieldValue, schemaFields, type JsonSchema } from "./schemaFields";
import { TemplateInput } from "./TemplateInput";

/**
 * A task's inputs (`with`) as a form generated from the activity's input JSON Schema: required fields marked,
 * enums as selects, lists one item per line, objects and other arrays as JSON, descriptions as help, format hints.
 * Every text field also takes a template, with completion.
 */
export function SchemaForm({
  idPrefix, schema, value, onChange, suggestions,
}: {
  idPrefix: string; schema: JsonSchema | null | undefined; value: Record<string, unknown>; onChange(next: Record<string, unknown>, field: string): void; suggestions: readonly string[];
}) {
  const fields = useMemo(() => schemaFields(schema), [schema]);
  if (fields.length === 0) return <p className="muted">This activity takes no inputs.</p>;
  const set = (name: string, v: unknown) => {
    const next = { ...value };
    if (v === undefined) delete next[name];
    else next[name] = v;
    onChange(next, name);
  };
  return (
    <div className="schema-form">
      {fields.map((f) => {
        const id = `${idPrefix}-${f.name}`;
        const text = fieldText(f, value[f.name]);
        const isTemplate = typeof value[f.name] === "string" && (text.includes("{{") || text.includes("{%"));
        return (
          <div key={f.name} className="field">
            <label htmlFor={id}>
              {f.name}
              {f.required && <span className="required" aria-label="required"> *</span>}{" "}
              <span className="muted">
                {f.type}
                {f.format ? ` · ${f.format}` : ""}
              </span>
            </label>
            {f.kind === "select" && !isTemplate ? (
              <select id={id} value={text} onChange={(e) => set(f.name, e.target.value || undefined)}>
                <option value="">{f.required ? "choose…" : "(default)"}</option>
                {f.options.map((o) => (
                  <option key={o}>{o}</option>
                ))}
              </select>
            ) : f.kind === "boolean" && !isTemplate ? (
              <select id={id} value={text} onChange={(e) => set(f.name, e.target.value === "" ? undefined : e.target.value === "true")}>
                <option value="">(default)</option>
                <option value="true">true</option>
                <option value="false">false</option>
              </select>
            ) : (
              <TemplateInput
                id={id}
                label={f.name}
                value={text}
                required={f.required}
                multiline={f.kind === "list" || f.kind === "json"}
                suggestions={suggestions}
                onChange={(t) => set(f.name, fieldValue(f, t))}
              />
            )}
            {f.description && <small className="help">{f.description}</small>}
            {f.kind === "list" && <small className="help">one item per line</small>}
            {(f.min != null || f.max != null) && (
              <small className="help">
                {f.min != null ? `≥ ${f.min}` : ""} {f.max != null ? `≤ ${f.max}` : ""}
              </small>
            )}
          </div>
        );
      })}
    </div>
  );
}
