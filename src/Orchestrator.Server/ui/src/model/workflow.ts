// The workflow's tasks as a graph: nodes, edges, a topological order. Pure functions, no React.

export interface TaskLike {
  id: string;
  activity: string;
  dependsOn?: readonly string[] | null;
  triggerRule?: string | null;
  ui?: { x: number; y: number } | null;
}

export interface GraphNode {
  id: string;
  activity: string;
  position: { x: number; y: number } | null;
  triggerRule: string | null;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  /** The downstream's trigger rule when it is not the default. */
  label: string | null;
}

export interface TaskGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** True when every task carries a `ui` position (the layout is the author's, not elk's). */
  positioned: boolean;
}

export function toGraph(tasks: readonly TaskLike[]): TaskGraph {
  const ids = new Set(tasks.map((t) => t.id));
  const nodes = tasks.map<GraphNode>((t) => ({
    id: t.id,
    activity: t.activity,
    position: t.ui ? { x: t.ui.x, y: t.ui.y } : null,
    triggerRule: t.triggerRule && t.triggerRule !== "all_success" ? t.triggerRule : null,
  }));
  const edges: GraphEdge[] = [];
  for (const t of tasks) {
    const rule = t.triggerRule && t.triggerRule !== "all_success" ? t.triggerRule : null;
    let labelled = false;
    for (const up of new Set(t.dependsOn ?? [])) {
      if (!ids.has(up)) continue;
      // The rule is the downstream's: said once, on its first incoming edge, not repeated on each.
      edges.push({ id: `${up}->${t.id}`, source: up, target: t.id, label: rule && !labelled ? rule : null });
      labelled = true;
    }
  }
  return { nodes, edges, positioned: tasks.length > 0 && tasks.every((t) => t.ui != null) };
}

/**
 * Tasks in dependency order (Kahn's algorithm, O(V+E)); ties keep the file's order so the grid's rows
 * read like the file. Tasks on a cycle (an invalid file) come last, in file order.
 */
export function topologicalOrder(tasks: readonly TaskLike[]): string[] {
  const index = new Map(tasks.map((t, i) => [t.id, i]));
  const indegree = new Map<string, number>();
  const downstream = new Map<string, string[]>();
  for (const t of tasks) {
    indegree.set(t.id, 0);
    downstream.set(t.id, []);
  }
  for (const t of tasks) {
    for (const up of new Set(t.dependsOn ?? [])) {
      if (!index.has(up)) continue;
      indegree.set(t.id, (indegree.get(t.id) ?? 0) + 1);
      downstream.get(up)!.push(t.id);
    }
  }
  const ready = tasks.filter((t) => indegree.get(t.id) === 0).map((t) => t.id);
  const order: string[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => index.get(a)! - index.get(b)!);
    const id = ready.shift()!;
    order.push(id);
    for (const next of downstream.get(id)!) {
      const left = indegree.get(next)! - 1;
      indegree.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  if (order.length < tasks.length) {
    const seen = new Set(order);
    for (const t of tasks) if (!seen.has(t.id)) order.push(t.id);
  }
  return order;
}

/** The task and everything downstream of it: what "clear task + downstream" resets. */
export function downstreamOf(tasks: readonly TaskLike[], id: string): string[] {
  const children = new Map<string, string[]>();
  for (const t of tasks) for (const up of t.dependsOn ?? []) children.set(up, [...(children.get(up) ?? []), t.id]);
  const seen = new Set([id]);
  const stack = [id];
  while (stack.length > 0) {
    for (const c of children.get(stack.pop()!) ?? []) {
      if (!seen.has(c)) {
        seen.add(c);
        stack.push(c);
      }
    }
  }
  return [...seen];
}
