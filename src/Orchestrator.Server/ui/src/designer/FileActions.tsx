import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router";
import { api, unwrap } from "../api/client";
import { ProblemView } from "../components/common/Problem";
import { RoleButton } from "../components/common/RoleButton";
import { Dialog } from "../components/common/Dialog";
import { keys } from "../queries/keys";
import { isValidId } from "./edits";

/**
 * Rename (the file moves to the new id; the old id keeps its runs) and Delete (the file moves to the history
 * folder in the data directory; runs are kept) of a saved workflow.
 */
export function FileActions({ id, dirty }: { id: string; dirty: boolean }) {
  const [dialog, setDialog] = useState<"rename" | "delete" | null>(null);
  const [newId, setNewId] = useState(id);
  const client = useQueryClient();
  const navigate = useNavigate();
  const rename = useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/v1/workflows/{id}/rename", { params: { path: { id } }, body: { newId } })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: keys.workflows });
      void navigate(`/workflows/${encodeURIComponent(newId)}/edit`, { replace: true });
    },
  });
  const remove = useMutation({
    mutationFn: async () => {
      unwrap(await api.DELETE("/api/v1/workflows/{id}", { params: { path: { id } } }));
    },
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: keys.workflows });
      void navigate("/");
    },
  });
  return (
    <>
      <RoleButton needs="editor" onClick={() => setDialog("rename")} disabled={dirty} title={dirty ? "save or undo your changes first" : "rename the workflow and its file"}>
        Rename
      </RoleButton>
      <RoleButton needs="editor" onClick={() => setDialog("delete")}>Delete workflow</RoleButton>
      <Dialog title={`Rename ${id}`} open={dialog === "rename"} onClose={() => setDialog(null)}>
        <form className="form" onSubmit={(e) => { e.preventDefault(); rename.mutate(); }}>
          <div className="field">
            <label htmlFor="rename-id">New id</label>
            <input id="rename-id" value={newId} onChange={(e) => setNewId(e.target.value)} />
            {!isValidId(newId) && <small className="error">lower-case letters, digits, _ . -</small>}
          </div>
          <ProblemView error={rename.error} />
          <div className="actions">
            <button type="button" onClick={() => setDialog(null)}>Cancel</button>
            <button type="submit" className="primary" disabled={!isValidId(newId) || newId === id || rename.isPending}>Rename</button>
          </div>
        </form>
      </Dialog>
      <Dialog title={`Delete ${id}`} open={dialog === "delete"} onClose={() => setDialog(null)}>
        <p>
          The file <code>{id}.json</code> moves to the history folder in the data directory; the workflow stops being scheduled. Its runs are kept.
        </p>
        <ProblemView error={remove.error} />
        <div className="actions form">
          <button type="button" onClick={() => setDialog(null)}>Cancel</button>
          <button type="button" className="primary" onClick={() => remove.mutate()} disabled={remove.isPending}>Delete</button>
        </div>
      </Dialog>
    </>
  );
}
