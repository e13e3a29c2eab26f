// The designer's JSON view: the workflow text in Monaco, with the committed workflow schema for completion and
// hover, the selected task's JSON revealed and marked, the task under the cursor reported, and the validator's
// diagnostics as markers. Loaded lazily (`lazy(() => import("./json/JsonView"))`): Monaco stays out of the first
// page's bundle.
import Editor, { type OnMount } from "@monaco-editor/react";
import { useEffect, useId, useImperativeHandle, useRef, useState, useSyncExternalStore, type Ref } from "react";
import { taskAt, taskRanges, textEdits, tokenEndColumn, type TextRange } from "../../model/jsonMap";
import { modelFolder, monaco } from "./monaco";
import "./JsonView.css";

export interface JsonMarker {
  /** 1-based, as the validator reports them. */
  line: number;
  column: number;
  message: string;
  /** The diagnostic code (WF001, …), shown beside the message. */
  code: string;
  /** Default "error". */
  severity?: "error" | "warning";
}

/** What the designer can do to the view through its `ref`. */
export interface JsonViewHandle {
  /** Puts the cursor at a 1-based position, scrolls it into view and focuses the editor (problems list). */
  revealPosition(line: number, column: number): void;
  focus(): void;
}

export interface JsonViewProps {
  /** The workflow JSON. A new value is applied as the smallest edits, so cursor and scroll stay put. */
  value: string;
  /** Every edit the user makes, with the whole text (not called for changes that came in through `value`). */
  onChange: (text: string) => void;
  /** The task to reveal and mark (its `{` … `}`), or null. */
  selectedTaskId: string | null;
  /** The user moved the cursor into another task's JSON (null: outside every task). */
  onCursorTask: (taskId: string | null) => void;
  /** The validator's diagnostics; replaced as a whole on each change. */
  markers: readonly JsonMarker[];
  readOnly?: boolean;
  /** When given, Ctrl/Cmd+Z and Shift+Ctrl/Cmd+Z (and Ctrl+Y) call these instead of the editor's own undo. */
  onUndo?: () => void;
  onRedo?: () => void;
  ref?: Ref<JsonViewHandle>;
}

type CodeEditor = Parameters<OnMount>[0];

