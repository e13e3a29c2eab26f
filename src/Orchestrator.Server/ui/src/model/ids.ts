/**
 * A run id short enough for a table: its last 8 hex digits. Run ids are UUIDv7, whose first digits are a
 * timestamp shared by runs created close together; the end is random.
 */
export function shortRunId(id: string): string {
  return id.replaceAll("-", "").slice(-8);
}
