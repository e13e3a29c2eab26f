import { useInfiniteQuery, useQueryClient, type InfiniteData } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { api, unwrap, type Schemas } from "../api/client";
import { openStream, type StreamStatus } from "../live/sse";
import { keys } from "./keys";

export type LogLine = Schemas["LogLineDto"];
export type LogPage = Schemas["LogPageDto"];
const pageSize = 500;

/** A task's log, page after page (each page starts after the last line's sequence). */
export function useLogs(runId: string, taskId: string, attempt: number | null) {
  return useInfiniteQuery({
    queryKey: keys.logs(runId, taskId, attempt),
    initialPageParam: 0,
    queryFn: async ({ pageParam }): Promise<LogPage> =>
      unwrap(await api.GET("/api/v1/runs/{id}/tasks/{taskId}/logs", {
        params: { path: { id: runId, taskId }, query: { after: pageParam, limit: pageSize, ...(attempt != null ? { attempt } : {}) } },
      })),
    getNextPageParam: (last) => (last.lines.length === pageSize ? last.nextAfter : undefined),
  });
}

/**
 * Follow mode: the log's SSE stream from the last line read, appending lines to the cached pages
 * (one copy of the log, in the query cache).
 */
export function useFollowLogs(runId: string, taskId: string, attempt: number | null, enabled: boolean): StreamStatus | null {
  const client = useQueryClient();
  const [status, setStatus] = useState<StreamStatus | null>(null);
  useEffect(() => {
    if (!enabled) {
      setStatus(null);
      return;
    }
    const key = keys.logs(runId, taskId, attempt);
    const lastSequence = () => {
      const data = client.getQueryData<InfiniteData<LogPage, number>>(key);
      return data?.pages.at(-1)?.nextAfter ?? 0;
    };
    let pending: LogLine[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      const lines = pending;
      pending = [];
      client.setQueryData<InfiniteData<LogPage, number>>(key, (data) => {
        if (!data) return { pages: [{ lines, nextAfter: lines.at(-1)?.sequence ?? 0 }], pageParams: [0] };
        const last = data.pages.at(-1)!;
        const fresh = lines.filter((l) => l.sequence > last.nextAfter);
        if (fresh.length === 0) return data;
        const pages = [...data.pages.slice(0, -1), { lines: [...last.lines, ...fresh], nextAfter: fresh.at(-1)!.sequence }];
        return { ...data, pages };
      });
    };
    const url = `/api/v1/runs/${encodeURIComponent(runId)}/tasks/${encodeURIComponent(taskId)}/logs/follow?after=${lastSequence()}`;
    return openStream(url, {
      endOnClose: true,
      onStatus: setStatus,
      onMessage: (message) => {
        const line = JSON.parse(message.data) as LogLine;
        if (attempt != null && line.attempt !== attempt) return;
        pending.push(line);
        if (!frame) frame = requestAnimationFrame(flush);
      },
    });
  }, [client, runId, taskId, attempt, enabled]);
  return status;
}
