import { Link, useSearchParams } from "react-router";
import { runStates } from "../../model/states";
import { durationBetween, formatDuration } from "../../model/time";
import { useRuns } from "../../queries/useRuns";
import { ProblemView } from "../common/Problem";
import { StateBadge } from "../common/StateBadge";
import { Time } from "../common/Time";
import { shortRunId } from "../../model/ids";

const pageSize = 25;

/** Runs, newest first, filtered by state (and workflow; the filter lives in the URL); older runs load below on demand. */
export function RunsTable({ workflowId }: { workflowId?: string }) {
  const [search, setSearch] = useSearchParams();
  const state = search.get("state") ?? "";
  const runs = useRuns({ ...(workflowId ? { workflowId } : {}), ...(state ? { state } : {}), take: pageSize });
  const items = runs.data?.pages.flatMap((p) => p.items);
  const set = (name: string, value: string) =>
    setSearch((old) => {
      const next = new URLSearchParams(old);
      if (value) next.set(name, value);
      else next.delete(name);
      return next;
    });
  return (
    <section aria-label="Runs">
      <div className="toolbar">
        <select aria-label="Run state" value={state} onChange={(e) => set("state", e.target.value)}>
          <option value="">All states</option>
          {runStates.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <ProblemView error={runs.error} />
      <table className="table">
        <thead>
          <tr>
            <th>Run</th>
            {!workflowId && <th>Workflow</th>}
            <th>State</th>
            <th>Kind</th>
            <th>Logical date</th>
            <th>Started</th>
            <th>Duration</th>
          </tr>
        </thead>
        <tbody>
          {items?.map((r) => (
            <tr key={r.id}>
              <td>
                <Link to={`/runs/${r.id}`}>{shortRunId(r.id)}</Link>
              </td>
              {!workflowId && (
                <td>
                  <Link to={`/workflows/${encodeURIComponent(r.workflowId)}`}>{r.workflowId}</Link>
                </td>
              )}
              <td>
                <StateBadge state={r.state} />
              </td>
              <td>{r.kind}</td>
              <td>
                <Time iso={r.logicalDate} />
              </td>
              <td>
                <Time iso={r.startedAt} />
              </td>
              <td>{formatDuration(durationBetween(r.startedAt, r.endedAt))}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {items?.length === 0 && <p className="muted">No runs.</p>}
      {runs.hasNextPage && (
        <div className="pager">
          <button type="button" disabled={runs.isFetchingNextPage} onClick={() => void runs.fetchNextPage()}>
            {runs.isFetchingNextPage ? "Loading…" : "Load older runs"}
          </button>
          <span className="muted">{items?.length} shown</span>
        </div>
      )}
    </section>
  );
}
