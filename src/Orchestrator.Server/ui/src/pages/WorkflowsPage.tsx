import { useWindowVirtualizer } from "@tanstack/react-virtual";
import { memo, useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { RunSquares } from "../components/common/RunSquares";
import { LocatedErrors, ProblemView } from "../components/common/Problem";
import { RoleButton } from "../components/common/RoleButton";
import { Time } from "../components/common/Time";
import { TriggerDialog } from "../components/ParamsForm/TriggerDialog";
import { scheduleSentence } from "../model/cron";
import { relative } from "../model/time";
import { useInvalidFiles, usePause, useWorkflow, useWorkflows, type WorkflowSummary } from "../queries/useWorkflows";

/** Every workflow: schedule in words, next run, paused toggle, last runs, trigger, invalid files. */
export function WorkflowsPage() {
  const workflows = useWorkflows();
  const [search, setSearch] = useSearchParams();
  const q = search.get("q") ?? "";
  const tag = search.get("tag") ?? "";
  const tags = useMemo(() => [...new Set((workflows.data ?? []).flatMap((w) => w.tags))].sort(), [workflows.data]);
  const shown = useMemo(() => {
    const needle = q.toLowerCase();
    return (workflows.data ?? []).filter(
      (w) => (!tag || w.tags.includes(tag)) && (!needle || w.id.includes(needle) || (w.name ?? "").toLowerCase().includes(needle) || (w.description ?? "").toLowerCase().includes(needle)),
    );
  }, [workflows.data, q, tag]);
  const setParam = (name: string, value: string) =>
    setSearch((old) => {
      const next = new URLSearchParams(old);
      if (value) next.set(name, value);
      else next.delete(name);
      return next;
    }, { replace: true });

  const rows = useWindowVirtualizer({ count: shown.length, estimateSize: () => 64, overscan: 8 });

  return (
    <main className="page">
      <div className="page-title">
        <h1>Workflows</h1>
        <span className="muted">{workflows.data ? `${shown.length} of ${workflows.data.length}` : ""}</span>
        <span className="spacer" />
        <NewWorkflow ids={(workflows.data ?? []).map((w) => w.id)} />
      </div>
      <div className="toolbar">
        <input type="search" aria-label="Search workflows" placeholder="Search by id, name, description" value={q} onChange={(e) => setParam("q", e.target.value)} />
        <select aria-label="Tag" value={tag} onChange={(e) => setParam("tag", e.target.value)}>
          <option value="">All tags</option>
          {tags.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </div>
      <ProblemView error={workflows.error} />
      <InvalidFiles />
      {workflows.isPending && <p className="muted" aria-busy="true">Loading workflows…</p>}
      <div className="wf-table" role="table" aria-label="Workflows">
        <div className="wf-row wf-head" role="row">
          <span role="columnheader">Workflow</span>
          <span role="columnheader">Schedule</span>
          <span role="columnheader">Last runs</span>
          <span role="columnheader">Paused</span>
          <span role="columnheader" className="sr-only">Actions</span>
        </div>
        <div style={{ height: rows.getTotalSize(), position: "relative" }}>
          {rows.getVirtualItems().map((v) => (
            <WorkflowRow key={shown[v.index]!.id} workflow={shown[v.index]!} top={v.start - rows.options.scrollMargin} measure={rows.measureElement} index={v.index} onTag={(t) => setParam("tag", t)} />
          ))}
        </div>
      </div>
    </main>
  );
}

const WorkflowRow = memo(function WorkflowRow({ workflow: w, top, measure, index, onTag }: { workflow: WorkflowSummary; top: number; measure(el: Element | null): void; index: number; onTag(tag: string): void }) {
  const [triggering, setTriggering] = useState(false);
  const [showErrors, setShowErrors] = useState(false);
  const pause = usePause(w.id);
  return (
    <div className="wf-row" role="row" data-workflow={w.id} data-index={index} ref={measure} style={{ transform: `translateY(${top}px)` }}>
      <span role="cell" className="wf-name">
        <Link to={`/workflows/${encodeURIComponent(w.id)}`}>{w.id}</Link>
        {w.name && <span className="muted"> {w.name}</span>}
        <span className="tags">
          {w.tags.map((t) => (
            <button key={t} type="button" className="tag" onClick={() => onTag(t)} aria-label={`Filter by tag ${t}`}>
              {t}
            </button>
          ))}
          {w.errorCount > 0 && (
            <button type="button" className="badge invalid" aria-expanded={showErrors} onClick={() => setShowErrors((s) => !s)} title={w.active ? "the last good version is still active" : "no valid version yet"}>
              invalid · {w.errorCount}
            </button>
          )}
        </span>
        {showErrors && <WorkflowErrors id={w.id} active={w.active} />}
      </span>
      <span role="cell">
        {scheduleSentence(w.schedule)}
        {w.nextRunAt && (
          <small className="muted block">
            next <Time iso={w.nextRunAt} /> ({relative(w.nextRunAt)})
          </small>
        )}
      </span>
      <span role="cell">
        <RunSquares runs={w.recentRuns ?? []} />
      </span>
      <span role="cell">
        <RoleButton needs="operator" className={`toggle${w.paused ? "" : " on"}`} role="switch" aria-checked={!w.paused} aria-label={`Schedule of ${w.id} active`} onClick={() => pause.mutate(!w.paused)} disabled={pause.isPending}>
          {w.paused ? "paused" : "active"}
        </RoleButton>
      </span>
      <span role="cell">
        <RoleButton needs="operator" className="primary" aria-label={`Trigger ${w.id}`} onClick={() => setTriggering(true)} disabled={!w.active}>
          ▶ Trigger
        </RoleButton>
        {triggering && <TriggerForWorkflow id={w.id} onClose={() => setTriggering(false)} />}
      </span>
    </div>
  );
});

/** A new workflow in the designer: blank, or starting from a copy of an existing one. */
function NewWorkflow({ ids }: { ids: string[] }) {
  const [template, setTemplate] = useState("");
  return (
    <span className="new-workflow">
      <select aria-label="Start from" value={template} onChange={(e) => setTemplate(e.target.value)}>
        <option value="">blank</option>
        {ids.map((id) => (
          <option key={id} value={id}>
            copy of {id}
          </option>
        ))}
      </select>
      <Link className="button primary" to={template ? `/workflows/new?template=${encodeURIComponent(template)}` : "/workflows/new"}>
        New workflow
      </Link>
    </span>
  );
}

function InvalidFiles() {
  const files = useInvalidFiles();
  if (!files.data?.length) return null;
  return (
    <section className="errors-box" aria-label="Invalid files">
      <strong>
        {files.data.length} file{files.data.length > 1 ? "s" : ""} in the workflows folder {files.data.length > 1 ? "hold" : "holds"} no valid workflow
      </strong>
      {files.data.map((f) => (
        <LocatedErrors key={f.file} errors={f.errors} />
      ))}
    </section>
  );
}

function WorkflowErrors({ id, active }: { id: string; active: boolean }) {
  const detail = useWorkflow(id);
  return (
    <div className="errors-box">
      <p className="muted">{active ? "The file is invalid; the last good version is still active." : "The file is invalid and has no good version yet."}</p>
      {detail.data && <LocatedErrors errors={detail.data.errors} />}
      <ProblemView error={detail.error} />
    </div>
  );
}

function TriggerForWorkflow({ id, onClose }: { id: string; onClose(): void }) {
  const detail = useWorkflow(id);
  if (!detail.data) return null;
  return <TriggerDialog workflowId={id} params={detail.data.definition?.params} open onClose={onClose} />;
}
