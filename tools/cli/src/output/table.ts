/** Cells are one line each: line breaks and tabs in values (response bodies) would break the columns. */
function oneLine(value: string): string {
  return value.replace(/\r?\n/g, '\\n').replace(/[\t\r]/g, ' ');
}

const cell = (value: string) => (value === '' ? '-' : oneLine(value));

/** Aligned columns for people: a header row, two spaces between columns, `-` for an empty cell. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [headers, ...rows.map((row) => row.map(cell))];
  const widths = headers.map((_, i) => Math.max(...lines.map((line) => (line[i] ?? '').length)));
  return lines
    .map((line) =>
      line
        .map((value, i) => value.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** One `label  value` line per field, labels aligned: the view of a single callback or delivery. */
export function fields(pairs: readonly (readonly [label: string, value: string])[]): string {
  const width = Math.max(...pairs.map(([label]) => label.length));
  return pairs.map(([label, value]) => `${label.padEnd(width)}  ${cell(value)}`).join('\n');
}
