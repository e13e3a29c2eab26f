import { useMemo, useState } from "react";
import { Time } from "../components/common/Time";
import { scheduleSentence } from "../model/cron";
import { useChannels } from "../queries/useAlerts";
import { useSchedulePreview } from "../queries/useWorkflows";
import type { WorkflowJson } from "./edits";
import { NumberField, TextField } from "./TaskPanel";

type Json = Record<string, unknown>;
const zones = (() => {
  try {
    return ["UTC", ...Intl.supportedValuesOf("timeZone").filter((z) => z !== "UTC")];
  } catch {
    return ["UTC"];
  }
})();
const alertEvents = ["task_failed", "task_retry", "run_failed", "run_succeeded", "run_recovered", "sla_missed", "anomaly"];
const paramTypes = ["string", "integer", "number", "boolean", "array", "object"];

/** The workflow's own settings: identity, schedule (with its sentence and next fire times), params, defaults, limits, alerts, triggers. */
export function SettingsPanel({ definition, errors, onEdit, onClose }: { definition: WorkflowJson; errors: readonly string[]; onEdit(d: WorkflowJson, key: string | null): void; onClose(): void }) {
  const set = (key: string, value: unknown) => {
    const next: Json = { ...definition };
    if (value === undefined || value === "" || (Array.isArray(value) && value.length === 0)) delete next[key];
    else next[key] = value;
    onEdit(next as WorkflowJson, `settings.${key}`);
  };
  const schedule = (typeof definition["schedule"] === "string" ? { cron: definition["schedule"] } : definition["schedule"]) as Json | undefined;
  const setSchedule = (patch: Json) => {
    const next = { ...(schedule ?? { cron: "0 * * * *" }), ...patch };
    for (const k of Object.keys(next)) if (next[k] === undefined || next[k] === "") delete next[k];
    set("schedule", next["cron"] ? next : undefined);
  };
  const preview = useSchedulePreview(schedule?.["cron"] ? (schedule as never) : null, 5);
  const defaults = (definition["defaults"] as Json | undefined) ?? {};
  const concurrency = (definition["concurrency"] as Json | undefined) ?? {};
  const sub = (key: string, obj: Json, patch: Json) => {
    const next = { ...obj, ...patch };
    for (const k of Object.keys(next)) if (next[k] === undefined) delete next[k];
    set(key, Object.keys(next).length ? next : undefined);
  };

  return (
    <aside className="panel designer-panel" aria-label="Workflow settings">
      <header>
        <h2>Workflow settings</h2>
        <button type="button" className="icon" aria-label="Close settings" onClick={onClose}>×</button>
      </header>
      {errors.length > 0 && (
        <ul className="located" aria-label="Errors of the settings">
          {errors.map((e, i) => <li key={i} className="error">{e}</li>)}
        </ul>
      )}
      <div className="form">
        <TextField label="Id" id="wf-id" value={definition.id} onChange={(v) => set("id", v ?? "")} />
        <TextField label="Name" id="wf-name" value={definition["name"]} onChange={(v) => set("name", v)} />
        <div className="field">
          <label htmlFor="wf-description">Description</label>
          <textarea id="wf-description" rows={2} value={(definition["description"] as string | undefined) ?? ""} onChange={(e) => set("description", e.target.value || undefined)} />
        </div>
        <TextField label="Tags (comma-separated)" id="wf-tags" value={((definition["tags"] as string[] | undefined) ?? []).join(", ")}
          onChange={(v) => set("tags", (v ?? "").split(",").map((t) => t.trim()).filter(Boolean))} />

        <h3>Schedule</h3>
        <div className="field-row">
          <TextField label="Cron or macro" id="wf-cron" placeholder="manual only" value={schedule?.["cron"]} onChange={(v) => (v ? setSchedule({ cron: v }) : set("schedule", undefined))} />
          <div className="field">
            <label htmlFor="wf-zone">Time zone</label>
            <select id="wf-zone" value={(schedule?.["timezone"] as string | undefined) ?? "UTC"} disabled={!schedule} onChange={(e) => setSchedule({ timezone: e.target.value === "UTC" ? undefined : e.target.value })}>
              {zones.map((z) => <option key={z}>{z}</option>)}
            </select>
          </div>
        </div>
        {schedule && (
          <>
            <div className="field-row">
              <TextField label="Start" id="wf-start" placeholder="2026-01-01T00:00:00Z" value={schedule["start"]} onChange={(v) => setSchedule({ start: v })} />
              <TextField label="End" id="wf-end" value={schedule["end"]} onChange={(v) => setSchedule({ end: v })} />
              <label className="check">
                <input type="checkbox" checked={schedule["catchup"] === true} onChange={(e) => setSchedule({ catchup: e.target.checked || undefined })} /> catch up
              </label>
            </div>
            <p className="muted" aria-label="Schedule in words">{scheduleSentence({ cron: String(schedule["cron"]), timezone: (schedule["timezone"] as string | undefined) ?? "UTC" })}</p>
            {preview.error && <p className="error" role="alert">{preview.error.message}</p>}
            {preview.data && (
              <ol className="fire-times" aria-label="Next fire times">
                {preview.data.fireTimes.map((t) => <li key={t}><Time iso={t} /></li>)}
              </ol>
            )}
          </>
        )}

        <h3>Params</h3>
        <ParamsEditor params={(definition["params"] as Record<string, Json> | undefined) ?? {}} onChange={(p) => set("params", Object.keys(p).length ? p : undefined)} />

        <h3>Defaults for every task</h3>
        <div className="field-row">
          <NumberField label="Retries" id="wf-retries" value={defaults["retries"]} onChange={(v) => sub("defaults", defaults, { retries: v })} />
          <TextField label="Retry delay" id="wf-retry-delay" placeholder="PT30S" value={defaults["retryDelay"]} onChange={(v) => sub("defaults", defaults, { retryDelay: v })} />
          <TextField label="Timeout" id="wf-timeout" placeholder="PT15M" value={defaults["timeout"]} onChange={(v) => sub("defaults", defaults, { timeout: v })} />
        </div>
        <h3>Limits</h3>
        <div className="field-row">
          <NumberField label="Max active runs" id="wf-max-runs" value={concurrency["maxActiveRuns"]} onChange={(v) => sub("concurrency", concurrency, { maxActiveRuns: v })} />
          <NumberField label="Max active tasks" id="wf-max-tasks" value={concurrency["maxActiveTasks"]} onChange={(v) => sub("concurrency", concurrency, { maxActiveTasks: v })} />
        </div>
        <div className="field-row">
          <TextField label="SLA" id="wf-sla" placeholder="PT45M" value={definition["sla"]} onChange={(v) => set("sla", v)} />
          <TextField label="Run timeout" id="wf-run-timeout" placeholder="PT2H" value={definition["runTimeout"]} onChange={(v) => set("runTimeout", v)} />
        </div>

        <h3>Alerts</h3>
        <AlertsEditor rules={(definition["alerts"] as Json[] | undefined) ?? []} onChange={(r) => set("alerts", r)} />

        <h3>Event triggers</h3>
        <JsonField id="wf-triggers" label="Triggers (JSON array)" value={definition["triggers"]} onChange={(v) => set("triggers", v)} />
      </div>
    </aside>
  );
}

