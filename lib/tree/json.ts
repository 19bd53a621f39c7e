import { ApiObject } from 'cdk8s';

let cache: WeakMap<ApiObject, any> | undefined;

/**
 * `obj.toJson()`, computed once per object while a render is in progress (see `withJsonCache`).
 * Stages look at their folder's objects while the root folder is rendered (to decide whether they
 * substitute variables); without the cache every such object would be resolved twice.
 */
export function jsonOf(obj: ApiObject): any {
  if (!cache) return obj.toJson();
  let json = cache.get(obj);
  if (json === undefined) {
    json = obj.toJson();
    cache.set(obj, json);
  }
  return json;
}

/** Runs `fn` with `jsonOf` memoized: only valid while the construct tree no longer changes. */
export function withJsonCache<T>(fn: () => T): T {
  const outer = cache;
  cache = outer ?? new WeakMap();
  try {
    return fn();
  } finally {
    cache = outer;
  }
}
