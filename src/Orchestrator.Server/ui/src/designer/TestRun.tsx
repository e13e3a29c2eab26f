import { useMutation } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Link } from "react-router";
import { api, unwrap } from "../api/client";
import { ProblemView } from "../components/common/Problem";
import { RoleButton } from "../components/common/RoleButton";
import { StateBadge } from "../components/common/StateBadge";
import { LogViewer } from "../components/LogViewer/LogViewer";
import { isFinal } from "../model/states";
import { paramFields, toParams, type ParamDefinitionLike } from "../model/params";
import { useClearTasks, useRun } from "../queries/useRuns";
import type { WorkflowJson } from "./edits";
import { shortRunId } from "../model/ids";

/**
 * "Test run": the unsaved draft runs once on the server (POST /api/v1/runs with the definition; nothing is
 * written to workflows/, schedules are untouched) with its params' defaults. Its live task states overlay the
 * canvas; the task panel shows a task's log and can run it again from there, keeping upstream outputs.
 */
export function useTestRun() {
  const [runId, setRunId] = useState<string | null>(null);
  const start = useMutation({
    mutationFn: async (definition: WorkflowJson) => {
      const fields = paramFields(definition["params"] as Record<string, ParamDefinitionLike> | undefined);
      const { params } = toParams(fields, {});
      return unwrap(await api.POST("/api/v1/runs", { body: { definition: definition as never, params } }));
    },
    onSuccess: (run) => setRunId(run.id),
  });
  const run = useRun(runId ?? "");
  const states = useMemo(() => new Map<string, string>((runId ? run.data?.tasks : undefined)?.map((t) => [t.taskId, t.state]) ?? []), [run.data, runId]);
  return { runId, run: runId ? run.data : undefined, states, start, clear: () => setRunId(null) };
}

export function TestRunBar({ testRun, definition, disabled }: { testRun: ReturnType<typeof useTestRun>; definition: WorkflowJson; disabled: boolean }) {
  return (
    <>
      <RoleButton needs="editor" onClick={() => testRun.start.mutate(definition)} disabled={disabled || testRun.start.isPending} title="Run this draft once on the server, without saving it">
        ▶ Test run
      </RoleButton>
      {testRun.run && (
        <span className="test-run" aria-label="Test run">
          <StateBadge state={testRun.run.run.state} label="Test run state" />
          <Link to={`/runs/${testRun.run.run.id}`} target="_blank">run {shortRunId(testRun.run.run.id)}</Link>
          <button type="button" className="icon" aria-label="Hide the test run" onClick={testRun.clear}>×</button>
        </span>
      )}
    </>
  );
}

export function TestRunError({ testRun }: { testRun: ReturnType<typeof useTestRun> }) {
  return <ProblemView error={testRun.start.error} />;
}

/** The selected task in the test run: its state, its log, and "re-run from here" (clear with downstream). */
export function TestRunTask({ testRun, taskId }: { testRun: ReturnType<typeof useTestRun>; taskId: string }) {
  const runId = testRun.runId;
  const clear = useClearTasks(runId ?? "");
  const task = testRun.run?.tasks.find((t) => t.taskId === taskId);
  if (!runId || !task || !testRun.run) return null;
  return (
    <section aria-label="Test run of this task">
      <h3>
        Test run <StateBadge state={task.state} label="Test state" />
      </h3>
      {task.error && <pre className="error-text">{task.error}</pre>}
      <RoleButton needs="operator" disabled={!isFinal(task.state) || clear.isPending} onClick={() => clear.mutate({ tasks: [taskId], downstream: true })}>
        Re-run from here
      </RoleButton>
      <ProblemView error={clear.error} />
      {task.attempts > 0 && <LogViewer runId={runId} taskId={taskId} attempt={null} live={!isFinal(task.state)} />}
    </section>
  );
}
