import { useEffect, useMemo, useRef, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { Gantt } from "../components/Gantt/Gantt";
import { Graph, type TaskStatus } from "../components/Graph/Graph";
import { ProblemView } from "../components/common/Problem";
import { RoleButton } from "../components/common/RoleButton";
import { StateBadge, StateLegend } from "../components/common/StateBadge";
import { Time } from "../components/common/Time";
import { TaskPanel } from "../components/Run/TaskPanel";
import type { GanttTask } from "../model/gantt";
import { isFinal, taskStates } from "../model/states";
import { durationBetween, formatDuration } from "../model/time";
import type { TaskLike } from "../model/workflow";
import { useCancelRun, useRerunFailed, useRun } from "../queries/useRuns";
import { useVersion } from "../queries/useWorkflows";
import { keys } from "../queries/keys";
import { useQueryClient } from "@tanstack/react-query";
import { shortRunId } from "../model/ids";

/** A run, live: graph or Gantt, a task panel with attempts and log, and the actions the caller's role allows. */
export default function RunPage() {
  const { id = "" } = useParams();
  const [search, setSearch] = useSearchParams();
  const view = search.get("view") === "gantt" ? "gantt" : "graph";
  const selected = search.get("task");
  const attempt = search.get("attempt") ? Number(search.get("attempt")) : null;
  const run = useRun(id);
  const version = useVersion(run.data?.run.workflowId ?? "", run.data?.run.workflowVersion ?? null);
  const cancel = useCancelRun(id);
  const rerun = useRerunFailed(id);

  const setParam = (changes: Record<string, string | null>) =>
    setSearch((old) => {
      const next = new URLSearchParams(old);
      for (const [k, v] of Object.entries(changes)) {
        if (v == null) next.delete(k);
        else next.set(k, v);
      }
      return next;
    });

  const definitionTasks = (version.data?.definition as { tasks?: TaskLike[] } | undefined)?.tasks;
  const tasks = useMemo<TaskLike[]>(() => definitionTasks ?? run.data?.tasks.map((t) => ({ id: t.taskId, activity: "" })) ?? [], [definitionTasks, run.data?.tasks]);
  const status = useMemo(() => new Map<string, TaskStatus>(run.data?.tasks.map((t) => [t.taskId, { state: t.state, attempts: t.attempts }]) ?? []), [run.data?.tasks]);
  const live = run.data ? !isFinal(run.data.run.state) : false;
  const task = run.data?.tasks.find((t) => t.taskId === selected) ?? null;
  // The selected task's outputs and error text come with the run, which is read again when that task ends.
  const client = useQueryClient();
  const selectedEnded = task != null && isFinal(task.state);
  const wasRunning = useRef<string | null>(null);
  useEffect(() => {
    if (!selectedEnded) wasRunning.current = selected;
    else if (wasRunning.current === selected) {
      wasRunning.current = null;
      void client.invalidateQueries({ queryKey: keys.run(id) }, { cancelRefetch: false });
    }
  }, [client, id, selected, selectedEnded]);
  const failedCount = run.data?.tasks.filter((t) => t.state === "failed" || t.state === "upstream_failed").length ?? 0;

  return (
    <main className="page run-page">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to="/">Workflows</Link> /{" "}
        {run.data && <Link to={`/workflows/${encodeURIComponent(run.data.run.workflowId)}`}>{run.data.run.workflowId}</Link>} / <span>run {shortRunId(id)}</span>
      </nav>
      <ProblemView error={run.error} />
      {run.data && (
        <>
          <div className="page-title">
            <h1>Run of {run.data.run.workflowId}</h1>
            <StateBadge state={run.data.run.state} label="Run state" />
            <span className="spacer" />
            <RoleButton needs="operator" disabled={!live || cancel.isPending} onClick={() => cancel.mutate()}>
              Cancel run
            </RoleButton>
            <RoleButton needs="operator" disabled={live || failedCount === 0 || rerun.isPending} onClick={() => rerun.mutate()}>
              Rerun failed
            </RoleButton>
          </div>
          <p className="muted">
            {run.data.run.kind} · logical date <Time iso={run.data.run.logicalDate} /> · started <Time iso={run.data.run.startedAt} /> ·{" "}
            {formatDuration(durationBetween(run.data.run.startedAt, run.data.run.endedAt))} · version <code>{run.data.run.workflowVersion.slice(0, 12)}</code>
          </p>
          {run.data.run.error && <pre className="error-text">{run.data.run.error}</pre>}
          <ProblemView error={cancel.error ?? rerun.error} />
          <div className="toolbar">
            <div role="tablist" aria-label="Run views" className="tabs">
              {(["graph", "gantt"] as const).map((v) => (
                <button key={v} role="tab" type="button" aria-selected={view === v} onClick={() => setParam({ view: v })}>
                  {v}
                </button>
              ))}
            </div>
            <StateLegend states={taskStates} />
          </div>
          <div className={`run-body${task ? " with-panel" : ""}`}>
            <div className="run-main">
              {view === "graph" ? (
                <Graph tasks={tasks} status={status} selected={selected} onSelect={(t) => setParam({ task: t, attempt: null })} />
              ) : (
                <RunGantt tasks={tasks} run={run.data} onSelect={(t) => setParam({ task: t, attempt: null })} live={live} />
              )}
            </div>
            {task && (
              <TaskPanel
                key={task.taskId}
                runId={id}
                task={task}
                activity={tasks.find((t) => t.id === task.taskId)?.activity ?? null}
                attempt={attempt}
                onAttempt={(n) => setParam({ attempt: n == null ? null : String(n) })}
                onClose={() => setParam({ task: null, attempt: null })}
                runLive={live}
              />
            )}
          </div>
        </>
      )}
    </main>
  );
}

function RunGantt({ tasks, run, onSelect, live }: { tasks: TaskLike[]; run: NonNullable<ReturnType<typeof useRun>["data"]>; onSelect(t: string): void; live: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(900);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => entry && setWidth(entry.contentRect.width));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  // Running bars grow with the clock, not with polling: the data comes from events.
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [live]);
  const dependsOn = useMemo(() => new Map(tasks.map((t) => [t.id, t.dependsOn ?? []])), [tasks]);
  const gantt = useMemo<GanttTask[]>(
    () => run.tasks.map((t) => ({ taskId: t.taskId, state: t.state, dependsOn: dependsOn.get(t.taskId) ?? [], attempts: t.attemptHistory })),
    [run.tasks, dependsOn],
  );
  return (
    <div ref={ref}>
      <Gantt tasks={gantt} width={width} onSelect={onSelect} now={live ? now : Date.parse(run.run.endedAt ?? new Date(now).toISOString())} />
    </div>
  );
}
