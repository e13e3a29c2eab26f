import { ApiError } from "../../api/client";

export interface LocatedError {
  file: string;
  line: number;
  column: number;
  code: string;
  message: string;
}

/** Compiler-style located errors, as `orchestrator validate` prints them. */
export function LocatedErrors({ errors }: { errors: readonly LocatedError[] }) {
  return (
    <ul className="located" aria-label="Validation errors">
      {errors.map((e, i) => (
        <li key={i}>
          <code>
            {e.file}:{e.line}:{e.column}: error {e.code}
          </code>
          : {e.message}
        </li>
      ))}
    </ul>
  );
}

/** An API error as the user should read it: the ProblemDetails' title and detail, and located errors when present. */
export function ProblemView({ error }: { error: unknown }) {
  if (!error) return null;
  if (error instanceof ApiError) {
    const located = Array.isArray((error.problem as { errors?: unknown }).errors) ? ((error.problem as { errors: LocatedError[] }).errors) : [];
    return (
      <div className="problem" role="alert">
        <strong>{error.problem.title ?? `HTTP ${error.status}`}</strong>
        {error.problem.detail && <span> — {error.problem.detail}</span>}
        {located.length > 0 && <LocatedErrors errors={located} />}
      </div>
    );
  }
  return (
    <div className="problem" role="alert">
      {error instanceof Error ? error.message : String(error)}
    </div>
  );
}