function ParamsEditor({ params, onChange }: { params: Record<string, Json>; onChange(p: Record<string, Json>): void }) {
  const [name, setName] = useState("");
  const update = (key: string, patch: Json) => {
    const next = { ...params[key], ...patch };
    for (const k of Object.keys(next)) if (next[k] === undefined || next[k] === "") delete next[k];
    onChange({ ...params, [key]: next });
  };
  return (
    <div className="params-editor">
      {Object.entries(params).map(([key, p]) => (
        <fieldset key={key} aria-label={`Param ${key}`}>
          <legend>{key}</legend>
          <div className="field-row">
            <div className="field">
              <label htmlFor={`p-${key}-type`}>Type</label>
              <select id={`p-${key}-type`} value={String(p["type"] ?? "string")} onChange={(e) => update(key, { type: e.target.value })}>
                {paramTypes.map((t) => <option key={t}>{t}</option>)}
              </select>
            </div>
            <JsonField id={`p-${key}-default`} label="Default" value={p["default"]} onChange={(v) => update(key, { default: v })} inline />
            <NumberField label="Minimum" id={`p-${key}-min`} value={p["minimum"]} onChange={(v) => update(key, { minimum: v })} />
            <NumberField label="Maximum" id={`p-${key}-max`} value={p["maximum"]} onChange={(v) => update(key, { maximum: v })} />
          </div>
          <TextField label="Allowed values (comma-separated)" id={`p-${key}-enum`} value={((p["enum"] as unknown[] | undefined) ?? []).map(String).join(", ")}
            onChange={(v) => update(key, { enum: v ? v.split(",").map((x) => x.trim()).filter(Boolean).map((x) => (p["type"] === "integer" || p["type"] === "number" ? Number(x) : x)) : undefined })} />
          <TextField label="Description" id={`p-${key}-description`} value={p["description"]} onChange={(v) => update(key, { description: v })} />
          <button type="button" onClick={() => { const { [key]: _gone, ...rest } = params; onChange(rest); }}>Remove {key}</button>
        </fieldset>
      ))}
      <div className="field-row">
        <input aria-label="New param name" placeholder="new param name" value={name} onChange={(e) => setName(e.target.value)} />
        <button type="button" disabled={!name || name in params} onClick={() => { onChange({ ...params, [name]: { type: "string" } }); setName(""); }}>Add param</button>
      </div>
    </div>
  );
}

