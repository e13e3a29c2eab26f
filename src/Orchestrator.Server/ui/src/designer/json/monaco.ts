// Monaco from the bundle (never a CDN), with only what the JSON view uses: the editor, its features, the JSON
// language and its worker. Imported by the lazily loaded JSON view, so none of it is in the first page's bundle.
import { loader } from "@monaco-editor/react";
import * as monaco from "monaco-editor/editor";
import "monaco-editor/features/register.all";
import { jsonDefaults } from "monaco-editor/languages/features/json/register";
import EditorWorker from "monaco-editor/editor/editor.worker?worker";
import JsonWorker from "monaco-editor/languages/features/json/json.worker?worker";
import workflowSchema from "../../model/workflow.schema.json";

self.MonacoEnvironment = {
  getWorker: (_id: string, label: string) => (label === "json" ? new JsonWorker() : new EditorWorker()),
};

// @monaco-editor/react uses this instance instead of loading one; it needs only the editor API.
loader.config({ monaco: monaco as unknown as Parameters<typeof loader.config>[0]["monaco"] });

/** Where the editor's models live: a workflow's `"$schema": "./workflow.schema.json"` resolves beside them. */
export const modelFolder = "file:///workflows/";

// The committed workflow schema gives completion, hover and checks: for every model, for a relative
// `$schema` (resolved against the model's folder) and for one naming the schema's `$id`.
jsonDefaults.setDiagnosticsOptions({
  validate: true,
  allowComments: false,
  trailingCommas: "error",
  enableSchemaRequest: false,
  schemas: [
    { uri: `${modelFolder}workflow.schema.json`, fileMatch: ["*"], schema: workflowSchema },
    { uri: workflowSchema.$id, schema: workflowSchema },
  ],
});

// Monaco's own themes on the UI's page colours (styles.css), so the editor sits in the page.
monaco.editor.defineTheme("orchestrator-light", { base: "vs", inherit: true, rules: [], colors: { "editor.background": "#ffffff" } });
monaco.editor.defineTheme("orchestrator-dark", { base: "vs-dark", inherit: true, rules: [], colors: { "editor.background": "#0d1117" } });

export { monaco };
