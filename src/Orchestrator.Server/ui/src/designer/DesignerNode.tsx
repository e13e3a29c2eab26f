import { Handle, Position, type Node, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import { stateColor, stateLabel } from "../model/states";

export type DesignerNodeData = { taskId: string; activity: string; errors: string[]; state: string | null };
export type DesignerFlowNode = Node<DesignerNodeData, "designerTask">;

/** A task on the canvas: id, activity, its validation errors pinned as a badge, and the test run's state. */
export const DesignerNode = memo(function DesignerNode({ data, selected }: NodeProps<DesignerFlowNode>) {
  return (
    <div
      className={`task-node designer-node${selected ? " selected" : ""}${data.errors.length ? " has-errors" : ""}`}
      style={{ borderLeftColor: data.state ? stateColor(data.state) : "var(--border)" }}
      aria-label={`Task ${data.taskId}${data.state ? `: ${stateLabel(data.state)}` : ""}`}
      data-task={data.taskId}
    >
      <Handle type="target" position={Position.Left} />
      <div className="task-id" title={data.taskId}>{data.taskId}</div>
      <div className="task-meta">
        <span>{data.activity}</span>
        {data.state && <span className="task-state" style={{ color: stateColor(data.state) }}>{stateLabel(data.state)}</span>}
      </div>
      {data.errors.length > 0 && (
        <span className="error-pin" role="img" aria-label={`${data.errors.length} error(s): ${data.errors.join("; ")}`} title={data.errors.join("\n")}>
          {data.errors.length}
        </span>
      )}
      <Handle type="source" position={Position.Right} />
    </div>
  );
});
