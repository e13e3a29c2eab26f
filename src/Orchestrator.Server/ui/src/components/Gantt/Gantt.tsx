import { useVirtualizer } from "@tanstack/react-virtual";
import { useMemo, useRef } from "react";
import { buildGantt, type GanttTask } from "../../model/gantt";
import { stateColor, stateLabel } from "../../model/states";
import { formatDuration } from "../../model/time";

const rowHeight = 26;
const labelWidth = 180;

/** Attempts on a time axis: queued (light), running (state colour), retries side by side, the critical path marked. */
export function Gantt({ tasks, width, onSelect, now }: { tasks: readonly GanttTask[]; width: number; onSelect?(taskId: string): void; now: number }) {
  const chart = Math.max(200, width - labelWidth - 24);
  const model = useMemo(() => buildGantt(tasks, chart, now), [tasks, chart, now]);
  const scroller = useRef<HTMLDivElement>(null);
  const rows = useVirtualizer({ count: model.rows.length, getScrollElement: () => scroller.current, estimateSize: () => rowHeight, overscan: 10 });
  if (model.rows.length === 0) return <p className="muted">No attempt has started yet.</p>;
  return (
    <figure className="gantt" aria-label="Gantt chart of attempts">
      <svg className="gantt-axis" width={labelWidth + chart + 8} height={20} aria-hidden="true">
        {model.ticks.map((t) => (
          <g key={t.offsetMs} transform={`translate(${labelWidth + t.x},0)`}>
            <line y1={14} y2={20} />
            <text y={11} textAnchor="middle">
              +{formatDuration(t.offsetMs)}
            </text>
          </g>
        ))}
      </svg>
      <div ref={scroller} className="gantt-body">
        <div style={{ height: rows.getTotalSize(), position: "relative" }}>
          {rows.getVirtualItems().map((v) => {
            const row = model.rows[v.index]!;
            return (
              <div key={row.taskId} className={`gantt-row${row.critical ? " critical" : ""}`} style={{ transform: `translateY(${v.start}px)` }}>
                <button type="button" className="gantt-label link" style={{ width: labelWidth }} onClick={() => onSelect?.(row.taskId)} aria-label={`Task ${row.taskId}${row.critical ? " (critical path)" : ""}`}>
                  {row.critical && <span className="critical-mark" title="on the critical path">◆</span>}
                  {row.taskId}
                </button>
                <svg width={chart + 8} height={rowHeight} role="img" aria-label={`${row.taskId}: ${row.bars.length} attempt(s), ${stateLabel(row.state)}`}>
                  {row.bars.map((b) => (
                    <g key={b.attempt}>
                      <title>{`attempt ${b.attempt}: ${b.outcome ?? "running"}`}</title>
                      {b.startX > b.queuedX && <rect className="queued" x={b.queuedX} y={8} width={b.startX - b.queuedX} height={10} />}
                      <rect
                        x={b.startX}
                        y={5}
                        width={Math.max(2, b.endX - b.startX)}
                        height={16}
                        rx={3}
                        fill={stateColor(b.outcome ?? (b.running ? "running" : row.state))}
                        className={b.running ? "running" : undefined}
                      />
                    </g>
                  ))}
                </svg>
              </div>
            );
          })}
        </div>
      </div>
    </figure>
  );
}
