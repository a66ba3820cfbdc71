/**
 * Rendering for people: aligned tables for lists, label/value blocks for single records, and
 * the small formatters they share (local times, durations, lists). `--json` bypasses all of
 * this, so nothing here has to be machine-parseable — it has to be readable at a glance.
 */

/** One column of a table. */
export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** Right-align (numbers). */
  align?: 'left' | 'right';
}

/** Longest cell before it is cut with an ellipsis, so one long value cannot wreck a table. */
export const MAX_CELL = 48;

/** Placeholder for an absent value: an empty cell would shift the eye to the next column. */
export const NONE = '-';

/** Cuts `text` to `max` characters, marking the cut. Newlines become spaces (one row each). */
export function clip(text: string, max = MAX_CELL): string {
  const flat = text.replace(/\s*\n\s*/g, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, Math.max(0, max - 1))}…`;
}

/**
 * Renders rows as an aligned table with an upper-case header row, columns two spaces apart,
 * no trailing spaces; one line per row, each ending in a newline. No rows: the header only.
 */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((c) => clip(c.value(row))));
  const headers = columns.map((c) => c.header.toUpperCase());
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]): string =>
    values
      .map((v, i) => {
        const last = i === values.length - 1;
        if (columns[i]!.align === 'right') return v.padStart(widths[i]!);
        return last ? v : v.padEnd(widths[i]!);
      })
      .join('  ')
      .trimEnd() + '\n';
  return [headers, ...cells].map(line).join('');
}

/**
 * Renders label/value pairs, labels aligned: the view of one record. Pairs whose value is
 * undefined are left out (an absent optional field says nothing worth a line).
 */
export function renderRecord(pairs: ReadonlyArray<readonly [string, string | undefined]>): string {
  const shown = pairs.filter((p): p is readonly [string, string] => p[1] !== undefined);
  const width = Math.max(0, ...shown.map(([label]) => label.length + 1));
  return shown.map(([label, value]) => `${`${label}:`.padEnd(width)}  ${value}\n`).join('');
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/**
 * An ISO timestamp in the machine's local time, `YYYY-MM-DD HH:MM:SS`: sortable, unambiguous
 * and short. Absent → `-`; unparsable → the text as it came (never hide what the server said).
 */
export function formatTime(iso: string | undefined): string {
  if (iso === undefined || iso === '') return NONE;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return (
    `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`
  );
}

/** Seconds as `1:05:09` / `5:09` / `0:42`, the way call durations are read. */
export function formatSeconds(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = pad2(s % 60);
  return h > 0 ? `${h}:${pad2(m)}:${rest}` : `${m}:${rest}`;
}

/** The time between two ISO stamps; `-` when the start is missing, up to `now` when the end is. */
export function formatDuration(
  from: string | undefined,
  to: string | undefined,
  now: Date = new Date(),
): string {
  if (from === undefined) return NONE;
  const start = Date.parse(from);
  const end = to === undefined ? now.getTime() : Date.parse(to);
  if (Number.isNaN(start) || Number.isNaN(end)) return NONE;
  return formatSeconds((end - start) / 1000);
}

/** A list as `a, b, c`; `empty` (default `-`) when there is nothing. */
export function formatList(items: readonly string[] | undefined, empty = NONE): string {
  return items === undefined || items.length === 0 ? empty : items.join(', ');
}

/** A value or `-`. */
export function orNone(value: string | number | undefined | null): string {
  return value === undefined || value === null || value === '' ? NONE : String(value);
}

/** `yes` / `no` (or `-` when absent). */
export function formatBool(value: boolean | undefined): string {
  return value === undefined ? NONE : value ? 'yes' : 'no';
}

/** A map as `k=v, k2=v2`. */
export function formatMap(map: Record<string, string> | undefined): string {
  const entries = Object.entries(map ?? {});
  return entries.length === 0 ? NONE : entries.map(([k, v]) => `${k}=${v}`).join(', ');
}

/** Any JSON value on one line, for fields the CLI has no special view of. */
export function formatValue(value: unknown): string {
  if (value === undefined || value === null) return NONE;
  if (typeof value === 'string') return value === '' ? NONE : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return formatList(value);
  return JSON.stringify(value);
}

/**
 * A table whose columns are the top-level fields of the items themselves, for answers the CLI
 * has no dedicated view of (and as a safety net when a server adds fields). Fields ending in
 * `At` are shown as times.
 */
export function renderGeneric(items: readonly Record<string, unknown>[]): string {
  const keys: string[] = [];
  for (const item of items) for (const k of Object.keys(item)) if (!keys.includes(k)) keys.push(k);
  return renderTable(
    items,
    keys.map((k) => ({
      header: k.replace(/([a-z])([A-Z])/g, '$1 $2'),
      value: (row: Record<string, unknown>) =>
        /At$/.test(k) && typeof row[k] === 'string'
          ? formatTime(row[k] as string)
          : typeof row[k] === 'number' && /(At|expires)$/i.test(k)
            ? formatTime(new Date(row[k] as number).toISOString())
            : formatValue(row[k]),
      align: items.every((i) => i[k] === undefined || typeof i[k] === 'number') ? 'right' : 'left',
    })),
  );
}
