import { Handle, Position, type Node, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import { stateColor, stateLabel } from "../../model/states";

export type TaskNodeData = { taskId: string; activity: string; state: string | null; attempts: number; selected: boolean };
export type TaskFlowNode = Node<TaskNodeData, "task">;

/** One task: its id, activity and state colour. Memoised: only tasks whose data changed re-render. */
export const TaskNode = memo(function TaskNode({ data }: NodeProps<TaskFlowNode>) {
  return (
    <div
      className={`task-node${data.selected ? " selected" : ""}`}
      style={{ borderLeftColor: stateColor(data.state ?? "none") }}
      data-state={data.state ?? "none"}
      role="button"
      tabIndex={0}
      aria-label={`Task ${data.taskId}: ${stateLabel(data.state)}`}
      aria-pressed={data.selected}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <div className="task-id">{data.taskId}</div>
      <div className="task-meta">
        <span>{data.activity}</span>
        {data.state && (
          <span className="task-state" style={{ color: stateColor(data.state) }}>
            {stateLabel(data.state)}
            {data.attempts > 1 ? ` · try ${data.attempts}` : ""}
          </span>
        )}
      </div>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
});
