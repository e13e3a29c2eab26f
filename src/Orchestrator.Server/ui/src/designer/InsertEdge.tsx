import { BaseEdge, EdgeLabelRenderer, getBezierPath, type Edge, type EdgeProps } from "@xyflow/react";
import { createContext, memo, useContext } from "react";

export type InsertEdgeData = { rule: string | null };
export type InsertFlowEdge = Edge<InsertEdgeData, "insertable">;

/** What the "+" on an edge does: the canvas opens the activity picker for that edge. */
export const InsertOnEdgeContext = createContext<((source: string, target: string, at: { x: number; y: number }) => void) | null>(null);

/** A dependency edge with its downstream's trigger rule (when not all_success) and a "+" that inserts a task. */
export const InsertEdge = memo(function InsertEdge(props: EdgeProps<InsertFlowEdge>) {
  const insert = useContext(InsertOnEdgeContext);
  const [path, x, y] = getBezierPath(props);
  return (
    <>
      <BaseEdge id={props.id} path={path} {...(props.markerEnd ? { markerEnd: props.markerEnd } : {})} />
      <EdgeLabelRenderer>
        <div className="edge-tools nodrag nopan" style={{ transform: `translate(-50%, -50%) translate(${x}px, ${y}px)` }}>
          {props.data?.rule && <span className="edge-rule-label">{props.data.rule}</span>}
          <button
            type="button"
            className="edge-plus"
            aria-label={`Insert a task between ${props.source} and ${props.target}`}
            onClick={(e) => insert?.(props.source, props.target, { x: e.clientX, y: e.clientY })}
          >
            +
          </button>
        </div>
      </EdgeLabelRenderer>
    </>
  );
});
