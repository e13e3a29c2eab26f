import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { lazy, Suspense } from "react";
import { BrowserRouter, Route, Routes } from "react-router";
import { ApiError } from "./api/client";
import { Header } from "./components/Header/Header";
import { LiveEvents } from "./live/LiveEvents";
import { WorkflowsPage } from "./pages/WorkflowsPage";

// The first page is in the main bundle; the others (graphs, Gantt, diff) load when visited.
const WorkflowPage = lazy(() => import("./pages/WorkflowPage"));
const RunPage = lazy(() => import("./pages/RunPage"));
const RunsPage = lazy(() => import("./pages/RunsPage"));
const AlertsPage = lazy(() => import("./pages/AlertsPage"));
const NotFoundPage = lazy(() => import("./pages/NotFoundPage"));
const DesignerPage = lazy(() => import("./designer/DesignerPage"));

const client = new QueryClient({
  defaultOptions: {
    queries: {
      // Live events keep the cache fresh; a 4xx does not get better by asking again.
      staleTime: 10_000,
      refetchOnWindowFocus: false,
      retry: (failures, error) => !(error instanceof ApiError && error.status < 500) && failures < 2,
    },
  },
});

export function App() {
  return (
    <QueryClientProvider client={client}>
      <BrowserRouter>
        <LiveEvents>
          <Header />
          <Suspense fallback={<p className="page muted">Loading…</p>}>
            <Routes>
              <Route path="/" element={<WorkflowsPage />} />
              <Route path="/workflows/new" element={<DesignerPage />} />
              <Route path="/workflows/:id/edit" element={<DesignerPage />} />
              <Route path="/workflows/:id" element={<WorkflowPage />} />
              <Route path="/runs" element={<RunsPage />} />
              <Route path="/runs/:id" element={<RunPage />} />
              <Route path="/alerts" element={<AlertsPage />} />
              <Route path="*" element={<NotFoundPage />} />
            </Routes>
          </Suspense>
        </LiveEvents>
      </BrowserRouter>
    </QueryClientProvider>
  );
}
