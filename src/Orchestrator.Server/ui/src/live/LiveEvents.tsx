// One Server-Sent Events stream per tab (/api/v1/events). Events are buffered and folded into the cached
// queries in batches (at most five a second), so a 1,000-task run costs a few renders a second, not one per event.
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { keys } from "../queries/keys";
import { parseRunEvent, type RunEvent } from "./events";
import { applyToGrid, applyToRunDetail, applyToWorkflowList, type GridShape, type RunDetailShape, type WorkflowListShape } from "./reducer";
import { openStream, type StreamStatus } from "./sse";

const LiveStatusContext = createContext<StreamStatus>("connecting");

export function useLiveStatus(): StreamStatus {
  return useContext(LiveStatusContext);
}

export function LiveEvents({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const [status, setStatus] = useState<StreamStatus>("connecting");

  // A refetch answered by the server may be older than events that arrived while it was in flight: the events
  // received since the fetch began are folded in again, so a read never moves a run back in time.
  useEffect(() => {
    const started = new Map<string, number>();
    return client.getQueryCache().subscribe((event) => {
      if (event.type !== "updated") return;
      const hash = event.query.queryHash;
      if (event.action.type === "fetch") {
        started.set(hash, Date.now());
        return;
      }
      if (event.action.type !== "success" || event.action.manual) return;
      const since = (started.get(hash) ?? Date.now()) - 1000;
      started.delete(hash);
      const [kind, id] = event.query.queryKey as [string, string];
      if (kind === "run") {
        const events = recent.since(since, id);
        if (events.length) client.setQueryData<RunDetailShape>(event.query.queryKey, (d) => (d ? applyToRunDetail(d, events) : d));
      } else if (kind === "grid") {
        const events = recent.since(since);
        if (events.length) client.setQueryData<GridShape>(event.query.queryKey, (g) => (g ? applyToGrid(g, events) : g));
      }
    });
  }, [client]);

  useEffect(() => {
    let buffer: RunEvent[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      const events = buffer;
      buffer = [];
      recent.add(events);
      applyEvents(client, events);
    };
    const open = (reopened: boolean) =>
      openStream("/api/v1/events", {
        onStatus: setStatus,
        // Whatever happened while the stream was down is read again.
        onReconnected: () => void client.invalidateQueries(),
        onOpened: reopened ? () => void client.invalidateQueries() : undefined,
        onMessage: (message) => {
          const event = parseRunEvent(message.data);
          if (!event) return;
          buffer.push(event);
          // Folded at most five times a second: a busy 1,000-task run re-renders its graph 5 times a second, not 60.
          if (!frame) frame = window.setTimeout(() => requestAnimationFrame(flush), 200);
        },
      });

    // A browser keeps at most six connections to a server over HTTP/1.1: a tab in the background gives its stream
    // back after a while (and reads what it missed when shown again), so open tabs cannot starve the visible one.
    let close: (() => void) | null = open(false);
    let idle = 0;
    const onVisibility = () => {
      clearTimeout(idle);
      if (document.visibilityState === "hidden") {
        idle = window.setTimeout(() => {
          close?.();
          close = null;
        }, 10_000);
      } else if (!close) {
        close = open(true);
      }
    };
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      document.removeEventListener("visibilitychange", onVisibility);
      clearTimeout(idle);
      close?.();
    };
  }, [client]);

  return <LiveStatusContext.Provider value={status}>{children}</LiveStatusContext.Provider>;
}

const runFinal = new Set(["succeeded", "failed", "cancelled"]);

/** The events of the last few seconds, per run: what a refetch that was in flight may not include yet. */
const recent = (() => {
  const windowMs = 15_000;
  const limit = 20_000;
  let events: { received: number; event: RunEvent }[] = [];
  const prune = (now: number) => {
    const first = events.findIndex((e) => now - e.received < windowMs);
    events = first < 0 ? [] : events.slice(Math.max(first, events.length - limit));
  };
  return {
    add(list: readonly RunEvent[]) {
      const now = Date.now();
      for (const event of list) events.push({ received: now, event });
      prune(now);
    },
    since(time: number, runId?: string) {
      prune(Date.now());
      return events.filter((e) => e.received >= time && (runId === undefined || e.event.runId === runId)).map((e) => e.event);
    },
  };
})();

export function applyEvents(client: QueryClient, events: readonly RunEvent[]): void {
  if (events.length === 0) return;
  const runIds = new Set(events.map((e) => e.runId));

  for (const runId of runIds) {
    const mine = events.filter((e) => e.runId === runId);
    client.setQueryData<RunDetailShape>(keys.run(runId), (detail) => (detail ? applyToRunDetail(detail, mine) : detail));
    // Events carry states and attempts, not outputs: the run is read again when it ends (the task panel also
    // reads it when its task ends), not on every attempt of a 1,000-task run.
    if (mine.some((e) => e.type === "run_state" && runFinal.has(e.state))) {
      // cancelRefetch: false joins a fetch in flight instead of restarting it, so a busy run is read at most
      // once per round trip.
      void client.invalidateQueries({ queryKey: keys.run(runId), refetchType: "active" }, { cancelRefetch: false });
    }
  }

  let unknownRun = false;
  for (const [key, grid] of client.getQueriesData<GridShape>({ queryKey: ["grid"] })) {
    if (!grid) continue;
    client.setQueryData(key, applyToGrid(grid, events));
    const workflowId = key[1];
    if (events.some((e) => e.type === "run_state" && e.workflowId === workflowId && !grid.runs.some((r) => r.id === e.runId))) {
      void client.invalidateQueries({ queryKey: key }, { cancelRefetch: false });
    }
  }

  const list = client.getQueryData<WorkflowListShape[]>(keys.workflows);
  if (list) {
    const next = applyToWorkflowList(list, events);
    if (next) client.setQueryData(keys.workflows, next);
    else unknownRun = true;
  }
  if (unknownRun || events.some((e) => e.type === "run_state" && (e.state === "queued" || runFinal.has(e.state)))) {
    void client.invalidateQueries({ queryKey: keys.allRuns });
    if (unknownRun) void client.invalidateQueries({ queryKey: keys.workflows });
  }
  if (events.some((e) => (e.type === "run_state" && e.state === "failed") || (e.type === "task_state" && (e.state === "failed" || e.state === "up_for_retry")))) {
    void client.invalidateQueries({ queryKey: ["alerts"] });
  }
}
