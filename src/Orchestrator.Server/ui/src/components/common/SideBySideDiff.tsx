import type { DiffRow } from "../../model/diff";

/** Two texts side by side, each line with its number, removed and added lines marked. */
export function SideBySideDiff({ rows, label }: { rows: readonly DiffRow[]; label: string }) {
  return (
    <div className="diff" role="table" aria-label={label}>
      {rows.map((row, i) => (
        <div key={i} className={`diff-row ${row.kind}`} role="row">
          <span className="ln">{row.left?.number ?? ""}</span>
          <pre role="cell">{row.left?.text ?? ""}</pre>
          <span className="ln">{row.right?.number ?? ""}</span>
          <pre role="cell">{row.right?.text ?? ""}</pre>
        </div>
      ))}
    </div>
  );
}
