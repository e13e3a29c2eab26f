import { useEffect, useMemo, useState } from "react";
import { updateTask, isValidId, type TaskJson, type WorkflowJson } from "./edits";
import type { Activity } from "./Palette";
import { SchemaForm } from "./SchemaForm";
import { templateSuggestions, type JsonSchema } from "./schemaFields";

const triggerRules = ["all_success", "all_failed", "all_done", "all_done_min_one_success", "all_skipped", "one_success", "one_failed", "one_done", "none_failed", "none_failed_min_one_success", "none_skipped", "always"];

/** Upstream tasks of `id`, nearest first (every task its inputs may read outputs from). */
function upstreamOf(definition: WorkflowJson, id: string): TaskJson[] {
  const byId = new Map(definition.tasks.map((t) => [t.id, t]));
  const seen = new Set<string>();
  const order: TaskJson[] = [];
  const queue = [...(byId.get(id)?.dependsOn ?? [])];
  while (queue.length) {
    const next = queue.shift()!;
    if (seen.has(next) || !byId.has(next)) continue;
    seen.add(next);
    order.push(byId.get(next)!);
    queue.push(...(byId.get(next)!.dependsOn ?? []));
  }
  return order;
}

function outputNames(activity: Activity | undefined): string[] {
  return Object.keys(((activity?.outputSchema ?? {}) as JsonSchema).properties ?? {});
}

/** A task: id, inputs (from the activity's schema, templates completed), trigger rule, retries, timeout, pool, outputs. */
export function TaskPanel({
  definition, taskId, activities, errors, onEdit, onClose, children,
}: {
  definition: WorkflowJson; taskId: string; activities: readonly Activity[]; errors: readonly string[];
  onEdit(definition: WorkflowJson, key: string | null, select?: string[]): void; onClose(): void; children?: React.ReactNode;
}) {
  const task = definition.tasks.find((t) => t.id === taskId);
  const activity = activities.find((a) => a.type === task?.activity);
  const [idText, setIdText] = useState(taskId);
  useEffect(() => setIdText(taskId), [taskId]);
  const suggestions = useMemo(
    () => templateSuggestions(Object.keys((definition["params"] as Record<string, unknown> | undefined) ?? {}),
      upstreamOf(definition, taskId).map((u) => ({ id: u.id, outputs: outputNames(activities.find((a) => a.type === u.activity)) })),
      Array.isArray(definition["triggers"]) && definition["triggers"].length > 0),
    [definition, taskId, activities],
  );
  if (!task) return null;
  const idError = idText !== taskId && (!isValidId(idText) ? "lower-case letters, digits, _ . - (starting with a letter or digit)" : definition.tasks.some((t) => t.id === idText) ? "another task has this id" : null);
  const set = (patch: Partial<TaskJson>, key: string) => onEdit(updateTask(definition, taskId, patch), `${key}:${taskId}`);
  const outputs = ((activity?.outputSchema ?? {}) as JsonSchema).properties ?? {};

  return (
    <aside className="panel designer-panel" aria-label={`Task ${taskId}`}>
      <header>
        <h2>{taskId}</h2>
        <button type="button" className="icon" aria-label="Close task panel" onClick={onClose}>×</button>
      </header>
      <p className="muted">
        <code>{task.activity}</code> {activity?.description}
      </p>
      {children}
      {errors.length > 0 && (
        <ul className="located" aria-label="Errors of this task">
          {errors.map((e, i) => <li key={i} className="error">{e}</li>)}
        </ul>
      )}
      <div className="form">
        <div className="field">
          <label htmlFor="task-id">Id</label>
          <input id="task-id" value={idText} onChange={(e) => setIdText(e.target.value)} aria-invalid={!!idError}
            onBlur={() => !idError && idText !== taskId && onEdit(updateTask(definition, taskId, { id: idText }), null, [idText])}
            onKeyDown={(e) => e.key === "Enter" && !idError && idText !== taskId && onEdit(updateTask(definition, taskId, { id: idText }), null, [idText])} />
          {idError && <small className="error" role="alert">{idError}</small>}
        </div>
        <h3>Inputs</h3>
        <SchemaForm idPrefix={`in-${taskId}`} schema={activity?.inputSchema as JsonSchema | undefined} value={task.with ?? {}} suggestions={suggestions}
          onChange={(w, field) => set({ with: Object.keys(w).length ? w : undefined }, `with.${field}`)} />
        <h3>Run</h3>
        <div className="field">
          <label htmlFor="task-rule">Trigger rule</label>
          <select id="task-rule" value={(task["triggerRule"] as string | undefined) ?? "all_success"} onChange={(e) => set({ triggerRule: e.target.value === "all_success" ? undefined : e.target.value }, "rule")}>
            {triggerRules.map((r) => <option key={r}>{r}</option>)}
          </select>
        </div>
        <div className="field-row">
          <NumberField label="Retries" id="task-retries" value={task["retries"]} onChange={(v) => set({ retries: v }, "retries")} />
          <TextField label="Retry delay" id="task-retry-delay" placeholder="PT30S" value={task["retryDelay"]} onChange={(v) => set({ retryDelay: v }, "retryDelay")} />
          <div className="field">
            <label htmlFor="task-backoff">Backoff</label>
            <select id="task-backoff" value={(task["retryBackoff"] as string | undefined) ?? ""} onChange={(e) => set({ retryBackoff: e.target.value || undefined }, "backoff")}>
              <option value="">(default)</option>
              <option>constant</option>
              <option>exponential</option>
            </select>
          </div>
        </div>
        <div className="field-row">
          <TextField label="Timeout" id="task-timeout" placeholder="PT15M" value={task["timeout"]} onChange={(v) => set({ timeout: v }, "timeout")} />
          <TextField label="Pool" id="task-pool" value={task["pool"]} onChange={(v) => set({ pool: v }, "pool")} />
        </div>
      </div>
      <h3>Outputs</h3>
      {Object.keys(outputs).length === 0 ? <p className="muted">This activity returns no outputs.</p> : (
        <dl className="outputs" aria-label="Outputs">
          {Object.entries(outputs).map(([name, s]) => (
            <div key={name}>
              <dt><code>{`{{ tasks.${taskId}.outputs.${name} }}`}</code></dt>
              <dd>{s.description}</dd>
            </div>
          ))}
        </dl>
      )}
    </aside>
  );
}

export function TextField({ label, id, value, onChange, placeholder }: { label: string; id: string; value: unknown; onChange(v: string | undefined): void; placeholder?: string }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} value={typeof value === "string" ? value : ""} placeholder={placeholder} onChange={(e) => onChange(e.target.value || undefined)} />
    </div>
  );
}

export function NumberField({ label, id, value, onChange }: { label: string; id: string; value: unknown; onChange(v: number | undefined): void }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="number" min={0} value={typeof value === "number" ? value : ""} onChange={(e) => onChange(e.target.value === "" ? undefined : Number(e.target.value))} />
    </div>
  );
}
