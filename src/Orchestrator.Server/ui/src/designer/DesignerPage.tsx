import { useQuery } from "@tanstack/react-query";
import { ReactFlowProvider } from "@xyflow/react";
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { api, unwrap } from "../api/client";
import { ProblemView } from "../components/common/Problem";
import { RoleButton } from "../components/common/RoleButton";
import { layoutGraph } from "../model/layout";
import { toGraph } from "../model/workflow";
import { Canvas, useViewCenter } from "./Canvas";
import { addTask, copyTasks, deleteTasks, duplicateTasks, moveTasks, pasteTasks, type WorkflowJson } from "./edits";
import { SettingsPanel } from "./SettingsPanel";
import { TaskPanel } from "./TaskPanel";
import { Palette, type Activity } from "./Palette";
import { useDesignerState } from "./useDesignerState";
import { useValidation } from "./useValidation";
import { draftText } from "./validation";
import { sideBySide } from "../model/diff";
import { SideBySideDiff } from "../components/common/SideBySideDiff";
import { useSave } from "./useSave";
import { TestRunBar, TestRunError, TestRunTask, useTestRun } from "./TestRun";
import { FileActions } from "./FileActions";

const JsonView = lazy(() => import("./json/JsonView"));

const blank: WorkflowJson = { $schema: "./workflow.schema.json", id: "new-workflow", tasks: [] } as WorkflowJson;

/** `/workflows/{id}/edit` and `/workflows/new` (`?template=<id>` starts from a copy of that workflow). */
export default function DesignerPage() {
  const { id } = useParams();
  const [search] = useSearchParams();
  const source = id ?? search.get("template");
  const detail = useQuery({
    queryKey: ["designer", source ?? ""],
    enabled: source != null,
    staleTime: Infinity,
    queryFn: async () => {
      const result = await api.GET("/api/v1/workflows/{id}", { params: { path: { id: source! } } });
      return { detail: unwrap(result), etag: result.response.headers.get("ETag") };
    },
  });
  const activities = useQuery({ queryKey: ["activities"], staleTime: Infinity, queryFn: async () => unwrap(await api.GET("/api/v1/activities")) });

  const initial = useMemo<WorkflowJson | null>(() => {
    if (source == null) return blank;
    const definition = detail.data?.detail.definition;
    if (!definition) return null;
    // The API writes definitions as the files are written: no null properties.
    const clean = definition as unknown as WorkflowJson;
    return id ? clean : { ...clean, id: `${clean.id}-copy` };
  }, [source, id, detail.data]);

  if (detail.error || activities.error) return <main className="page"><ProblemView error={detail.error ?? activities.error} /></main>;
  if (!initial || !activities.data) return <main className="page muted" aria-busy="true">Loading the designer…</main>;
  return (
    <ReactFlowProvider>
      <Designer key={source ?? "new"} initial={initial} isNew={id == null} etag={detail.data?.etag ?? null}
        activities={activities.data} />
    </ReactFlowProvider>
  );
}

