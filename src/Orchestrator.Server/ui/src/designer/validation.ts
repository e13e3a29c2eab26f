// Where a validator error belongs in the designer: a task (by the `$.tasks[N]` of its path) or the settings.

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
    const m = /^\$\.tasks\[(\d+)\]/.exec(e.path);
    const taskId = m ? (taskIds[Number(m[1])] ?? null) : null;
    const text = `${e.code}: ${e.message}`;
    if (taskId) byTask.set(taskId, [...(byTask.get(taskId) ?? []), text]);
    else settings.push(text);
    return { ...e, taskId };
  });
  return { byTask, settings, all };
}

/** The draft as the JSON view shows it and as it is validated: line numbers of errors match the view. */
export function draftText(definition: unknown): string {
  return JSON.stringify(definition, null, 2) + "\n";
}
