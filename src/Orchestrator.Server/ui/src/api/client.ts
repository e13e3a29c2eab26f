// The one typed client of the server's API, generated from its OpenAPI document (schema.d.ts).
import createClient, { type Middleware } from "openapi-fetch";
import { getApiKey, markUnauthorized } from "../auth/apiKey";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];

const auth: Middleware = {
  onRequest({ request }) {
    const key = getApiKey();
    if (key) request.headers.set("X-Api-Key", key);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) markUnauthorized(true);
    else if (response.ok) markUnauthorized(false);
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(auth);

/** A ProblemDetails answer as the UI shows it. */
export interface Problem {
  status?: number;
  title?: string;
  detail?: string;
  type?: string;
  errors?: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

/** Unwraps an openapi-fetch result: the data, or an ApiError carrying the ProblemDetails. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    const problem = (typeof result.error === "object" && result.error !== null ? result.error : { title: String(result.error ?? "") }) as Problem;
    throw new ApiError(result.response.status, problem);
  }
  return result.data as T;
}

/** Headers for requests made outside the typed client (SSE streams, downloads). */
export function authHeaders(): Record<string, string> {
  const key = getApiKey();
  return key ? { "X-Api-Key": key } : {};
}
