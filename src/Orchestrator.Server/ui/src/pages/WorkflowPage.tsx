import { useMemo, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { Graph, type TaskStatus } from "../components/Graph/Graph";
import { Grid } from "../components/Grid/Grid";
import { LocatedErrors, ProblemView } from "../components/common/Problem";
import { RoleButton } from "../components/common/RoleButton";
import { StateLegend } from "../components/common/StateBadge";
import { Time } from "../components/common/Time";
import { TriggerDialog } from "../components/ParamsForm/TriggerDialog";
import { BackfillDialog } from "../components/Workflow/BackfillDialog";
import { RunsTable } from "../components/Workflow/RunsTable";
import { TriggersPanel } from "../components/Workflow/TriggersPanel";
import { VersionsPanel } from "../components/Workflow/VersionsPanel";
import { scheduleSentence } from "../model/cron";
import { buildGrid } from "../model/grid";
import { taskStates } from "../model/states";
import { useRun } from "../queries/useRuns";
import { useGrid, usePause, useWorkflow } from "../queries/useWorkflows";
import { shortRunId } from "../model/ids";

const tabs = ["graph", "grid", "runs", "versions", "triggers"] as const;
type Tab = (typeof tabs)[number];

/** One workflow: its DAG coloured by the latest run, the grid, runs, versions, triggers, trigger and backfill. */
export default function WorkflowPage() {
  const { id = "" } = useParams();
  const [search, setSearch] = useSearchParams();
  const tab = (tabs as readonly string[]).includes(search.get("tab") ?? "") ? (search.get("tab") as Tab) : "graph";
  const workflow = useWorkflow(id);
  const [dialog, setDialog] = useState<"trigger" | "backfill" | null>(null);
  const pause = usePause(id);
  const data = workflow.data;
  const w = data?.workflow;

  return (
    <main className="page">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to="/">Workflows</Link> / <span>{id}</span>
      </nav>
      <ProblemView error={workflow.error} />
      {data && w && (
        <>
          <div className="page-title">
            <h1>{w.name ?? w.id}</h1>
            <code className="muted">{w.id}</code>
            <span className="spacer" />
            <RoleButton needs="operator" className={`toggle${w.paused ? "" : " on"}`} role="switch" aria-checked={!w.paused} aria-label="Schedule active" onClick={() => pause.mutate(!w.paused)}>
              {w.paused ? "paused" : "active"}
            </RoleButton>
            <Link className="button" to={`/workflows/${encodeURIComponent(id)}/edit`}>
              Edit
            </Link>
            <RoleButton needs="operator" onClick={() => setDialog("backfill")} disabled={!w.schedule || !w.active}>
              Backfill
            </RoleButton>
            <RoleButton needs="operator" className="primary" onClick={() => setDialog("trigger")} disabled={!w.active}>
              ▶ Trigger
            </RoleButton>
          </div>
          {w.description && <p>{w.description}</p>}
          <p className="muted">
            {scheduleSentence(w.schedule)}
            {w.nextRunAt && (
              <>
                {" · next "}
                <Time iso={w.nextRunAt} />
              </>
            )}
            {" · "}
            {w.taskCount} tasks · <code>{w.file}</code>
          </p>
          {data.errors.length > 0 && (
            <div className="errors-box" role="alert">
              <strong>{w.active ? "The file is invalid; the last good version is still active." : "The file is invalid."}</strong>
              <LocatedErrors errors={data.errors} />
            </div>
          )}
          <div role="tablist" aria-label="Workflow views" className="tabs">
            {tabs.map((t) => (
              <button key={t} role="tab" type="button" aria-selected={tab === t} onClick={() => setSearch({ tab: t })}>
                {t}
              </button>
            ))}
          </div>
          <div role="tabpanel" aria-label={tab}>
            {tab === "graph" && <LatestRunGraph workflowId={id} tasks={data.definition?.tasks ?? []} lastRunId={w.lastRun?.id ?? null} />}
            {tab === "grid" && <WorkflowGrid workflowId={id} />}
            {tab === "runs" && <RunsTable workflowId={id} />}
            {tab === "versions" && <VersionsPanel workflowId={id} />}
            {tab === "triggers" && <TriggersPanel workflowId={id} />}
          </div>
          <TriggerDialog workflowId={id} params={data.definition?.params} open={dialog === "trigger"} onClose={() => setDialog(null)} />
          <BackfillDialog workflowId={id} open={dialog === "backfill"} onClose={() => setDialog(null)} />
        </>
      )}
    </main>
  );
}

function LatestRunGraph({ workflowId, tasks, lastRunId }: { workflowId: string; tasks: Parameters<typeof Graph>[0]["tasks"]; lastRunId: string | null }) {
  const run = useRun(lastRunId ?? "");
  const status = useMemo(() => new Map<string, TaskStatus>((lastRunId ? run.data?.tasks : undefined)?.map((t) => [t.taskId, { state: t.state, attempts: t.attempts }]) ?? []), [run.data, lastRunId]);
  return (
    <>
      <p className="muted">
        {lastRunId ? (
          <>
            Coloured by the latest run, <Link to={`/runs/${lastRunId}`}>{shortRunId(lastRunId)}</Link>.
          </>
        ) : (
          `${workflowId} has not run yet.`
        )}
      </p>
      <Graph tasks={tasks} status={status} />
    </>
  );
}

const gridSizes = [10, 25, 50, 100];

function WorkflowGrid({ workflowId }: { workflowId: string }) {
  const [search, setSearch] = useSearchParams();
  const count = gridSizes.includes(Number(search.get("runs"))) ? Number(search.get("runs")) : 25;
  const setCount = (n: number) =>
    setSearch((old) => {
      const next = new URLSearchParams(old);
      next.set("runs", String(n));
      return next;
    });
  const grid = useGrid(workflowId, count);
  const model = useMemo(() => (grid.data ? buildGrid(grid.data.tasks, grid.data.runs) : null), [grid.data]);
  return (
    <section aria-label="Grid">
      <div className="toolbar">
        <label htmlFor="grid-runs">Runs</label>
        <select id="grid-runs" value={count} onChange={(e) => setCount(Number(e.target.value))}>
          {gridSizes.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
        <StateLegend states={taskStates} />
      </div>
      <ProblemView error={grid.error} />
      {model && (model.columns.length === 0 ? <p className="muted">No runs yet.</p> : <Grid model={model} />)}
    </section>
  );
}
