import { formatLocal, formatUtc } from "../../model/time";

/** A time in the browser's zone; the UTC instant on hover. */
export function Time({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span className="muted">—</span>;
  return (
    <time dateTime={iso} title={formatUtc(iso)}>
      {formatLocal(iso)}
    </time>
  );
}
