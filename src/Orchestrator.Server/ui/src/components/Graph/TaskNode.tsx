import { Handle, Position, type Node, type NodeProps } from "@xyflow/react";
import { createContext, memo, useContext } from "react";
import { stateColor, stateLabel } from "../../model/states";

export type TaskNodeData = { taskId: string; activity: string; state: string | null; attempts: number; selected: boolean };
export type TaskFlowNode = Node<TaskNodeData, "task">;

/** Selecting a task from the keyboard (Enter or Space on a focused node), without putting a callback in each node's data. */
export const SelectTaskContext = createContext<((taskId: string) => void) | null>(null);

/** One task: its id, activity and state colour. Memoised: only tasks whose data changed re-render. */
export const TaskNode = memo(function TaskNode({ data }: NodeProps<TaskFlowNode>) {
  const select = useContext(SelectTaskContext);
  return (
    <div
      className={`task-node${data.selected ? " selected" : ""}`}
      style={{ borderLeftColor: stateColor(data.state ?? "none") }}
      data-state={data.state ?? "none"}
      role="button"
      tabIndex={0}
      aria-label={`Task ${data.taskId}: ${stateLabel(data.state)}`}
      aria-pressed={data.selected}
      onKeyDown={(e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          select?.(data.taskId);
        }
      }}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <div className="task-id" title={data.taskId}>{data.taskId}</div>
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
