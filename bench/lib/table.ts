/**
 * Plain-text tables for console reports.
 */

/** One column: header text, alignment, and how to render a row's cell. */
export interface Column<Row> {
  header: string;
  align?: 'left' | 'right';
  value: (row: Row) => string;
}

/**
 * Renders rows as an aligned text table with a header and a separator line. Numbers are
 * right-aligned by default because that is how magnitudes are compared at a glance.
 */
export function formatTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const cells = rows.map((row) => columns.map((c) => c.value(row)));
  const widths = columns.map((c, i) =>
    Math.max(c.header.length, ...cells.map((r) => (r[i] ?? '').length)),
  );
  const pad = (text: string, i: number): string => {
    const width = widths[i] ?? text.length;
    return columns[i]?.align === 'left' ? text.padEnd(width) : text.padStart(width);
  };
  const lines = [
    columns.map((c, i) => pad(c.header, i)).join('  '),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.map((r) => r.map((text, i) => pad(text, i)).join('  ')),
  ];
  return lines.join('\n');
}

/** Formats a number with fixed decimals, or `n/a` when it is missing or not finite. */
export function fmt(value: number | undefined, decimals = 0): string {
  return value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(decimals);
}

/** Formats a ratio (0.953) as a percentage (`95.3%`), or `n/a`. */
export function fmtPercent(ratio: number | undefined, decimals = 1): string {
  return ratio === undefined || !Number.isFinite(ratio)
    ? 'n/a'
    : `${(ratio * 100).toFixed(decimals)}%`;
}

/** Like {@link fmt} with a unit suffix (`12.5 MB`), but a bare `n/a` when the value is missing. */
export function fmtUnit(value: number | undefined, decimals: number, unit: string): string {
  const text = fmt(value, decimals);
  return text === 'n/a' ? text : `${text}${unit}`;
}