function AlertsEditor({ rules, onChange }: { rules: Json[]; onChange(r: Json[]): void }) {
  const channels = useChannels();
  const refs = useMemo(() => channels.data?.map((c) => c.reference) ?? [], [channels.data]);
  const update = (i: number, patch: Json) => onChange(rules.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const toggle = (list: unknown, value: string, on: boolean) => {
    const current = Array.isArray(list) ? (list as string[]) : [];
    return on ? [...new Set([...current, value])] : current.filter((x) => x !== value);
  };
  return (
    <div className="alerts-editor">
      {rules.map((r, i) => (
        <fieldset key={i} aria-label={`Alert rule ${i + 1}`}>
          <legend>Rule {i + 1}</legend>
          <div className="checks">
            {alertEvents.map((e) => (
              <label key={e} className="check"><input type="checkbox" checked={(r["on"] as string[] | undefined)?.includes(e) ?? false} onChange={(x) => update(i, { on: toggle(r["on"], e, x.target.checked) })} /> {e}</label>
            ))}
          </div>
          <div className="checks">
            {[...new Set([...refs, ...((r["notify"] as string[] | undefined) ?? [])])].map((c) => (
              <label key={c} className="check"><input type="checkbox" checked={(r["notify"] as string[] | undefined)?.includes(c) ?? false} onChange={(x) => update(i, { notify: toggle(r["notify"], c, x.target.checked) })} /> {c}</label>
            ))}
            {refs.length === 0 && <span className="muted">no channel is configured on this server</span>}
          </div>
          <button type="button" onClick={() => onChange(rules.filter((_, j) => j !== i))}>Remove rule</button>
        </fieldset>
      ))}
      <button type="button" onClick={() => onChange([...rules, { on: ["run_failed"], notify: refs.slice(0, 1) }])}>Add alert rule</button>
    </div>
  );
}

function JsonField({ id, label, value, onChange, inline }: { id: string; label: string; value: unknown; onChange(v: unknown): void; inline?: boolean }) {
  const [text, setText] = useState(value === undefined ? "" : JSON.stringify(value, null, inline ? 0 : 2));
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {inline ? <input id={id} value={text} onChange={(e) => setText(e.target.value)} onBlur={() => commit()} /> : <textarea id={id} rows={3} value={text} onChange={(e) => setText(e.target.value)} onBlur={() => commit()} />}
      {error && <small className="error">{error}</small>}
    </div>
  );
  function commit() {
    if (text.trim() === "") {
      setError(null);
      onChange(undefined);
      return;
    }
    try {
      onChange(JSON.parse(text));
      setError(null);
    } catch {
      if (inline) {
        onChange(text);
        setError(null);
      } else setError("not valid JSON");
    }
  }
}
