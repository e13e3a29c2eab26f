// One Server-Sent Events stream per tab (/api/v1/events). Events are buffered and folded into the cached
// queries once per animation frame, so a 1,000-task run costs one render per frame, not one per event.
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

  useEffect(() => {
    let buffer: RunEvent[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      const events = buffer;
      buffer = [];
      applyEvents(client, events);
    };
    return openStream("/api/v1/events", {
      onStatus: setStatus,
      // Whatever happened while the stream was down is read again.
      onReconnected: () => void client.invalidateQueries(),
      onMessage: (message) => {
        const event = parseRunEvent(message.data);
        if (!event) return;
        buffer.push(event);
        if (!frame) frame = requestAnimationFrame(flush);
      },
    });
  }, [client]);

  return <LiveStatusContext.Provider value={status}>{children}</LiveStatusContext.Provider>;
}

const runFinal = new Set(["succeeded", "failed", "cancelled"]);

export function applyEvents(client: QueryClient, events: readonly RunEvent[]): void {
  if (events.length === 0) return;
  const runIds = new Set(events.map((e) => e.runId));

  for (const runId of runIds) {
    const mine = events.filter((e) => e.runId === runId);
    client.setQueryData<RunDetailShape>(keys.run(runId), (detail) => (detail ? applyToRunDetail(detail, mine) : detail));
    // Outputs and rendered inputs are not in events: read the run again when one of its attempts ends.
    if (mine.some((e) => e.type === "attempt_ended" || (e.type === "run_state" && runFinal.has(e.state)))) {
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
