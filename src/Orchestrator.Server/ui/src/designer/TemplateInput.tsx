import { useId, useMemo, useRef, useState } from "react";
import { openExpression } from "./schemaFields";

/**
 * A text input that also takes Liquid templates: inside "{{ " it offers the template variables (params, run,
 * workflow, vars, upstream outputs, trigger); ↑/↓ choose, Enter or Tab completes, Escape closes the list.
 */
export function TemplateInput({
  id, value, onChange, suggestions, multiline, label, required,
}: {
  id: string; value: string; onChange(value: string): void; suggestions: readonly string[]; multiline?: boolean; label: string; required?: boolean;
}) {
  const ref = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const [cursor, setCursor] = useState<number | null>(null);
  const [active, setActive] = useState(0);
  const listId = useId();
  const open = cursor == null ? null : openExpression(value, cursor);
  const matches = useMemo(() => (open ? suggestions.filter((s) => s.startsWith(open.prefix) && s !== open.prefix).slice(0, 12) : []), [open, suggestions]);

  const complete = (choice: string) => {
    if (!open || cursor == null) return;
    const after = value.slice(cursor);
    const closing = after.trimStart().startsWith("}}") ? "" : " }}";
    const next = value.slice(0, open.start) + choice + closing + after;
    onChange(next);
    const position = open.start + choice.length + closing.length;
    requestAnimationFrame(() => ref.current?.setSelectionRange(position, position));
    setCursor(null);
  };

  const props = {
    id,
    ref,
    value,
    required,
    "aria-label": label,
    "aria-autocomplete": "list" as const,
    "aria-controls": matches.length ? listId : undefined,
    "aria-expanded": matches.length > 0,
    spellCheck: false,
    onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => {
      onChange(e.target.value);
      setCursor(e.target.selectionStart);
      setActive(0);
    },
    onSelect: (e: React.SyntheticEvent<HTMLInputElement | HTMLTextAreaElement>) => setCursor(e.currentTarget.selectionStart),
    onBlur: () => setTimeout(() => setCursor(null), 150),
    onKeyDown: (e: React.KeyboardEvent) => {
      if (!matches.length) return;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        setActive((a) => (a + (e.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length);
      } else if (e.key === "Enter" || e.key === "Tab") {
        e.preventDefault();
        complete(matches[active]!);
      } else if (e.key === "Escape") {
        e.stopPropagation();
        setCursor(null);
      }
    },
  };
  return (
    <div className="template-input">
      {multiline ? <textarea rows={3} {...props} /> : <input type="text" {...props} />}
      {matches.length > 0 && (
        <ul id={listId} role="listbox" aria-label="Template variables" className="suggestions">
          {matches.map((m, i) => (
            <li key={m} role="option" aria-selected={i === active} onMouseDown={(e) => { e.preventDefault(); complete(m); }}>
              {m}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