export default function JsonView(props: JsonViewProps) {
  const { value, selectedTaskId, markers, readOnly = false, ref } = props;
  const [editor, setEditor] = useState<CodeEditor | null>(null);
  const latest = useRef(props);
  latest.current = props;
  // Edits that come in through `value` are not reported back through onChange.
  const applying = useRef(false);
  const ranges = useRef<{ version: number; ranges: Map<string, TextRange> } | null>(null);
  const decorations = useRef<ReturnType<CodeEditor["createDecorationsCollection"]> | null>(null);
  const lastCursorTask = useRef<string | null | undefined>(undefined);
  const path = `${modelFolder}designer-${useId().replace(/[^a-zA-Z0-9]/g, "")}.json`;
  const dark = usePrefersDark();

  const rangesOf = (model: NonNullable<ReturnType<CodeEditor["getModel"]>>) => {
    const version = model.getVersionId();
    if (ranges.current?.version !== version) ranges.current = { version, ranges: taskRanges(model.getValue()) };
    return ranges.current.ranges;
  };

  useImperativeHandle(
    ref,
    () => ({
      revealPosition(line, column) {
        if (!editor) return;
        editor.setPosition({ lineNumber: line, column });
        editor.revealPositionInCenterIfOutsideViewport({ lineNumber: line, column });
        editor.focus();
      },
      focus() {
        editor?.focus();
      },
    }),
    [editor],
  );

  // A value from outside (canvas, forms, undo): applied as the smallest edits.
  useEffect(() => {
    const model = editor?.getModel();
    if (!model) return;
    const edits = textEdits(model.getValue(), value).map((e) => ({
      range: monaco.Range.fromPositions(model.getPositionAt(e.start), model.getPositionAt(e.end)),
      text: e.text,
    }));
    if (edits.length === 0) return;
    applying.current = true;
    try {
      model.pushStackElement();
      model.pushEditOperations(editor!.getSelections(), edits, () => null);
      model.pushStackElement();
    } finally {
      applying.current = false;
    }
  }, [editor, value]);

  // The selected task: marked on every change of the text, revealed when the selection changes.
  useEffect(() => {
    const model = editor?.getModel();
    if (!model) return;
    const r = selectedTaskId === null ? undefined : rangesOf(model).get(selectedTaskId);
    const range = r && monaco.Range.fromPositions(model.getPositionAt(r.start), model.getPositionAt(r.end));
    decorations.current ??= editor!.createDecorationsCollection();
    decorations.current.set(
      range
        ? [
            {
              range,
              options: {
                className: "json-view-task",
                linesDecorationsClassName: "json-view-task-bar",
                overviewRuler: { color: "#0969da", position: monaco.editor.OverviewRulerLane.Full },
                stickiness: monaco.editor.TrackedRangeStickiness.NeverGrowsWhenTypingAtEdges,
              },
            },
          ]
        : [],
    );
  }, [editor, value, selectedTaskId]);

  useEffect(() => {
    const model = editor?.getModel();
    if (!model || selectedTaskId === null) return;
    const r = rangesOf(model).get(selectedTaskId);
    if (!r) return;
    const start = model.getPositionAt(r.start);
    // The task's first lines, unless they are on screen already.
    editor!.revealRangeNearTopIfOutsideViewport(
      monaco.Range.fromPositions(start, model.getPositionAt(Math.min(r.end, model.getOffsetAt({ lineNumber: start.lineNumber + 8, column: 1 })))),
      monaco.editor.ScrollType.Smooth,
    );
    // Selected from the canvas while the cursor sits in another task: the cursor no longer speaks for a task.
    lastCursorTask.current = undefined;
  }, [editor, selectedTaskId]); // on a new selection, not on every keystroke

  useEffect(() => {
    const model = editor?.getModel();
    if (!model) return;
    monaco.editor.setModelMarkers(
      model,
      "orchestrator",
      markers.map((m) => {
        const line = Math.min(Math.max(1, m.line), model.getLineCount());
        const column = Math.max(1, m.column);
        return {
          startLineNumber: line,
          startColumn: column,
          endLineNumber: line,
          endColumn: tokenEndColumn(model.getLineContent(line), column),
          message: m.message,
          code: m.code,
          source: "orchestrator",
          severity: m.severity === "warning" ? monaco.MarkerSeverity.Warning : monaco.MarkerSeverity.Error,
        };
      }),
    );
  }, [editor, markers]);

  const onMount: OnMount = (instance) => {
    instance.onDidChangeCursorPosition((e) => {
      if (applying.current || e.reason === monaco.editor.CursorChangeReason.ContentFlush) return;
      const model = instance.getModel();
      if (!model) return;
      const id = taskAt(rangesOf(model), model.getOffsetAt(e.position));
      if (id === lastCursorTask.current) return;
      lastCursorTask.current = id;
      if (id !== latest.current.selectedTaskId) latest.current.onCursorTask(id);
    });
    const history = (which: "onUndo" | "onRedo", native: "undo" | "redo") => () => {
      const handler = latest.current[which];
      if (handler) handler();
      else instance.trigger("keyboard", native, null);
    };
    const { KeyMod, KeyCode } = monaco;
    instance.addAction({ id: "orchestrator.undo", label: "Undo", keybindings: [KeyMod.CtrlCmd | KeyCode.KeyZ], run: history("onUndo", "undo") });
    instance.addAction({
      id: "orchestrator.redo",
      label: "Redo",
      keybindings: [KeyMod.CtrlCmd | KeyMod.Shift | KeyCode.KeyZ, KeyMod.CtrlCmd | KeyCode.KeyY],
      run: history("onRedo", "redo"),
    });
    setEditor(instance);
  };

  return (
    <div className="json-view">
      <Editor
        path={path}
        language="json"
        defaultValue={value}
        theme={dark ? "orchestrator-dark" : "orchestrator-light"}
        loading={<p className="muted">Loading the JSON editor…</p>}
        onMount={onMount}
        onChange={(text) => {
          if (!applying.current && text !== undefined) latest.current.onChange(text);
        }}
        options={{
          ariaLabel: "Workflow JSON",
          readOnly,
          tabSize: 2,
          insertSpaces: true,
          automaticLayout: true,
          minimap: { enabled: false },
          scrollBeyondLastLine: false,
          fixedOverflowWidgets: true,
          quickSuggestions: { strings: true, other: true, comments: false },
          wordWrap: "off",
        }}
      />
    </div>
  );
}

const darkQuery = "(prefers-color-scheme: dark)";

/** Follows the system's light or dark preference, like the rest of the UI. */
function usePrefersDark(): boolean {
  return useSyncExternalStore(
    (notify) => {
      const query = window.matchMedia?.(darkQuery);
      query?.addEventListener("change", notify);
      return () => query?.removeEventListener("change", notify);
    },
    () => window.matchMedia?.(darkQuery).matches ?? false,
    () => false,
  );
}
