import { useMemo, useState } from "react";
import { prettyJson, sideBySide } from "../../model/diff";
import { useVersion, useVersions } from "../../queries/useWorkflows";
import { ProblemView } from "../common/Problem";
import { SideBySideDiff } from "../common/SideBySideDiff";
import { Time } from "../common/Time";

/** The workflow's versions, and a side-by-side diff of any two of them. */
export function VersionsPanel({ workflowId }: { workflowId: string }) {
  const versions = useVersions(workflowId);
  const list = versions.data ?? [];
  const [left, setLeft] = useState<string | null>(null);
  const [right, setRight] = useState<string | null>(null);
  const l = left ?? list[1]?.version ?? list[0]?.version ?? null;
  const r = right ?? list[0]?.version ?? null;
  const a = useVersion(workflowId, l);
  const b = useVersion(workflowId, r);
  const rows = useMemo(() => (a.data && b.data ? sideBySide(prettyJson(a.data.definition), prettyJson(b.data.definition)) : []), [a.data, b.data]);
  const changed = rows.filter((x) => x.kind !== "same").length;

  return (
    <section aria-label="Versions">
      <ProblemView error={versions.error} />
      <table className="table compact">
        <thead>
          <tr>
            <th>Version</th>
            <th>Seen</th>
            <th>Compare</th>
          </tr>
        </thead>
        <tbody>
          {list.map((v) => (
            <tr key={v.version}>
              <td>
                <code>{v.version.slice(0, 12)}</code> {v.active && <span className="pill ok">active</span>}
              </td>
              <td>
                <Time iso={v.createdAt} />
              </td>
              <td>
                <label className="check">
                  <input type="radio" name="left" checked={l === v.version} onChange={() => setLeft(v.version)} /> left
                </label>
                <label className="check">
                  <input type="radio" name="right" checked={r === v.version} onChange={() => setRight(v.version)} /> right
                </label>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {l && r && (
        <>
          <p className="muted">
            <code>{l.slice(0, 12)}</code> → <code>{r.slice(0, 12)}</code>: {l === r ? "the same version" : `${changed} changed line(s)`}
          </p>
          <SideBySideDiff rows={rows} label="Side-by-side diff" />
        </>
      )}
    </section>
  );
}
