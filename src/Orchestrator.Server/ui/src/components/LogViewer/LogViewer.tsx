import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useMemo, useRef, useState } from "react";
import { authHeaders } from "../../api/client";
import { useFollowLogs, useLogs } from "../../queries/useLogs";
import { ProblemView } from "../common/Problem";

const lineHeight = 18;

/**
 * A task's log: pages read on demand, follow mode over the log's SSE stream while the task can still write,
 * search that highlights and jumps, and the whole log as a download.
 */
export function LogViewer({ runId, taskId, attempt, live }: { runId: string; taskId: string; attempt: number | null; live: boolean }) {
  const logs = useLogs(runId, taskId, attempt);
  const [follow, setFollow] = useState(live);
  useEffect(() => setFollow(live), [live]);
  const stream = useFollowLogs(runId, taskId, attempt, follow && live && logs.isSuccess && !logs.hasNextPage);
  const lines = useMemo(() => logs.data?.pages.flatMap((p) => p.lines) ?? [], [logs.data]);
  const [search, setSearch] = useState("");
  const matches = useMemo(() => {
    if (!search) return [];
    const needle = search.toLowerCase();
    return lines.flatMap((l, i) => (l.message.toLowerCase().includes(needle) ? [i] : []));
  }, [lines, search]);
  const [current, setCurrent] = useState(0);

  const scroller = useRef<HTMLDivElement>(null);
  const rows = useVirtualizer({ count: lines.length, getScrollElement: () => scroller.current, estimateSize: () => lineHeight, overscan: 20 });
  useEffect(() => {
    if (follow && lines.length > 0) rows.scrollToIndex(lines.length - 1, { align: "end" });
  }, [follow, lines.length, rows]);
  useEffect(() => {
    const target = matches[current];
    if (target != null) rows.scrollToIndex(target, { align: "center" });
  }, [matches, current, rows]);

  const download = async () => {
    const response = await fetch(`/api/v1/runs/${runId}/tasks/${encodeURIComponent(taskId)}/logs/download${attempt != null ? `?attempt=${attempt}` : ""}`, { headers: authHeaders() });
    const url = URL.createObjectURL(await response.blob());
    const a = document.createElement("a");
    a.href = url;
    a.download = `${taskId}-${runId}${attempt != null ? `-attempt${attempt}` : ""}.log`;
    a.click();
    URL.revokeObjectURL(url);
  };

  return (
    <section className="log" aria-label={`Log of ${taskId}`}>
      <div className="toolbar">
        <input type="search" aria-label="Search the log" placeholder="Search" value={search} onChange={(e) => { setSearch(e.target.value); setCurrent(0); }} />
        {search && (
          <span className="muted" aria-live="polite">
            {matches.length ? `${current + 1} / ${matches.length}` : "no match"}
          </span>
        )}
        <button type="button" disabled={matches.length < 2} onClick={() => setCurrent((c) => (c + 1) % matches.length)} aria-label="Next match">
          ↓
        </button>
        <label className="check">
          <input type="checkbox" checked={follow} disabled={!live} onChange={(e) => setFollow(e.target.checked)} /> Follow
        </label>
        {stream === "live" && <span className="pill live">live</span>}
        <button type="button" onClick={() => void download()}>
          Download
        </button>
      </div>
      <ProblemView error={logs.error} />
      <div ref={scroller} className="log-lines" role="log" aria-label="Log lines" tabIndex={0}>
        <div style={{ height: rows.getTotalSize(), position: "relative" }}>
          {rows.getVirtualItems().map((v) => {
            const l = lines[v.index]!;
            const hit = search !== "" && l.message.toLowerCase().includes(search.toLowerCase());
            return (
              <div key={l.sequence} className={`log-line level-${l.level.toLowerCase()}${hit ? " hit" : ""}${matches[current] === v.index ? " current" : ""}`} style={{ transform: `translateY(${v.start}px)` }}>
                <span className="log-attempt" title={`attempt ${l.attempt}`}>#{l.attempt}</span>
                <time dateTime={l.timestamp} title={l.timestamp}>
                  {new Date(l.timestamp).toLocaleTimeString()}
                </time>
                <span className="log-level">{l.level}</span>
                <span className="log-message">{l.message}</span>
              </div>
            );
          })}
        </div>
        {lines.length === 0 && logs.isSuccess && <p className="muted">No log lines{live ? " yet" : ""}.</p>}
      </div>
      {logs.hasNextPage && (
        <button type="button" onClick={() => void logs.fetchNextPage()} disabled={logs.isFetchingNextPage}>
          Load more
        </button>
      )}
    </section>
  );
}
