import { useCallback, useMemo, useReducer } from "react";
import type { WorkflowJson } from "./edits";
import { record, redo, start, undo, type History } from "./history";

export type Panel = { kind: "task"; id: string } | { kind: "settings" } | null;

interface State {
  history: History<WorkflowJson>;
  /** The definition as last loaded or saved: the draft is dirty when it differs. */
  saved: WorkflowJson;
  selected: string[];
  panel: Panel;
}

type Action =
  | { type: "load"; definition: WorkflowJson }
  | { type: "saved"; definition: WorkflowJson }
  | { type: "edit"; definition: WorkflowJson; key?: string | null; select?: string[] }
  | { type: "undo" }
  | { type: "redo" }
  | { type: "select"; ids: string[] }
  | { type: "panel"; panel: Panel };

function reducer(state: State, action: Action): State {
  switch (action.type) {
    case "load":
      return { history: start(action.definition), saved: action.definition, selected: [], panel: null };
    case "saved":
      return { ...state, saved: action.definition };
    case "edit": {
      const history = record(state.history, action.definition, action.key ?? null);
      const ids = new Set(action.definition.tasks.map((t) => t.id));
      const selected = (action.select ?? state.selected).filter((id) => ids.has(id));
      const panel = state.panel?.kind === "task" && !ids.has(state.panel.id) ? null : state.panel;
      return { ...state, history, selected, panel };
    }
    case "undo":
    case "redo": {
      const history = action.type === "undo" ? undo(state.history) : redo(state.history);
      const ids = new Set(history.present.tasks.map((t) => t.id));
      return {
        ...state,
        history,
        selected: state.selected.filter((id) => ids.has(id)),
        panel: state.panel?.kind === "task" && !ids.has(state.panel.id) ? null : state.panel,
      };
    }
    case "select":
      return { ...state, selected: action.ids };
    case "panel":
      return { ...state, panel: action.panel };
  }
}

/** The designer's one store: the draft definition with its undo history, the selection and the open panel. */
export function useDesignerState(initial: WorkflowJson) {
  const [state, dispatch] = useReducer(reducer, initial, (d) => ({ history: start(d), saved: d, selected: [], panel: null }));
  const edit = useCallback((definition: WorkflowJson, key?: string | null, select?: string[]) => dispatch({ type: "edit", definition, key: key ?? null, ...(select ? { select } : {}) }), []);
  const actions = useMemo(
    () => ({
      edit,
      load: (definition: WorkflowJson) => dispatch({ type: "load", definition }),
      markSaved: (definition: WorkflowJson) => dispatch({ type: "saved", definition }),
      undo: () => dispatch({ type: "undo" }),
      redo: () => dispatch({ type: "redo" }),
      select: (ids: string[]) => dispatch({ type: "select", ids }),
      openPanel: (panel: Panel) => dispatch({ type: "panel", panel }),
    }),
    [edit],
  );
  return {
    definition: state.history.present,
    dirty: state.history.present !== state.saved && JSON.stringify(state.history.present) !== JSON.stringify(state.saved),
    canUndo: state.history.past.length > 0,
    canRedo: state.history.future.length > 0,
    selected: state.selected,
    panel: state.panel,
    ...actions,
  };
}
