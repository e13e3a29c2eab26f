import { useEffect, useState } from "react";
import { api } from "../api/client";
import type { WorkflowJson } from "./edits";
import { draftText, pinErrors, type PinnedErrors } from "./validation";

const empty: PinnedErrors = { byTask: new Map(), settings: [], all: [] };

/** The draft validated by the server (POST /api/v1/validate) 400 ms after the last edit; errors pinned to tasks. */
export function useValidation(definition: WorkflowJson): { errors: PinnedErrors; checking: boolean; checked: boolean } {
  const [errors, setErrors] = useState(empty);
  const [checking, setChecking] = useState(false);
  const [checked, setChecked] = useState(false);
  useEffect(() => {
    const controller = new AbortController();
    setChecking(true);
    const timer = setTimeout(async () => {
      try {
        const { data } = await api.POST("/api/v1/validate", {
          body: definition as never,
          bodySerializer: () => draftText(definition),
          signal: controller.signal,
        });
        if (data) {
          setErrors(data.valid ? empty : pinErrors(data.errors, definition.tasks.map((t) => t.id)));
          setChecked(true);
        }
      } catch {
        // Aborted by a newer edit, or the server is away: the next edit validates again.
      } finally {
        if (!controller.signal.aborted) setChecking(false);
      }
    }, 400);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [definition]);
  return { errors, checking, checked };
}
