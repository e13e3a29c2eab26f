import { useTriggers } from "../../queries/useWorkflows";
import { ProblemView } from "../common/Problem";

/** Event triggers as this node runs them. */
export function TriggersPanel({ workflowId }: { workflowId: string }) {
  const triggers = useTriggers(workflowId);
  return (
    <section aria-label="Triggers">
      <ProblemView error={triggers.error} />
      {triggers.data?.length === 0 && <p className="muted">This workflow has no event triggers.</p>}
      {!!triggers.data?.length && (
        <table className="table">
          <thead>
            <tr>
              <th>#</th>
              <th>Type</th>
              <th>Connection</th>
              <th>Topics</th>
              <th>Group</th>
              <th>Batch</th>
              <th>State</th>
              <th>Last error</th>
            </tr>
          </thead>
          <tbody>
            {triggers.data.map((t) => (
              <tr key={t.index}>
                <td>{t.index}</td>
                <td>{t.type}</td>
                <td>{t.connection}</td>
                <td>{t.topics.join(", ")}</td>
                <td>{t.group}</td>
                <td>
                  {t.batchSize} / {String(t.maxWait)}
                </td>
                <td>
                  <span className={`pill ${t.running ? "ok" : "warn"}`}>{t.running ? "running" : "stopped"}</span>
                  {t.consuming && <span className="pill ok">consuming</span>}
                </td>
                <td className="error">{t.lastError}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
