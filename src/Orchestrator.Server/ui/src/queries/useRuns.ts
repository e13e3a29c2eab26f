import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../api/client";
import { keys } from "./keys";

export type RunDetail = Schemas["RunDetailDto"];
export type TaskInstance = Schemas["TaskInstanceDto"];
export type Attempt = Schemas["AttemptDto"];

export interface RunFilter {
  workflowId?: string;
  state?: string;
  take: number;
}

/** Runs newest first, a page at a time: each older page is asked for with the previous page's nextCursor. */
export function useRuns(filter: RunFilter) {
  return useInfiniteQuery({
    queryKey: keys.runs(filter),
    queryFn: async ({ pageParam }) =>
      unwrap(await api.GET("/api/v1/runs", { params: { query: { ...filter, ...(pageParam ? { cursor: pageParam } : {}) } } })),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

export function useRun(id: string) {
  return useQuery({ queryKey: keys.run(id), queryFn: async () => unwrap(await api.GET("/api/v1/runs/{id}", { params: { path: { id } } })) });
}

function useRunAction<T>(id: string, action: (value: T) => Promise<void>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: action,
    onSettled: () => {
      void client.invalidateQueries({ queryKey: keys.run(id) });
      void client.invalidateQueries({ queryKey: ["grid"] });
    },
  });
}

export function useCancelRun(id: string) {
  return useRunAction<void>(id, async () => {
    unwrap(await api.POST("/api/v1/runs/{id}/cancel", { params: { path: { id } } }));
  });
}

export function useClearTasks(id: string) {
  return useRunAction<{ tasks: string[]; downstream: boolean }>(id, async (body) => {
    unwrap(await api.POST("/api/v1/runs/{id}/clear", { params: { path: { id } }, body }));
  });
}

export function useRerunFailed(id: string) {
  return useRunAction<void>(id, async () => {
    unwrap(await api.POST("/api/v1/runs/{id}/rerun-failed", { params: { path: { id } } }));
  });
}
