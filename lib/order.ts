/**
 * Locale-free ordering. Everything the synthesizer sorts into its output is ordered by UTF-16 code
 * units (what `<` on strings does), never by `localeCompare` or `Intl.Collator`: those follow the
 * locale of the machine (LANG / LC_ALL), so the same config would give a different tree under
 * Czech, Danish, Hawaiian or Lithuanian collation.
 */

/** Orders two strings by UTF-16 code units: negative, zero or positive, like a comparator must. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A comparator that orders items by a string key, in code-unit order. */
export function byKey<T>(key: (item: T) => string): (a: T, b: T) => number {
  return (a, b) => compareCodeUnits(key(a), key(b));
}
