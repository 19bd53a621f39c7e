import { HelmValues } from '../config/types';

/** Deep merge of plain objects; `b` wins. Arrays are replaced, not merged. */
export function mergeValues(a: HelmValues, b: HelmValues): HelmValues {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      prev && v && typeof prev === 'object' && typeof v === 'object' && !Array.isArray(prev) && !Array.isArray(v)
        ? mergeValues(prev as HelmValues, v as HelmValues)
        : v;
  }
  return out;
}
