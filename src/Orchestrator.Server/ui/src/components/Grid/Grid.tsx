import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, useMemo, useRef } from "react";
import { Link, useNavigate } from "react-router";
import type { GridModel } from "../../model/grid";
import { stateColor, stateLabel } from "../../model/states";
import { formatDuration, formatLocal } from "../../model/time";

const rowHeight = 24;
const cellWidth = 22;

/**
 * Airflow's grid: runs as columns (newest right), tasks as rows, a square per task instance.
 * Rows are virtualised, so 200 tasks × 100 runs render only the rows in view.
 */
export function Grid({ model }: { model: GridModel }) {
  const scroller = useRef<HTMLDivElement>(null);
  const rows = useVirtualizer({ count: model.rows.length, getScrollElement: () => scroller.current, estimateSize: () => rowHeight, overscan: 10 });
  const width = model.columns.length * cellWidth;
  const navigate = useNavigate();

  return (
    <div className="grid-view" role="grid" aria-label="Grid of runs and tasks" aria-rowcount={model.rows.length + 1} aria-colcount={model.columns.length + 1}>
      <div className="grid-header" role="row">
        <div className="grid-label" role="columnheader">
          task \ run
        </div>
        <div className="grid-bars" style={{ width }}>
          {model.columns.map((c) => (
            <Link
              key={c.runId}
              role="columnheader"
              to={`/runs/${c.runId}`}
              className="grid-bar"
              aria-label={`Run ${formatLocal(c.logicalDate)}: ${stateLabel(c.state)}`}
              title={`${formatLocal(c.logicalDate)} · ${c.kind} · ${stateLabel(c.state)} · ${formatDuration(c.durationMs)}`}
            >
              <span style={{ height: `${Math.max(8, (c.durationMs / model.maxDurationMs) * 100)}%`, background: stateColor(c.state) }} />
            </Link>
          ))}
        </div>
      </div>
      <div ref={scroller} className="grid-body">
        <div style={{ height: rows.getTotalSize(), position: "relative" }}>
          {rows.getVirtualItems().map((v) => (
            <GridRow
              key={model.rows[v.index]!.taskId}
              model={model}
              index={v.index}
              top={v.start}
              onOpen={(runId, taskId) => navigate(`/runs/${runId}?task=${encodeURIComponent(taskId)}`)}
            />
          ))}
        </div>
      </div>
    </div>
  );
}

const GridRow = memo(function GridRow({ model, index, top, onOpen }: { model: GridModel; index: number; top: number; onOpen(runId: string, taskId: string): void }) {
  const row = model.rows[index]!;
  const cells = useMemo(() => model.columns.map((c, col) => ({ runId: c.runId, cell: model.cell(index, col) })), [model, index]);
  return (
    <div className="grid-row" role="row" aria-rowindex={index + 2} style={{ transform: `translateY(${top}px)` }}>
      <div className="grid-label" role="rowheader" title={row.activity}>
        {row.taskId}
      </div>
      <div className="grid-cells">
        {cells.map(({ runId, cell }) =>
          cell ? (
            <button
              key={runId}
              type="button"
              role="gridcell"
              className="grid-cell"
              style={{ background: stateColor(cell.state) }}
              data-state={cell.state}
              aria-label={`${row.taskId}: ${stateLabel(cell.state)}`}
              title={`${row.taskId} · ${stateLabel(cell.state)}${cell.attempts > 1 ? ` · ${cell.attempts} tries` : ""}`}
              onClick={() => onOpen(runId, row.taskId)}
            />
          ) : (
            <span key={runId} role="gridcell" className="grid-cell empty" aria-label={`${row.taskId}: no instance`} />
          ),
        )}
      </div>
    </div>
  );
});
