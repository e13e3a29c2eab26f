import {
  Background, Controls, MarkerType, MiniMap, ReactFlow, useReactFlow,
  type Connection, type EdgeChange, type NodeChange,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { layoutGraph, type Positions } from "../model/layout";
import { toGraph } from "../model/workflow";
import { DesignerNode, type DesignerFlowNode } from "./DesignerNode";
import { addTask, connect, deleteTasks, disconnect, insertBetween, moveTasks, type WorkflowJson } from "./edits";
import { InsertEdge, InsertOnEdgeContext, type InsertFlowEdge } from "./InsertEdge";
import { activityMime, Palette, type Activity } from "./Palette";

const nodeTypes = { designerTask: DesignerNode };
const edgeTypes = { insertable: InsertEdge };
const grid: [number, number] = [16, 16];
const none: string[] = [];

export interface CanvasProps {
  definition: WorkflowJson;
  activities: readonly Activity[];
  selected: readonly string[];
  errors: ReadonlyMap<string, string[]>;
  states: ReadonlyMap<string, string>;
  onEdit(definition: WorkflowJson, key?: string | null, select?: string[]): void;
  onSelect(ids: string[]): void;
  onOpen(taskId: string): void;
}

/** The editable DAG: drop activities, connect handles, "+" on edges, select, delete, drag with snap to grid. */
export function Canvas({ definition, activities, selected, errors, states, onEdit, onSelect, onOpen }: CanvasProps) {
  const flow = useReactFlow();
  const [auto, setAuto] = useState<Positions>(new Map());
  const [dragging, setDragging] = useState<Map<string, { x: number; y: number }>>(new Map());
  // Sizes React Flow measured: controlled nodes carry them, or the minimap and fitView know no sizes.
  const [measured, setMeasured] = useState<Map<string, { width: number; height: number }>>(new Map());
  const [picker, setPicker] = useState<{ source: string; target: string; x: number; y: number } | null>(null);
  const wrapper = useRef<HTMLDivElement>(null);
  // Fit the view to the tasks a file opened with; a blank canvas must not jump when its first task lands.
  const [fitOnLoad] = useState(() => definition.tasks.length > 0);

  // Tasks the file places nowhere are laid out once by elk; their positions stay outside the definition (the file
  // keeps no `ui` for them) until they are moved.
  useEffect(() => {
    const missing = definition.tasks.filter((t) => !t.ui);
    if (missing.length === 0) return;
    let live = true;
    void layoutGraph({ ...toGraph(definition.tasks.map(({ ui: _ui, ...t }) => t)), positioned: false }).then((p) => {
      if (!live) return;
      setAuto(p);
      requestAnimationFrame(() => void flow.fitView({ maxZoom: 1 }));
    });
    return () => {
      live = false;
    };
    // Only on load (the designer mounts a new canvas per workflow): later tasks always get a position.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const selectedSet = useMemo(() => new Set(selected), [selected]);
  // Node objects are reused while nothing of theirs changed: dragging one of 300 tasks re-renders one node.
  const cache = useRef(new Map<string, DesignerFlowNode>());
  const nodes = useMemo<DesignerFlowNode[]>(() => {
    const next = new Map<string, DesignerFlowNode>();
    const list = definition.tasks.map((t) => {
      const position = dragging.get(t.id) ?? t.ui ?? auto.get(t.id) ?? { x: 0, y: 0 };
      const size = measured.get(t.id);
      const taskErrors = errors.get(t.id) ?? none;
      const state = states.get(t.id) ?? null;
      const isSelected = selectedSet.has(t.id);
      const old = cache.current.get(t.id);
      const same = old && old.position.x === position.x && old.position.y === position.y && old.measured === size && old.selected === isSelected
        && old.data.activity === t.activity && old.data.errors === taskErrors && old.data.state === state;
      const node: DesignerFlowNode = same ? old : {
        id: t.id,
        type: "designerTask",
        position,
        selected: isSelected,
        ...(size ? { measured: size } : {}),
        data: { taskId: t.id, activity: t.activity, errors: taskErrors, state },
      };
      next.set(t.id, node);
      return node;
    });
    cache.current = next;
    return list;
  }, [definition.tasks, dragging, auto, measured, selectedSet, errors, states]);
  const edges = useMemo<InsertFlowEdge[]>(
    () =>
      toGraph(definition.tasks).edges.map((e) => ({
        id: e.id, source: e.source, target: e.target, type: "insertable", data: { rule: e.label }, markerEnd: { type: MarkerType.ArrowClosed },
      })),
    [definition.tasks],
  );

  const onNodesChange = useCallback(
    (changes: NodeChange<DesignerFlowNode>[]) => {
      const moving = new Map(dragging);
      const ended = new Map<string, { x: number; y: number }>();
      let selection: string[] | null = null;
      const removed: string[] = [];
      let sizes: Map<string, { width: number; height: number }> | null = null;
      for (const c of changes) {
        if (c.type === "dimensions" && c.dimensions) {
          sizes ??= new Map(measured);
          sizes.set(c.id, c.dimensions);
          continue;
        }
        if (c.type === "position" && c.position) {
          if (c.dragging) moving.set(c.id, c.position);
          else ended.set(c.id, c.position);
        } else if (c.type === "position" && c.dragging === false && moving.has(c.id)) {
          ended.set(c.id, moving.get(c.id)!);
        } else if (c.type === "select") {
          selection ??= [...selected];
          selection = c.selected ? [...new Set([...selection, c.id])] : selection.filter((s) => s !== c.id);
        } else if (c.type === "remove") {
          removed.push(c.id);
        }
      }
      for (const id of ended.keys()) moving.delete(id);
      if (moving.size !== dragging.size || [...moving].some(([id, p]) => dragging.get(id) !== p)) setDragging(moving);
      if (ended.size) onEdit(moveTasks(definition, ended), null);
      if (removed.length) onEdit(deleteTasks(definition, removed), null);
      if (selection) onSelect(selection);
      if (sizes) setMeasured(sizes);
    },
    [definition, dragging, measured, onEdit, onSelect, selected],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange<InsertFlowEdge>[]) => {
      let next = definition;
      for (const c of changes) {
        if (c.type === "remove") {
          const [source, target] = c.id.split("->") as [string, string];
          next = disconnect(next, source, target);
        }
      }
      if (next !== definition) onEdit(next, null);
    },
    [definition, onEdit],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      const next = connect(definition, c.source, c.target);
      if (next !== definition) onEdit(next, null);
    },
    [definition, onEdit],
  );

  const addAt = useCallback(
    (type: string, position: { x: number; y: number }) => {
      const { definition: next, id } = addTask(definition, type, { x: Math.round(position.x / 16) * 16, y: Math.round(position.y / 16) * 16 });
      onEdit(next, null, [id]);
      onOpen(id);
    },
    [definition, onEdit, onOpen],
  );

  const insert = useCallback((source: string, target: string, at: { x: number; y: number }) => setPicker({ source, target, ...at }), []);

  return (
    <div
      ref={wrapper}
      className="designer-canvas"
      aria-label="Canvas"
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes(activityMime)) {
          e.preventDefault();
          e.dataTransfer.dropEffect = "copy";
        }
      }}
      onDrop={(e) => {
        const type = e.dataTransfer.getData(activityMime);
        if (!type) return;
        e.preventDefault();
        addAt(type, flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
      }}
    >
      <InsertOnEdgeContext.Provider value={insert}>
        <ReactFlow
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          edgeTypes={edgeTypes}
          onNodesChange={onNodesChange}
          onEdgesChange={onEdgesChange}
          onConnect={onConnect}
          onNodeDoubleClick={(_, n) => onOpen(n.id)}
          onNodeClick={(e, n) => !e.shiftKey && onOpen(n.id)}
          snapToGrid
          snapGrid={grid}
          fitView={fitOnLoad}
          fitViewOptions={{ maxZoom: 1 }}
          deleteKeyCode={["Delete", "Backspace"]}
          multiSelectionKeyCode="Shift"
          selectionOnDrag={false}
          selectionKeyCode="Shift"
          proOptions={{ hideAttribution: true }}
          minZoom={0.1}
        >
          <Background gap={16} />
          <Controls />
          <MiniMap pannable zoomable />
        </ReactFlow>
      </InsertOnEdgeContext.Provider>
      {definition.tasks.length === 0 && (
        <p className="canvas-hint muted">Drag an activity from the palette here (or click it) to add the first task.</p>
      )}
      {picker && (
        <div className="edge-picker" role="dialog" aria-label="Insert a task" style={{ left: picker.x - (wrapper.current?.getBoundingClientRect().left ?? 0), top: picker.y - (wrapper.current?.getBoundingClientRect().top ?? 0) }}
          onKeyDown={(e) => e.key === "Escape" && setPicker(null)}>
          <button type="button" className="icon" aria-label="Close" onClick={() => setPicker(null)}>×</button>
          <Palette activities={activities} label="Activity to insert" autoFocus onPick={(type) => {
            const { definition: next, id } = insertBetween(definition, picker.source, picker.target, type);
            onEdit(next, null, [id]);
            onOpen(id);
            setPicker(null);
          }} />
        </div>
      )}
    </div>
  );
}

/** Where a task added from the keyboard lands: the middle of the visible canvas. */
export function useViewCenter() {
  const flow = useReactFlow();
  return useCallback(() => {
    const el = document.querySelector(".designer-canvas");
    const r = el?.getBoundingClientRect();
    return flow.screenToFlowPosition({ x: (r?.left ?? 0) + (r?.width ?? 800) / 2, y: (r?.top ?? 0) + (r?.height ?? 600) / 2 });
  }, [flow]);
}
