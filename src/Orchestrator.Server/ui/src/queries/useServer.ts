import { useQuery } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../api/client";
import { keys } from "./keys";

export type ServerInfo = Schemas["ServerInfoDto"];

export function useServer() {
  return useQuery({ queryKey: keys.server, queryFn: async () => unwrap(await api.GET("/api/v1/server")), staleTime: 60_000 });
}

/** Readiness of this node (database reachable); polled gently, since health has no event stream. */
export function useHealth() {
  return useQuery({
    queryKey: keys.health,
    queryFn: async () => {
      const response = await fetch("/health/ready", { cache: "no-store" });
      return { ok: response.ok, text: (await response.text()).trim() || response.statusText };
    },
    refetchInterval: 15_000,
    retry: false,
  });
}

const ranks = { viewer: 0, operator: 1, editor: 2, admin: 3 } as const;
export type Role = keyof typeof ranks;

/** What the caller's key may do: buttons above its role are disabled with a tooltip naming the role needed. */
export function useCan(needed: Role): { allowed: boolean; reason: string | null } {
  const { data } = useServer();
  const role = (data?.role ?? "viewer") as Role;
  const allowed = ranks[role] >= ranks[needed];
  return { allowed, reason: allowed ? null : `needs an ${needed} key (this key is ${role})` };
}
