import { useState, useSyncExternalStore } from "react";
import { NavLink } from "react-router";
import { getApiKey, isUnauthorized, setApiKey, subscribeApiKey } from "../../auth/apiKey";
import { useLiveStatus } from "../../live/LiveEvents";
import { useHealth, useServer } from "../../queries/useServer";
import { useQueryClient } from "@tanstack/react-query";

/** Health, node, version, live stream, and the API key prompt when the server requires keys. */
export function Header() {
  const server = useServer();
  const health = useHealth();
  const live = useLiveStatus();
  const unauthorized = useSyncExternalStore(subscribeApiKey, isUnauthorized);
  const key = useSyncExternalStore(subscribeApiKey, getApiKey);

  return (
    <header className="app-header">
      <NavLink to="/" className="brand">
        Orchestrator
      </NavLink>
      <nav aria-label="Main">
        <NavLink to="/" end>
          Workflows
        </NavLink>
        <NavLink to="/runs">Runs</NavLink>
        <NavLink to="/alerts">Alerts</NavLink>
      </nav>
      <div className="server-info">
        <span className={`pill ${health.data?.ok ? "ok" : "bad"}`} role="status" aria-label="Server health" title={health.data?.text ?? "checking"}>
          {health.data ? (health.data.ok ? "healthy" : "unhealthy") : "…"}
        </span>
        <span className={`pill ${live === "live" ? "ok" : "warn"}`} role="status" aria-label="Live updates" title="Server-Sent Events from /api/v1/events">
          {live === "live" ? "live" : live}
        </span>
        {server.data && (
          <span className="muted" aria-label="Server">
            {server.data.node} · <span title={server.data.version}>v{server.data.version.replace(/\+(.{7}).*$/, "+$1")}</span> · {server.data.database}
            {server.data.keysRequired ? ` · ${server.data.role}` : ""}
          </span>
        )}
        {(server.data?.keysRequired || unauthorized || key) && <KeyPrompt unauthorized={unauthorized} hasKey={key != null} />}
      </div>
    </header>
  );
}

function KeyPrompt({ unauthorized, hasKey }: { unauthorized: boolean; hasKey: boolean }) {
  const [open, setOpen] = useState(false);
  const [value, setValue] = useState("");
  const client = useQueryClient();
  const save = (key: string | null) => {
    setApiKey(key);
    setOpen(false);
    setValue("");
    void client.invalidateQueries();
  };
  if (!open && !unauthorized) {
    return (
      <button type="button" onClick={() => setOpen(true)}>
        {hasKey ? "Change API key" : "Enter API key"}
      </button>
    );
  }
  return (
    <form className="key-prompt" onSubmit={(e) => { e.preventDefault(); save(value.trim() || null); }}>
      {unauthorized && <span className="error">This server needs an API key.</span>}
      <label htmlFor="api-key">API key</label>
      <input id="api-key" type="password" autoComplete="off" value={value} onChange={(e) => setValue(e.target.value)} />
      <button type="submit">Use key</button>
      {hasKey && (
        <button type="button" onClick={() => save(null)}>
          Forget key
        </button>
      )}
    </form>
  );
}
