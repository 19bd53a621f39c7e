import { ApiObject } from 'cdk8s';

/** A reference to any namespaced object, as Flux's `dependsOn`/`sourceRef`/`healthChecks` spell it. */
export interface ObjectRef {
  readonly apiVersion?: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

/** Flux's duration format (`metav1.Duration` as the CRDs' pattern spells it), e.g. `10m`, `1h30m`. */
export const DURATION = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;

/** A DNS-1123 subdomain (object names). */
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A DNS-1123 label (namespaces). */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function assertDuration(prop: string, value: string | undefined): void {
  if (value !== undefined && !DURATION.test(value)) {
    throw new Error(`${prop}: "${value}" is not a duration (use a Go duration such as 30s, 10m or 1h)`);
  }
}

export function assertName(prop: string, value: string, maxLength = 253): void {
  if (!DNS_SUBDOMAIN.test(value) || value.length > maxLength) {
    throw new Error(
      `${prop}: "${value}" is not a valid object name (lowercase letters, digits, '-' and '.', at most ${maxLength} characters)`,
    );
  }
}

export function assertNamespace(prop: string, value: string | undefined): void {
  if (value !== undefined && (!DNS_LABEL.test(value) || value.length > 63)) {
    throw new Error(`${prop}: "${value}" is not a valid namespace (a DNS label: lowercase letters, digits and '-', at most 63 characters)`);
  }
}

/** The `{apiVersion, kind, name, namespace}` reference of a synthesized object. */
export function refOf(obj: ApiObject): ObjectRef {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.name,
    namespace: obj.metadata.namespace,
  };
}

/** True when the string contains a Flux post-build variable (`${var}`), escaped `$${var}` excluded. */
export function usesVariables(text: string): boolean {
  return /(^|[^$])\$\{[A-Za-z_][A-Za-z0-9_]*/.test(text);
}
