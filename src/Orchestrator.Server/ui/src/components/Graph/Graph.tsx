import { Background, Controls, MarkerType, MiniMap, ReactFlow, type Edge } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useEffect, useMemo, useRef, useState } from "react";
import { layoutGraph, type Positions } from "../../model/layout";
import { stateColor } from "../../model/states";
import { toGraph, type TaskLike } from "../../model/workflow";
import { SelectTaskContext, TaskNode, type TaskFlowNode } from "./TaskNode";

const nodeTypes = { task: TaskNode };

export interface TaskStatus {
  state: string;
  attempts: number;
}

/**
 * The DAG, laid out once per definition (elk in a worker, or the authors' positions). Live state changes only
 * replace the nodes whose state changed; the others keep their object and do not re-render.
 */
export function Graph({
  tasks,
  status,
  selected,
  onSelect,
}: {
  tasks: readonly TaskLike[];
  status: ReadonlyMap<string, TaskStatus>;
  selected?: string | null;
  onSelect?: (taskId: string | null) => void;
}) {
  const graph = useMemo(() => toGraph(tasks), [tasks]);
  const [positions, setPositions] = useState<Positions | null>(null);
  const [layoutError, setLayoutError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    layoutGraph(graph).then(
      (p) => live && setPositions(p),
      (e: unknown) => live && setLayoutError(String(e)),
    );
    return () => {
      live = false;
    };
  }, [graph]);

  const cache = useRef(new Map<string, TaskFlowNode>());
  const nodes = useMemo(() => {
    if (!positions) return [];
    const next = new Map<string, TaskFlowNode>();
    const list = graph.nodes.map((n) => {
      const s = status.get(n.id);
      const data = { taskId: n.id, activity: n.activity, state: s?.state ?? null, attempts: s?.attempts ?? 0, selected: n.id === selected };
      const old = cache.current.get(n.id);
      const position = positions.get(n.id) ?? { x: 0, y: 0 };
      const same = old && old.position === position && old.data.state === data.state && old.data.attempts === data.attempts && old.data.selected === data.selected;
      const node: TaskFlowNode = same ? old : { id: n.id, type: "task", position, data, draggable: false, connectable: false };
      next.set(n.id, node);
      return node;
    });
    cache.current = next;
    return list;
  }, [graph, positions, status, selected]);

  const edges = useMemo<Edge[]>(
    () =>
      graph.edges.map((e) => ({
        id: e.id,
        source: e.source,
        target: e.target,
        label: e.label ?? undefined,
        markerEnd: { type: MarkerType.ArrowClosed },
        className: e.label ? "edge-rule" : undefined,
      })),
    [graph],
  );

  if (layoutError) return <p className="problem">Layout failed: {layoutError}</p>;
  if (!positions) return <p className="muted" aria-busy="true">Laying out {graph.nodes.length} tasks…</p>;
  return (
    <div className="graph" aria-label="Task graph">
      <SelectTaskContext.Provider value={onSelect ?? null}>
        <ReactFlow
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          fitView
          fitViewOptions={{ maxZoom: 1 }}
          minZoom={0.05}
          onlyRenderVisibleElements={nodes.length > 200}
          nodesDraggable={false}
          nodesConnectable={false}
          onNodeClick={(_, node) => onSelect?.(node.id)}
          onPaneClick={() => onSelect?.(null)}
          proOptions={{ hideAttribution: true }}
        >
          <Background gap={20} />
          <Controls showInteractive={false} />
          {nodes.length > 12 && nodes.length <= 300 && <MiniMap pannable zoomable nodeColor={(n) => stateColor((n.data as { state: string | null }).state ?? "none")} />}
        </ReactFlow>
      </SelectTaskContext.Provider>
    </div>
  );
}
