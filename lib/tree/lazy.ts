import { Lazy } from 'cdk8s';

/**
 * A value computed at synth time (`Lazy.any`), typed as the generated L1 field it fills, so that
 * what `produce` returns is checked against the imported CRD types (instead of `Lazy.any(…) as any`).
 * `undefined` leaves the field out.
 */
export function lazyValue<T>(produce: () => T | undefined): T {
  return Lazy.any({ produce }) as unknown as T;
}
