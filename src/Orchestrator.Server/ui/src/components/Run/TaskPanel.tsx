import { useEffect, useState } from "react";
import { isFinal } from "../../model/states";
import { durationBetween, formatDuration } from "../../model/time";
import { useClearTasks, type TaskInstance } from "../../queries/useRuns";
import { LogViewer } from "../LogViewer/LogViewer";
import { ProblemView } from "../common/Problem";
import { RoleButton } from "../common/RoleButton";
import { StateBadge } from "../common/StateBadge";
import { Time } from "../common/Time";

/** A task instance: attempts, rendered inputs, outputs, error, log; "clear" when it has ended. */
export function TaskPanel({
  runId, task, activity, attempt, onAttempt, onClose, runLive,
}: {
  runId: string; task: TaskInstance; activity: string | null; attempt: number | null; onAttempt(n: number | null): void; onClose(): void; runLive: boolean;
}) {
  const clear = useClearTasks(runId);
  const [downstream, setDownstream] = useState(true);
  useEffect(() => {
    const close = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("keydown", close);
    return () => window.removeEventListener("keydown", close);
  }, [onClose]);
  const history = task.attemptHistory;
  const shown = history.find((a) => a.number === (attempt ?? history.at(-1)?.number));

  return (
    <aside className="panel" aria-label={`Task ${task.taskId}`}>
      <header>
        <h2>{task.taskId}</h2>
        <StateBadge state={task.state} label="Task state" />
        <button type="button" className="icon" aria-label="Close task panel" onClick={onClose}>
          ×
        </button>
      </header>
      <p className="muted">
        {activity} · {task.attempts} of {task.maxAttempts} attempt(s)
        {task.nextAttemptAt && (
          <>
            {" · next try "}
            <Time iso={task.nextAttemptAt} />
          </>
        )}
      </p>
      <div className="actions">
        <label className="check">
          <input type="checkbox" checked={downstream} onChange={(e) => setDownstream(e.target.checked)} /> and downstream
        </label>
        <RoleButton needs="operator" disabled={!isFinal(task.state) || clear.isPending} onClick={() => clear.mutate({ tasks: [task.taskId], downstream })} title="Run this task again">
          Clear task
        </RoleButton>
      </div>
      <ProblemView error={clear.error} />
      {task.error && (
        <>
          <h3>Error</h3>
          <pre className="error-text">{task.error}</pre>
        </>
      )}
      <h3>Attempts</h3>
      <table className="table compact" aria-label="Attempts">
        <thead>
          <tr>
            <th>#</th>
            <th>Outcome</th>
            <th>Queued</th>
            <th>Started</th>
            <th>Duration</th>
            <th>Worker</th>
          </tr>
        </thead>
        <tbody>
          {history.map((a) => (
            <tr key={a.number} className={shown?.number === a.number ? "selected" : undefined} onClick={() => onAttempt(a.number)}>
              <td>
                <button type="button" className="link" aria-label={`Attempt ${a.number}`} onClick={() => onAttempt(a.number)}>
                  {a.number}
                </button>
              </td>
              <td>
                <StateBadge state={a.outcome ?? "running"} />
                {a.error && <div className="error small">{a.error}</div>}
              </td>
              <td>
                <Time iso={a.queuedAt} />
              </td>
              <td>
                <Time iso={a.startedAt} />
              </td>
              <td>{formatDuration(durationBetween(a.startedAt, a.endedAt))}</td>
              <td>{a.worker ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown?.inputs != null && (
        <details open>
          <summary>Rendered inputs (attempt {shown.number})</summary>
          <pre className="json">{JSON.stringify(shown.inputs, null, 2)}</pre>
        </details>
      )}
      {task.outputs != null && (
        <details open>
          <summary>Outputs</summary>
          <pre className="json">{JSON.stringify(task.outputs, null, 2)}</pre>
        </details>
      )}
      <h3>
        Log{" "}
        <select aria-label="Attempt of the log" value={attempt ?? ""} onChange={(e) => onAttempt(e.target.value ? Number(e.target.value) : null)}>
          <option value="">all attempts</option>
          {task.attemptHistory.map((a) => (
            <option key={a.number} value={a.number}>
              attempt {a.number}
            </option>
          ))}
        </select>
      </h3>
      <LogViewer runId={runId} taskId={task.taskId} attempt={attempt} live={runLive && !isFinal(task.state)} />
    </aside>
  );
}
