import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { ApiError, authHeaders } from "../api/client";
import { keys } from "../queries/keys";
import type { WorkflowJson } from "./edits";
import { draftText } from "./validation";

/**
 * Saves the draft with PUT /api/v1/workflows/{id} (the server writes workflows/<id>.json). The version the designer
 * opened goes along as If-Match: when the file changed on disk meanwhile the server answers 412, and the user
 * chooses to reload or to overwrite.
 */
export function useSave(isNew: boolean, etag: string | null, onSaved: (definition: WorkflowJson) => void) {
  const client = useQueryClient();
  const version = useRef(etag);
  const [conflict, setConflict] = useState(false);
  const mutation = useMutation({
    mutationFn: async ({ definition, overwrite }: { definition: WorkflowJson; overwrite: boolean }) => {
      const headers: Record<string, string> = { "Content-Type": "application/json", ...authHeaders() };
      if (!overwrite && !isNew && version.current) headers["If-Match"] = version.current;
      const response = await fetch(`/api/v1/workflows/${encodeURIComponent(definition.id)}`, { method: "PUT", headers, body: draftText(definition) });
      if (response.status === 412) {
        setConflict(true);
        throw new ApiError(412, { title: "The file changed on disk", detail: "reload it or overwrite it" });
      }
      if (!response.ok) throw new ApiError(response.status, (await response.json().catch(() => ({}))) as object);
      version.current = response.headers.get("ETag") ?? version.current;
      return definition;
    },
    onSuccess: (definition) => {
      setConflict(false);
      onSaved(definition);
      void client.invalidateQueries({ queryKey: keys.workflows });
      void client.invalidateQueries({ queryKey: keys.workflow(definition.id) });
    },
  });
  return {
    mutate: (definition: WorkflowJson, options?: { overwrite?: boolean }) => mutation.mutate({ definition, overwrite: options?.overwrite ?? false }),
    isPending: mutation.isPending,
    error: conflict ? null : mutation.error,
    conflict,
  };
}
