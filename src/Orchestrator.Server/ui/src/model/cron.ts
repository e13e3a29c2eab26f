import cronstrue from "cronstrue";

export interface ScheduleLike {
  cron: string;
  timezone?: string | null;
}

const macros: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

/** A cron in words, with its zone: "every hour at :00, UTC". Falls back to the raw cron when it cannot be read. */
export function scheduleSentence(schedule: ScheduleLike | null | undefined): string {
  if (!schedule) return "manual only";
  const zone = schedule.timezone || "UTC";
  const cron = macros[schedule.cron.trim().toLowerCase()] ?? schedule.cron.trim();
  const fields = cron.split(/\s+/);
  if (fields.length === 5 && fields[1] === "*" && /^\d+$/.test(fields[0] ?? "") && fields.slice(2).every((f) => f === "*")) {
    return `every hour at :${fields[0]!.padStart(2, "0")}, ${zone}`;
  }
  try {
    const text = cronstrue.toString(cron, { use24HourTimeFormat: true, verbose: false, throwExceptionOnParseError: true });
    return `${text.charAt(0).toLowerCase()}${text.slice(1)}, ${zone}`;
  } catch {
    return `${schedule.cron}, ${zone}`;
  }
}
