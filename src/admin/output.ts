/** How the admin CLI prints: an aligned table for people, JSON (--json) for scripts. */
export type Row = Record<string, string | number | boolean | undefined | null>;

export function formatTable(rows: Row[], columns: string[]): string {
  if (rows.length === 0) return '(none)';
  const cell = (value: Row[string]) => (value === undefined || value === null ? '-' : String(value));
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => cell(row[column]).length)));
  const line = (values: string[]) => values.map((value, i) => value.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...rows.map((row) => line(columns.map((column) => cell(row[column]))))].join('\n');
}
