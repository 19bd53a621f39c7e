/**
 * Locale-free semantic versions (semver.org 2.0.0 precedence; build metadata ignored).
 * App version folders are `<app>/<semver>/` (the release repository's own tooling matches
 * `^v?[0-9]+\.[0-9]+\.[0-9]+$`, e.g. `hack/flux/update-flux.sh` @v2.17.1); a pre-release suffix is
 * accepted too.
 */
const SEMVER = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;
import { compareCodeUnits } from '../../order';

export function isSemver(name: string): boolean {
  return SEMVER.test(name);
}

function cmpNum(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Semver precedence: < 0 when a < b. Non-semver strings sort after semver ones, by code unit. */
export function compareSemver(a: string, b: string): number {
  const ma = SEMVER.exec(a);
  const mb = SEMVER.exec(b);
  if (!ma || !mb) return ma ? -1 : mb ? 1 : compareCodeUnits(a, b);
  for (let i = 1; i <= 3; i++) {
    const c = cmpNum(Number(ma[i]), Number(mb[i]));
    if (c) return c;
  }
  const pa = ma[4];
  const pb = mb[4];
  if (pa === undefined || pb === undefined) {
    if (pa === pb) return compareCodeUnits(a, b);
    return pa === undefined ? 1 : -1;
  }
  const ia = pa.split('.');
  const ib = pb.split('.');
  for (let i = 0; i < Math.max(ia.length, ib.length); i++) {
    if (i >= ia.length) return -1;
    if (i >= ib.length) return 1;
    const na = /^\d+$/.test(ia[i]);
    const nb = /^\d+$/.test(ib[i]);
    const c = na && nb ? cmpNum(Number(ia[i]), Number(ib[i])) : na ? -1 : nb ? 1 : compareCodeUnits(ia[i], ib[i]);
    if (c) return c;
  }
  return compareCodeUnits(a, b);
}

/** Code-unit order (never localeCompare). */
export function byCodeUnit(a: string, b: string): number {
  return compareCodeUnits(a, b);
}
