import { useMemo, useState } from "react";
import { useNavigate } from "react-router";
import { paramFields, toParams, type ParamDefinitionLike, type ParamValues } from "../../model/params";
import { useTrigger } from "../../queries/useWorkflows";
import { Dialog } from "../common/Dialog";
import { ProblemView } from "../common/Problem";

/** The trigger form, built from the workflow's `params` definitions (types, defaults, bounds, enums). */
export function TriggerDialog({ workflowId, params, open, onClose }: { workflowId: string; params: Record<string, ParamDefinitionLike> | null | undefined; open: boolean; onClose(): void }) {
  const fields = useMemo(() => paramFields(params), [params]);
  const [values, setValues] = useState<ParamValues>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const trigger = useTrigger(workflowId);
  const navigate = useNavigate();

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const result = toParams(fields, values);
    setErrors(result.errors);
    if (Object.keys(result.errors).length > 0) return;
    // The promise, not mutate's callbacks: those are dropped when the row that opened the dialog re-renders away
    // before the answer comes, and the run page must open all the same.
    trigger.mutateAsync(result.params).then(
      (run) => {
        onClose();
        void navigate(`/runs/${run.id}`);
      },
      () => undefined, // shown by ProblemView from trigger.error
    );
  };

  return (
    <Dialog title={`Trigger ${workflowId}`} open={open} onClose={onClose}>
      <form onSubmit={submit} className="form" aria-label="Params">
        {fields.length === 0 && <p className="muted">This workflow takes no params.</p>}
        {fields.map((f) => {
          const value = values[f.name] ?? f.initial;
          const set = (v: string) => setValues((old) => ({ ...old, [f.name]: v }));
          const id = `param-${f.name}`;
          return (
            <div key={f.name} className="field">
              <label htmlFor={id}>
                {f.name}
                {f.required && <span aria-hidden="true"> *</span>} <span className="muted">{f.type}</span>
              </label>
              {f.kind === "select" ? (
                <select id={id} value={value} onChange={(e) => set(e.target.value)} required={f.required}>
                  {f.required && <option value="" />}
                  {f.options.map((o) => (
                    <option key={o} value={o}>
                      {o}
                    </option>
                  ))}
                </select>
              ) : f.kind === "checkbox" ? (
                <input id={id} type="checkbox" checked={value === "true"} onChange={(e) => set(String(e.target.checked))} />
              ) : f.kind === "json" ? (
                <textarea id={id} value={value} rows={3} onChange={(e) => set(e.target.value)} spellCheck={false} />
              ) : (
                <input id={id} type={f.kind === "number" ? "number" : "text"} value={value} min={f.min} max={f.max} step={f.step ?? "any"} required={f.required} onChange={(e) => set(e.target.value)} />
              )}
              {f.description && <small className="help">{f.description}</small>}
              {errors[f.name] && (
                <small className="error" role="alert">
                  {errors[f.name]}
                </small>
              )}
            </div>
          );
        })}
        <ProblemView error={trigger.error} />
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={trigger.isPending}>
            Trigger run
          </button>
        </div>
      </form>
    </Dialog>
  );
}
