/** Orders valid names by edit distance to what the user typed, so the likely one comes first. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

export function closestFirst(typed: string, names: readonly string[]): string[] {
  return [...names].sort((x, y) => editDistance(typed, x) - editDistance(typed, y) || x.localeCompare(y));
}
