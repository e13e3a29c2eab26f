import { stateColor, stateLabel } from "../../model/states";

/** A state's one colour and one name, everywhere. */
export function StateBadge({ state, label }: { state: string | null | undefined; label?: string }) {
  return (
    <span className="badge" role="status" aria-label={label ? `${label}: ${stateLabel(state)}` : stateLabel(state)} data-state={state ?? "none"}>
      <span className="dot" style={{ background: stateColor(state) }} aria-hidden="true" />
      {stateLabel(state)}
    </span>
  );
}

export function StateLegend({ states }: { states: readonly string[] }) {
  return (
    <ul className="legend" aria-label="Legend">
      {states.map((s) => (
        <li key={s}>
          <span className="dot" style={{ background: stateColor(s) }} aria-hidden="true" />
          {stateLabel(s)}
        </li>
      ))}
    </ul>
  );
}
