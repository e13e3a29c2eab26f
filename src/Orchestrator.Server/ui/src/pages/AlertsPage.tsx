import { Link, useSearchParams } from "react-router";
import { ProblemView } from "../components/common/Problem";
import { RoleButton } from "../components/common/RoleButton";
import { Time } from "../components/common/Time";
import { useAlert, useAlerts, useChannels, useTestChannel } from "../queries/useAlerts";
import { shortRunId } from "../model/ids";

const events = ["task_failed", "task_retry", "run_failed", "run_succeeded", "run_recovered", "sla_missed", "anomaly"];
const states = ["pending", "sent", "throttled", "failed"];
const pageSize = 50;

/** Alert history (event, workflow, run, channel, delivery, throttled repeats) and the configured channels. */
export default function AlertsPage() {
  const [search, setSearch] = useSearchParams();
  const filter = {
    ...(search.get("event") ? { event: search.get("event")! } : {}),
    ...(search.get("state") ? { state: search.get("state")! } : {}),
    ...(search.get("channel") ? { channel: search.get("channel")! } : {}),
    ...(search.get("workflow") ? { workflowId: search.get("workflow")! } : {}),
    take: pageSize,
  };
  const alerts = useAlerts(filter);
  const items = alerts.data?.pages.flatMap((p) => p.items);
  const channels = useChannels();
  const selected = search.get("alert");
  const set = (name: string, value: string | null) =>
    setSearch((old) => {
      const next = new URLSearchParams(old);
      if (value) next.set(name, value);
      else next.delete(name);
      return next;
    });

  return (
    <main className="page">
      <div className="page-title">
        <h1>Alerts</h1>
      </div>
      <div className="toolbar">
        <select aria-label="Event" value={search.get("event") ?? ""} onChange={(e) => set("event", e.target.value)}>
          <option value="">All events</option>
          {events.map((e) => (
            <option key={e}>{e}</option>
          ))}
        </select>
        <select aria-label="Delivery state" value={search.get("state") ?? ""} onChange={(e) => set("state", e.target.value)}>
          <option value="">All states</option>
          {states.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <select aria-label="Channel" value={search.get("channel") ?? ""} onChange={(e) => set("channel", e.target.value)}>
          <option value="">All channels</option>
          {channels.data?.map((c) => (
            <option key={c.reference}>{c.reference}</option>
          ))}
        </select>
        <input type="search" aria-label="Workflow" placeholder="Workflow id" value={search.get("workflow") ?? ""} onChange={(e) => set("workflow", e.target.value)} />
      </div>
      <ProblemView error={alerts.error} />
      <table className="table" aria-label="Alert history">
        <thead>
          <tr>
            <th>When</th>
            <th>Event</th>
            <th>Workflow</th>
            <th>Run</th>
            <th>Channel</th>
            <th>Delivery</th>
            <th>Attempts</th>
            <th>Repeats</th>
          </tr>
        </thead>
        <tbody>
          {items?.map((a) => (
            <tr key={a.id} className={selected === a.id ? "selected" : undefined}>
              <td>
                <button type="button" className="link" onClick={() => set("alert", a.id)} aria-label={`Alert ${a.event} ${a.workflowId}`}>
                  <Time iso={a.occurredAt} />
                </button>
              </td>
              <td>{a.event}</td>
              <td>
                <Link to={`/workflows/${encodeURIComponent(a.workflowId)}`}>{a.workflowId}</Link>
                {a.taskId && <span className="muted"> · {a.taskId}</span>}
              </td>
              <td>{a.runId && <Link to={`/runs/${a.runId}${a.taskId ? `?task=${encodeURIComponent(a.taskId)}` : ""}`}>{shortRunId(a.runId)}</Link>}</td>
              <td>{a.channel}</td>
              <td>
                <span className={`pill ${a.state === "sent" ? "ok" : a.state === "failed" ? "bad" : "warn"}`}>{a.state}</span>
                {a.lastError && <div className="error small">{a.lastError}</div>}
              </td>
              <td>{a.deliveries}</td>
              <td>{a.occurrences > 1 ? `×${a.occurrences}` : ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {items?.length === 0 && <p className="muted">No alerts.</p>}
      {alerts.hasNextPage && (
        <div className="pager">
          <button type="button" disabled={alerts.isFetchingNextPage} onClick={() => void alerts.fetchNextPage()}>
            {alerts.isFetchingNextPage ? "Loading…" : "Load older alerts"}
          </button>
        </div>
      )}
      {selected && <AlertDetail id={selected} onClose={() => set("alert", null)} />}
      <h2>Channels</h2>
      <Channels />
    </main>
  );
}

function AlertDetail({ id, onClose }: { id: string; onClose(): void }) {
  const alert = useAlert(id);
  return (
    <section className="card" aria-label="Alert detail">
      <header>
        <h2>Alert {alert.data?.alert.event}</h2>
        <button type="button" className="icon" aria-label="Close alert" onClick={onClose}>
          ×
        </button>
      </header>
      <ProblemView error={alert.error} />
      {alert.data && (
        <>
          {alert.data.alert.error && <pre className="error-text">{alert.data.alert.error}</pre>}
          {alert.data.alert.detail && <p>{alert.data.alert.detail}</p>}
          <h3>Deliveries</h3>
          <table className="table compact">
            <thead>
              <tr>
                <th>#</th>
                <th>Node</th>
                <th>Started</th>
                <th>Result</th>
              </tr>
            </thead>
            <tbody>
              {alert.data.deliveries.map((d) => (
                <tr key={d.number}>
                  <td>{d.number}</td>
                  <td>{d.node}</td>
                  <td>
                    <Time iso={d.startedAt} />
                  </td>
                  <td>{d.sent ? <span className="pill ok">sent</span> : <span className="error">{d.error}</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {alert.data.throttled.length > 0 && (
            <>
              <h3>Throttled repeats</h3>
              <ul>
                {alert.data.throttled.map((t) => (
                  <li key={t.id}>
                    <Time iso={t.occurredAt} /> {t.event} {t.taskId}
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </section>
  );
}

function Channels() {
  const channels = useChannels();
  const test = useTestChannel();
  return (
    <>
      <ProblemView error={channels.error ?? test.error} />
      {test.data && (
        <p role="status">
          Test message {test.data.sent ? "sent" : "queued"} to {test.data.channel}.
        </p>
      )}
      <table className="table" aria-label="Channels">
        <thead>
          <tr>
            <th>Channel</th>
            <th>Kind</th>
            <th>Settings</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {channels.data?.map((c) => (
            <tr key={c.reference}>
              <td>{c.reference}</td>
              <td>{c.kind}</td>
              <td>
                {Object.entries(c.settings).map(([k, v]) => (
                  <div key={k}>
                    <span className="muted">{k}</span> <code>{v}</code>
                  </div>
                ))}
              </td>
              <td>
                <RoleButton needs="operator" onClick={() => test.mutate(c.reference)} disabled={test.isPending} aria-label={`Send test to ${c.reference}`}>
                  Send test
                </RoleButton>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {channels.data?.length === 0 && <p className="muted">No channels are configured.</p>}
    </>
  );
}
