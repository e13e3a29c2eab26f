import { Link } from "react-router";
import { stateColor, stateLabel } from "../../model/states";
import { formatLocal } from "../../model/time";

export interface RunSquare {
  id: string;
  state: string;
  logicalDate: string;
}

/** The last runs as coloured squares, oldest first, each a link to its run. */
export function RunSquares({ runs }: { runs: readonly RunSquare[] }) {
  const ordered = [...runs].sort((a, b) => Date.parse(a.logicalDate) - Date.parse(b.logicalDate));
  return (
    <span className="squares">
      {ordered.map((r) => (
        <Link
          key={r.id}
          to={`/runs/${r.id}`}
          className="square"
          style={{ background: stateColor(r.state) }}
          data-state={r.state}
          aria-label={`Run ${formatLocal(r.logicalDate)}: ${stateLabel(r.state)}`}
          title={`${formatLocal(r.logicalDate)} · ${stateLabel(r.state)}`}
        />
      ))}
    </span>
  );
}
