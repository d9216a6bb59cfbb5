/** How the admin CLI prints: an aligned table for people, JSON (--json) for scripts. */
export type Row = Record<string, string | number | boolean | undefined | null>;

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const visible = (text: string) => text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export function formatTable(rows: Row[], columns: string[]): string {
  if (rows.length === 0) return '(none)';
  // Values may come from outside (a client id, an app's name): control characters are shown as
  // escapes, so nothing can move the cursor, clear the screen or print a fake row in a terminal.
  const cell = (value: Row[string]) => (value === undefined || value === null ? '-' : visible(String(value)));
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => cell(row[column]).length)));
  const line = (values: string[]) => values.map((value, i) => value.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...rows.map((row) => line(columns.map((column) => cell(row[column]))))].join('\n');
}
