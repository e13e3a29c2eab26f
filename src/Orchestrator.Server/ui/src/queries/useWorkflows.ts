import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../api/client";
import { keys } from "./keys";

export type WorkflowSummary = Schemas["WorkflowSummaryDto"];
export type WorkflowDetail = Schemas["WorkflowDetailDto"];
export type Grid = Schemas["GridDto"];

// Runs move the list live (events); file edits in the workflows folder have no event, so the list is read again
// every 30 s to show new, changed and broken files.
const catalogRefresh = 30_000;

export function useWorkflows() {
  return useQuery({ queryKey: keys.workflows, queryFn: async () => unwrap(await api.GET("/api/v1/workflows")), refetchInterval: catalogRefresh });
}

/** Files of the workflows folder that never held a valid workflow. */
export function useInvalidFiles() {
  return useQuery({ queryKey: keys.invalidFiles, queryFn: async () => unwrap(await api.GET("/api/v1/invalid-files")), refetchInterval: catalogRefresh });
}

export function useWorkflow(id: string) {
  return useQuery({ queryKey: keys.workflow(id), queryFn: async () => unwrap(await api.GET("/api/v1/workflows/{id}", { params: { path: { id } } })) });
}

export function useGrid(id: string, runs: number) {
  return useQuery({
    queryKey: keys.grid(id, runs),
    queryFn: async () => unwrap(await api.GET("/api/v1/workflows/{id}/grid", { params: { path: { id }, query: { runs } } })),
    placeholderData: keepPreviousData,
  });
}

export function useVersions(id: string) {
  return useQuery({ queryKey: keys.versions(id), queryFn: async () => unwrap(await api.GET("/api/v1/workflows/{id}/versions", { params: { path: { id } } })) });
}

export function useVersion(id: string, version: string | null) {
  return useQuery({
    queryKey: keys.version(id, version ?? ""),
    queryFn: async () => unwrap(await api.GET("/api/v1/workflows/{id}/versions/{version}", { params: { path: { id, version: version! } } })),
    enabled: version != null,
    staleTime: Infinity,
  });
}

export function useTriggers(id: string) {
  return useQuery({ queryKey: keys.triggers(id), queryFn: async () => unwrap(await api.GET("/api/v1/workflows/{id}/triggers", { params: { path: { id } } })) });
}

export function useSchedulePreview(schedule: Schemas["SchedulePreviewRequest"]["schedule"] | null, count = 5) {
  return useQuery({
    queryKey: keys.schedulePreview(schedule, count),
    queryFn: async () => unwrap(await api.POST("/api/v1/schedules/preview", { body: { schedule: schedule!, count } })),
    enabled: schedule != null,
    staleTime: 30_000,
  });
}

export function useTrigger(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (params: Record<string, unknown>) => unwrap(await api.POST("/api/v1/workflows/{id}/runs", { params: { path: { id } }, body: { params } })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: keys.workflows });
      void client.invalidateQueries({ queryKey: keys.gridsOf(id) });
      void client.invalidateQueries({ queryKey: keys.allRuns });
    },
  });
}

export function usePause(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (paused: boolean) => {
      const path = { params: { path: { id } } };
      const result = paused ? await api.POST("/api/v1/workflows/{id}/pause", path) : await api.POST("/api/v1/workflows/{id}/unpause", path);
      unwrap(result);
    },
    onSettled: () => {
      void client.invalidateQueries({ queryKey: keys.workflows });
      void client.invalidateQueries({ queryKey: keys.workflow(id) });
    },
  });
}

export function useBackfill(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: { from: string; to: string }) => unwrap(await api.POST("/api/v1/workflows/{id}/backfill", { params: { path: { id } }, body })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: keys.gridsOf(id) });
      void client.invalidateQueries({ queryKey: keys.allRuns });
    },
  });
}
