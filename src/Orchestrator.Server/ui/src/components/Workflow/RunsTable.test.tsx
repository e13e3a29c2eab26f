import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { describe, expect, it, vi } from "vitest";

// The API client keeps the fetch it was created with: replace it before the client's module loads.
const fetchMock = vi.hoisted(() => {
  const mock = vi.fn<(request: Request) => Promise<Response>>();
  globalThis.fetch = mock as unknown as typeof fetch;
  return mock;
});

const { RunsTable } = await import("./RunsTable");

function run(id: string) {
  return {
    id,
    workflowId: "etl",
    workflowVersion: "v1",
    kind: "manual",
    state: "succeeded",
    logicalDate: "2026-12-01T00:00:00Z",
    dataIntervalStart: "2026-12-01T00:00:00Z",
    dataIntervalEnd: "2026-12-01T00:00:00Z",
    createdAt: "2026-12-01T00:00:00Z",
    startedAt: null,
    endedAt: null,
    error: null,
    params: {},
  };
}

describe("RunsTable", () => {
  it("loads older runs with the previous page's cursor, and stops when no cursor comes back", async () => {
    const pages: Record<string, unknown> = {
      "": { items: [run("run-1"), run("run-2")], take: 25, nextCursor: "c-after-2" },
      "c-after-2": { items: [run("run-3")], take: 25, nextCursor: null },
    };
    fetchMock.mockImplementation(async (request: Request) => {
      const url = new URL(request.url);
      expect(url.pathname).toBe("/api/v1/runs");
      expect(url.searchParams.get("workflowId")).toBe("etl");
      expect(url.searchParams.has("skip")).toBe(false);
      const body = pages[url.searchParams.get("cursor") ?? ""];
      return new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
    });
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <MemoryRouter>
          <RunsTable workflowId="etl" />
        </MemoryRouter>
      </QueryClientProvider>,
    );

    await screen.findByRole("link", { name: "run1" });
    expect(screen.getAllByRole("row")).toHaveLength(3);
    fireEvent.click(screen.getByRole("button", { name: "Load older runs" }));

    await waitFor(() => expect(screen.getAllByRole("row")).toHaveLength(4));
    expect(screen.queryByRole("button", { name: "Load older runs" })).toBeNull();
    expect(fetchMock.mock.calls.map(([r]) => new URL(r.url).searchParams.get("cursor"))).toEqual([null, "c-after-2"]);
  });
});
