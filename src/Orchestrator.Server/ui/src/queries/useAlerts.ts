import { keepPreviousData, useInfiniteQuery, useMutation, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { refreshWhilePending } from "../model/alerts";
import { keys } from "./keys";

export interface AlertFilter {
  workflowId?: string;
  event?: string;
  state?: string;
  channel?: string;
  take: number;
}

/** Alerts newest first, a page at a time, each older page asked for with the previous page's nextCursor. */
export function useAlerts(filter: AlertFilter) {
  return useInfiniteQuery({
    queryKey: keys.alerts(filter),
    queryFn: async ({ pageParam }) =>
      unwrap(await api.GET("/api/v1/alerts", { params: { query: { ...filter, ...(pageParam ? { cursor: pageParam } : {}) } } })),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
    refetchInterval: (query) => refreshWhilePending(query.state.data?.pages.flatMap((p) => p.items.map((a) => a.state)) ?? []),
  });
}

export function useAlert(id: string | null) {
  return useQuery({
    queryKey: keys.alert(id ?? ""),
    queryFn: async () => unwrap(await api.GET("/api/v1/alerts/{id}", { params: { path: { id: id! } } })),
    enabled: id != null,
    refetchInterval: (query) => refreshWhilePending(query.state.data ? [query.state.data.alert.state] : []),
  });
}

export function useChannels() {
  return useQuery({ queryKey: keys.channels, queryFn: async () => unwrap(await api.GET("/api/v1/alerts/channels")) });
}

export function useTestChannel() {
  return useMutation({
    mutationFn: async (channel: string) => unwrap(await api.POST("/api/v1/alerts/channels/{channel}/test", { params: { path: { channel } } })),
  });
}
