// Where a validator error belongs in the designer: a task (by the `$.tasks[N]` of its path) or the settings.
import { diagnosticTarget, formatWorkflow } from "../model/jsonMap";

export interface Located {
  line: number;
  column: number;
  path: string;
  code: string;
  message: string;
}

export interface PinnedErrors {
  byTask: Map<string, string[]>;
  settings: string[];
  all: (Located & { taskId: string | null })[];
}

export function pinErrors(errors: readonly Located[], taskIds: readonly string[]): PinnedErrors {
  const byTask = new Map<string, string[]>();
  const settings: string[] = [];
  const all = errors.map((e) => {
    const target = diagnosticTarget(e.path);
    const taskId = "taskIndex" in target ? (taskIds[target.taskIndex] ?? null) : null;
    const text = `${e.code}: ${e.message}`;
    if (taskId) byTask.set(taskId, [...(byTask.get(taskId) ?? []), text]);
    else settings.push(text);
    return { ...e, taskId };
  });
  return { byTask, settings, all };
}

/**
 * The draft as the JSON view shows it and as it is validated (so line numbers of errors match the view): the
 * workflow file's layout, properties in the schema's order.
 */
export function draftText(definition: object): string {
  return formatWorkflow(definition);
}
