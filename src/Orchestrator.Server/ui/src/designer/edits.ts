// Every designer edit as a pure function over the workflow JSON, the single source of truth: the canvas, the
// forms and the JSON view all produce a new definition through these, and undo/redo keeps definitions.

export interface TaskJson {
  id: string;
  activity: string;
  dependsOn?: string[];
  ui?: { x: number; y: number };
  with?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface WorkflowJson {
  id: string;
  tasks: TaskJson[];
  [key: string]: unknown;
}

const idPattern = /^[a-z0-9][a-z0-9_.-]*$/;

export function isValidId(id: string): boolean {
  return idPattern.test(id) && id.length <= 128;
}

/** An id for a new task of `activity` ("download", "download_2", …) not yet used in the workflow. */
export function proposeId(definition: WorkflowJson, activity: string, taken: ReadonlySet<string> = new Set()): string {
  const base = (activity.split(".").pop() ?? "task").toLowerCase().replace(/[^a-z0-9_.-]/g, "_") || "task";
  const used = new Set([...definition.tasks.map((t) => t.id), ...taken]);
  if (!used.has(base)) return base;
  for (let i = 2; ; i++) if (!used.has(`${base}_${i}`)) return `${base}_${i}`;
}

export function addTask(definition: WorkflowJson, activity: string, position: { x: number; y: number }, id?: string): { definition: WorkflowJson; id: string } {
  const newId = id && !definition.tasks.some((t) => t.id === id) ? id : proposeId(definition, activity);
  const task: TaskJson = { id: newId, activity, ui: round(position) };
  return { definition: { ...definition, tasks: [...definition.tasks, task] }, id: newId };
}

/** True when `target` is `source` or upstream of it: connecting source → target would close a cycle. */
export function wouldCycle(definition: WorkflowJson, source: string, target: string): boolean {
  const byId = new Map(definition.tasks.map((t) => [t.id, t]));
  const stack = [source];
  const seen = new Set<string>();
  while (stack.length) {
    const id = stack.pop()!;
    if (id === target) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const up of byId.get(id)?.dependsOn ?? []) stack.push(up);
  }
  return false;
}

/** Adds `source` to `target`'s dependsOn; refused (same definition back) for duplicates, self-loops and cycles. */
export function connect(definition: WorkflowJson, source: string, target: string): WorkflowJson {
  const t = definition.tasks.find((x) => x.id === target);
  if (!t || source === target || (t.dependsOn ?? []).includes(source) || wouldCycle(definition, source, target)) return definition;
  return updateTask(definition, target, { dependsOn: [...(t.dependsOn ?? []), source] });
}

export function disconnect(definition: WorkflowJson, source: string, target: string): WorkflowJson {
  const t = definition.tasks.find((x) => x.id === target);
  if (!t?.dependsOn?.includes(source)) return definition;
  const rest = t.dependsOn.filter((d) => d !== source);
  return replaceTask(definition, target, withDependsOn(t, rest));
}

/** A new task between `source` and `target`: source → new → target, the direct edge removed (kestra#19338). */
export function insertBetween(definition: WorkflowJson, source: string, target: string, activity: string): { definition: WorkflowJson; id: string } {
  const s = definition.tasks.find((t) => t.id === source);
  const t = definition.tasks.find((x) => x.id === target);
  const position = s?.ui && t?.ui ? { x: (s.ui.x + t.ui.x) / 2, y: (s.ui.y + t.ui.y) / 2 + 60 } : { x: 0, y: 0 };
  const added = addTask(disconnect(definition, source, target), activity, position);
  const linked = connect(connect(added.definition, source, added.id), added.id, target);
  return { definition: linked, id: added.id };
}

/** Removes tasks and every dependency on them. */
export function deleteTasks(definition: WorkflowJson, ids: readonly string[]): WorkflowJson {
  const gone = new Set(ids);
  if (!definition.tasks.some((t) => gone.has(t.id))) return definition;
  return {
    ...definition,
    tasks: definition.tasks
      .filter((t) => !gone.has(t.id))
      .map((t) => (t.dependsOn?.some((d) => gone.has(d)) ? withDependsOn(t, t.dependsOn.filter((d) => !gone.has(d))) : t)),
  };
}

