import { useMemo, useState } from "react";
import type { Schemas } from "../api/client";

export type Activity = Schemas["ActivityDto"];
export const activityMime = "application/x-orchestrator-activity";

/**
 * The activity catalog grouped by category, searchable, each entry with its description. Drag an entry onto the
 * canvas to add a task, or press Enter / click "Add" (keyboard path: the task lands in the middle of the view).
 */
export function Palette({ activities, onPick, label = "Activities", autoFocus }: { activities: readonly Activity[]; onPick(type: string): void; label?: string; autoFocus?: boolean }) {
  const [q, setQ] = useState("");
  const groups = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const shown = activities.filter((a) => !needle || a.type.includes(needle) || a.description.toLowerCase().includes(needle) || a.category.toLowerCase().includes(needle));
    const byCategory = new Map<string, Activity[]>();
    for (const a of shown) byCategory.set(a.category, [...(byCategory.get(a.category) ?? []), a]);
    return [...byCategory.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, [activities, q]);
  return (
    <nav className="palette" aria-label={label}>
      <input type="search" placeholder="Search activities" aria-label="Search activities" value={q} onChange={(e) => setQ(e.target.value)} autoFocus={autoFocus}
        onKeyDown={(e) => {
          const first = groups[0]?.[1][0];
          if (e.key === "Enter" && first) onPick(first.type);
        }} />
      {groups.map(([category, list]) => (
        <section key={category} aria-label={category}>
          <h3>{category}</h3>
          <ul>
            {list.map((a) => (
              <li
                key={a.type}
                draggable
                onDragStart={(e) => {
                  e.dataTransfer.setData(activityMime, a.type);
                  e.dataTransfer.effectAllowed = "copy";
                }}
                title={a.description}
                data-activity={a.type}
              >
                <button type="button" className="palette-entry" onClick={() => onPick(a.type)} aria-label={`Add ${a.type}`}>
                  <code>{a.type}</code>
                  <small>{a.description}</small>
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
      {groups.length === 0 && <p className="muted">No activity matches.</p>}
    </nav>
  );
}
