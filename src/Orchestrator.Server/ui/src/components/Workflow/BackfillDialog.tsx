import { useState } from "react";
import { useBackfill } from "../../queries/useWorkflows";
import { Dialog } from "../common/Dialog";
import { ProblemView } from "../common/Problem";

/** One run per data interval between two instants (local time in the form, sent as UTC). */
export function BackfillDialog({ workflowId, open, onClose }: { workflowId: string; open: boolean; onClose(): void }) {
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const backfill = useBackfill(workflowId);
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    backfill.mutate({ from: new Date(from).toISOString(), to: new Date(to).toISOString() });
  };
  return (
    <Dialog title={`Backfill ${workflowId}`} open={open} onClose={onClose}>
      <form className="form" onSubmit={submit}>
        <div className="field">
          <label htmlFor="backfill-from">From</label>
          <input id="backfill-from" type="datetime-local" required value={from} onChange={(e) => setFrom(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="backfill-to">To</label>
          <input id="backfill-to" type="datetime-local" required value={to} onChange={(e) => setTo(e.target.value)} />
        </div>
        <ProblemView error={backfill.error} />
        {backfill.data && (
          <p role="status">
            Created {backfill.data.created.length} run(s){backfill.data.skipped.length ? `, skipped ${backfill.data.skipped.length} interval(s) that already had a run` : ""}.
          </p>
        )}
        <div className="actions">
          <button type="button" onClick={onClose}>
            Close
          </button>
          <button type="submit" className="primary" disabled={backfill.isPending}>
            Backfill
          </button>
        </div>
      </form>
    </Dialog>
  );
}