/** Changes a task; renaming it also renames it in every dependsOn and `tasks.<id>.` template reference. */
export function updateTask(definition: WorkflowJson, id: string, patch: Partial<TaskJson>): WorkflowJson {
  const task = definition.tasks.find((t) => t.id === id);
  if (!task) return definition;
  const next = { ...task, ...patch } as TaskJson;
  for (const key of Object.keys(patch)) if (patch[key] === undefined) delete next[key];
  let result = replaceTask(definition, id, next);
  if (patch.id && patch.id !== id) {
    const renamed = patch.id;
    result = {
      ...result,
      tasks: result.tasks.map((t) => {
        const deps = t.dependsOn?.map((d) => (d === id ? renamed : d));
        const w = t.with ? (renameReferences(t.with, id, renamed) as Record<string, unknown>) : undefined;
        return deps === undefined && w === undefined ? t : { ...t, ...(deps ? { dependsOn: deps } : {}), ...(w ? { with: w } : {}) };
      }),
    };
  }
  return result;
}

export function moveTasks(definition: WorkflowJson, positions: ReadonlyMap<string, { x: number; y: number }>): WorkflowJson {
  if (positions.size === 0) return definition;
  return { ...definition, tasks: definition.tasks.map((t) => (positions.has(t.id) ? { ...t, ui: round(positions.get(t.id)!) } : t)) };
}

/** The selected tasks as a workflow-JSON fragment (an array of tasks), for the clipboard. */
export function copyTasks(definition: WorkflowJson, ids: readonly string[]): string {
  const chosen = new Set(ids);
  return JSON.stringify(definition.tasks.filter((t) => chosen.has(t.id)), null, 2);
}

/**
 * Pastes a fragment copied from this or another workflow, or from a text editor: one task, an array of tasks, or a
 * whole workflow. Ids that clash are renamed (and the fragment's own dependencies follow); dependencies on tasks
 * that exist neither in the fragment nor here are dropped. Pasted tasks land offset from where they were.
 */
export function pasteTasks(definition: WorkflowJson, text: string): { definition: WorkflowJson; ids: string[] } | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const list = Array.isArray(value) ? value : isObject(value) && Array.isArray(value["tasks"]) ? value["tasks"] : [value];
  const tasks = list.filter((t): t is TaskJson => isObject(t) && typeof t["id"] === "string" && typeof t["activity"] === "string");
  if (tasks.length === 0) return null;
  const renames = new Map<string, string>();
  const taken = new Set<string>();
  for (const t of tasks) {
    const id = definition.tasks.some((x) => x.id === t.id) || taken.has(t.id) ? proposeId(definition, t.id, taken) : t.id;
    renames.set(t.id, id);
    taken.add(id);
  }
  const existing = new Set(definition.tasks.map((t) => t.id));
  const pasted = tasks.map((t, i) => {
    const id = renames.get(t.id)!;
    const deps = (t.dependsOn ?? []).map((d) => renames.get(d) ?? d).filter((d) => taken.has(d) || existing.has(d));
    const base = t.ui ?? { x: 40 * i, y: 40 * i };
    const copy: TaskJson = { ...t, id, ui: round({ x: base.x + 40, y: base.y + 40 }) };
    if (t.with) copy.with = [...renames].reduce((w, [from, to]) => (from === to ? w : (renameReferences(w, from, to) as Record<string, unknown>)), t.with);
    return withDependsOn(copy, deps);
  });
  return { definition: { ...definition, tasks: [...definition.tasks, ...pasted] }, ids: pasted.map((t) => t.id) };
}

export function duplicateTasks(definition: WorkflowJson, ids: readonly string[]): { definition: WorkflowJson; ids: string[] } {
  return pasteTasks(definition, copyTasks(definition, ids)) ?? { definition, ids: [] };
}

function replaceTask(definition: WorkflowJson, id: string, task: TaskJson): WorkflowJson {
  return { ...definition, tasks: definition.tasks.map((t) => (t.id === id ? task : t)) };
}

function withDependsOn(task: TaskJson, deps: string[]): TaskJson {
  const next = { ...task };
  if (deps.length) next.dependsOn = deps;
  else delete next.dependsOn;
  return next;
}

function renameReferences(value: unknown, from: string, to: string): unknown {
  if (typeof value === "string") return value.split(`tasks.${from}.`).join(`tasks.${to}.`);
  if (Array.isArray(value)) return value.map((v) => renameReferences(v, from, to));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renameReferences(v, from, to)]));
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function round(p: { x: number; y: number }): { x: number; y: number } {
  return { x: Math.round(p.x), y: Math.round(p.y) };
}