function Designer({ initial, isNew, etag, activities }: {
  initial: WorkflowJson; isNew: boolean; etag: string | null; activities: Activity[];
}) {
  const state = useDesignerState(initial);
  const { definition, selected, panel, edit, select, openPanel } = state;
  const validation = useValidation(definition);
  const center = useViewCenter();
  const navigate = useNavigate();
  const save = useSave(isNew, etag, (saved) => {
    state.markSaved(saved);
    if (isNew) void navigate(`/workflows/${encodeURIComponent(saved.id)}/edit`, { replace: true });
  });
  const hasErrors = validation.errors.all.length > 0;
  const canSave = validation.checked && !validation.checking && !hasErrors && (state.dirty || isNew) && !save.isPending;

  const doSave = useCallback(() => {
    if (canSave) save.mutate(definition);
  }, [canSave, save, definition]);

  const autoLayout = useCallback(async () => {
    const positions = await layoutGraph({ ...toGraph(definition.tasks.map(({ ui: _ui, ...t }) => t)), positioned: false });
    edit(moveTasks(definition, positions), null);
  }, [definition, edit]);

  // Keyboard: undo/redo, save, escape, apply, duplicate; copy and paste through the system clipboard.
  useEffect(() => {
    const editing = (t: EventTarget | null) => t instanceof HTMLElement && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName) || !!t.closest(".monaco-editor"));
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      if (mod && e.key.toLowerCase() === "s") {
        e.preventDefault();
        doSave();
      } else if (mod && e.key === "Enter") {
        e.preventDefault();
        (document.activeElement as HTMLElement | null)?.blur();
        openPanel(null);
      } else if (e.key === "Escape" && panel) {
        openPanel(null);
      } else if (!editing(e.target) && mod && e.key.toLowerCase() === "z") {
        e.preventDefault();
        if (e.shiftKey) state.redo();
        else state.undo();
      } else if (!editing(e.target) && mod && e.key.toLowerCase() === "y") {
        e.preventDefault();
        state.redo();
      } else if (!editing(e.target) && mod && e.key.toLowerCase() === "d" && selected.length) {
        e.preventDefault();
        const d = duplicateTasks(definition, selected);
        edit(d.definition, null, d.ids);
      }
    };
    const onCopy = (e: ClipboardEvent) => {
      if (editing(e.target) || selected.length === 0) return;
      e.preventDefault();
      e.clipboardData?.setData("text/plain", copyTasks(definition, selected));
    };
    const onCut = (e: ClipboardEvent) => {
      if (editing(e.target) || selected.length === 0) return;
      e.preventDefault();
      e.clipboardData?.setData("text/plain", copyTasks(definition, selected));
      edit(deleteTasks(definition, selected), null, []);
    };
    const onPaste = (e: ClipboardEvent) => {
      if (editing(e.target)) return;
      const pasted = pasteTasks(definition, e.clipboardData?.getData("text/plain") ?? "");
      if (!pasted) return;
      e.preventDefault();
      edit(pasted.definition, null, pasted.ids);
    };
    window.addEventListener("keydown", onKey);
    document.addEventListener("copy", onCopy);
    document.addEventListener("cut", onCut);
    document.addEventListener("paste", onPaste);
    return () => {
      window.removeEventListener("keydown", onKey);
      document.removeEventListener("copy", onCopy);
      document.removeEventListener("cut", onCut);
      document.removeEventListener("paste", onPaste);
    };
  }, [definition, selected, panel, edit, openPanel, state, doSave]);

  const testRun = useTestRun();
  const [jsonOpen, setJsonOpen] = useState(false);
  const jsonView = useRef<import("./json/JsonView").JsonViewHandle>(null);
  // The text typed in the JSON view stays as typed while it means the current definition; any other change
  // (canvas, forms, undo) shows the definition in the file's format.
  const typed = useRef<{ text: string; definition: WorkflowJson } | null>(null);
  const jsonText = typed.current?.definition === definition ? typed.current.text : draftText(definition);
  const onJsonChange = useCallback((text: string) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof parsed !== "object" || parsed === null || !Array.isArray((parsed as WorkflowJson).tasks) || typeof (parsed as WorkflowJson).id !== "string") return;
    typed.current = { text, definition: parsed as WorkflowJson };
    edit(parsed as WorkflowJson, "json");
  }, [edit]);
  const markers = useMemo(() => validation.errors.all.map((e) => ({ line: e.line, column: e.column, message: e.message, code: e.code })), [validation.errors]);
  return (
    <main className="designer" aria-label="Designer">
      <div className="designer-toolbar" role="toolbar" aria-label="Designer actions">
        <Link to={isNew ? "/" : `/workflows/${encodeURIComponent(initial.id)}`} className="crumb">← {isNew ? "Workflows" : initial.id}</Link>
        <strong className="designer-title">{definition.id}</strong>
        {state.dirty && <span className="pill warn">unsaved</span>}
        <button type="button" onClick={state.undo} disabled={!state.canUndo} title="Ctrl/Cmd+Z">Undo</button>
        <button type="button" onClick={state.redo} disabled={!state.canRedo} title="Shift+Ctrl/Cmd+Z">Redo</button>
        <button type="button" onClick={() => void autoLayout()}>Auto-layout</button>
        <button type="button" disabled={!selected.length} onClick={() => { const d = duplicateTasks(definition, selected); edit(d.definition, null, d.ids); }}>Duplicate</button>
        <button type="button" disabled={!selected.length} onClick={() => edit(deleteTasks(definition, selected), null, [])}>Delete</button>
        <button type="button" aria-pressed={jsonOpen} onClick={() => setJsonOpen((o) => !o)}>JSON</button>
        <button type="button" aria-pressed={panel?.kind === "settings"} onClick={() => openPanel(panel?.kind === "settings" ? null : { kind: "settings" })}>
          Settings{validation.errors.settings.length ? ` (${validation.errors.settings.length})` : ""}
        </button>
        <span className="spacer" />
        {!isNew && <FileActions id={initial.id} dirty={state.dirty} />}
        <span className={`pill ${hasErrors ? "bad" : validation.checked ? "ok" : "warn"}`} role="status" aria-label="Validation">
          {validation.checking ? "checking…" : hasErrors ? `${validation.errors.all.length} problem(s)` : validation.checked ? "valid" : "not checked"}
        </span>
        <TestRunBar testRun={testRun} definition={definition} disabled={hasErrors || !validation.checked} />
        <RoleButton needs="editor" className="primary" onClick={doSave} disabled={!canSave} title={hasErrors ? "fix the problems first (the draft stays here)" : "Ctrl/Cmd+S"}>
          Save
        </RoleButton>
      </div>
      <ProblemView error={save.error} />
      <TestRunError testRun={testRun} />
      {save.conflict && <ConflictNotice id={definition.id} mine={definition} onReload={() => window.location.reload()} onOverwrite={() => save.mutate(definition, { overwrite: true })} />}
      <div className="designer-body">
        <Palette activities={activities} onPick={(type) => { const a = addTask(definition, type, center()); edit(a.definition, null, [a.id]); openPanel({ kind: "task", id: a.id }); }} />
        <Canvas
          definition={definition}
          activities={activities}
          selected={selected}
          errors={validation.errors.byTask}
          states={testRun.states}
          onEdit={edit}
          onSelect={select}
          onOpen={(taskId) => openPanel({ kind: "task", id: taskId })}
        />
        {jsonOpen && (
          <section className="designer-json" aria-label="JSON view">
            <Suspense fallback={<p className="muted" aria-busy="true">Loading the editor…</p>}>
              <JsonView
                ref={jsonView}
                value={jsonText}
                onChange={onJsonChange}
                selectedTaskId={selected[0] ?? (panel?.kind === "task" ? panel.id : null)}
                onCursorTask={(taskId) => taskId && select([taskId])}
                markers={markers}
                onUndo={state.undo}
                onRedo={state.redo}
              />
            </Suspense>
          </section>
        )}
        {panel?.kind === "task" && (
          <TaskPanel definition={definition} taskId={panel.id} activities={activities}
            errors={validation.errors.byTask.get(panel.id) ?? []} onEdit={(d, key, sel) => edit(d, key, sel)}
            onClose={() => openPanel(null)}>
            <TestRunTask testRun={testRun} taskId={panel.id} />
          </TaskPanel>
        )}
        {panel?.kind === "settings" && (
          <SettingsPanel definition={definition} errors={validation.errors.settings} onEdit={(d, key) => edit(d, key)} onClose={() => openPanel(null)} />
        )}
      </div>
      {hasErrors && (
        <section className="problems" aria-label="Problems">
          <ul>
            {validation.errors.all.map((e, i) => (
              <li key={i}>
                <button type="button" className="link" onClick={() => {
                  jsonView.current?.revealPosition(e.line, e.column);
                  if (e.taskId) {
                    select([e.taskId]);
                    openPanel({ kind: "task", id: e.taskId });
                  } else openPanel({ kind: "settings" });
                }}>
                  {e.line}:{e.column}: error {e.code}
                </button>{" "}
                {e.taskId && <span className="muted">[{e.taskId}] </span>}
                {e.message}
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}

function ConflictNotice({ id, mine, onReload, onOverwrite }: { id: string; mine: WorkflowJson; onReload(): void; onOverwrite(): void }) {
  const [disk, setDisk] = useState<string | null>(null);
  const showDiff = async () => {
    const result = await api.GET("/api/v1/workflows/{id}", { params: { path: { id } } });
    setDisk(draftText(unwrap(result).definition ?? {}));
  };
  const rows = useMemo(() => (disk ? sideBySide(disk, draftText(mine)) : []), [disk, mine]);
  return (
    <div className="problem" role="alert">
      The file changed on disk since it was opened.{" "}
      <button type="button" onClick={onReload}>Reload it (drop my changes)</button>{" "}
      <button type="button" onClick={onOverwrite}>Overwrite it with mine</button>{" "}
      <button type="button" onClick={() => void showDiff()}>View the difference</button>
      {disk && (
        <SideBySideDiff rows={rows} label="The file on disk (left) and the draft (right)" />
      )}
    </div>
  );
}
