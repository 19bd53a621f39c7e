import { byCodeUnit } from './semver';

/**
 * Flux post-build substitution (kustomize-controller `postBuild`, drone/envsubst syntax):
 * `${var}` is a variable, `${var:=default}`, `${var:-default}` and `${var=default}` carry a default,
 * `$${var}` is an escape that Flux turns into a literal `${var}`. Variable names are
 * `[_a-zA-Z][_a-zA-Z0-9]*` (kustomize-controller's `varsubRegex`).
 */
const VAR = /\$\{(#?)([_a-zA-Z][_a-zA-Z0-9]*)([^}]*)\}/g;

/** One `${…}` occurrence. */
export interface VarOccurrence {
  readonly name: string;
  /** The default written after `:=`, `:-` or `=`, undefined when there is none. */
  readonly default?: string;
}

/** Every unescaped `${var}` of a text, in order. */
export function scanVariables(text: string): VarOccurrence[] {
  const out: VarOccurrence[] = [];
  VAR.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = VAR.exec(text))) {
    // `$${` is an escape; `$$${` is an escaped `$` followed by a variable.
    let dollars = 0;
    for (let i = m.index - 1; i >= 0 && text[i] === '$'; i--) dollars++;
    if (dollars % 2 === 1) continue;
    const op = /^(:=|:-|=)([\s\S]*)$/.exec(m[3]);
    out.push({ name: m[2], default: m[1] === '' && op ? op[2] : undefined });
  }
  return out;
}

/** A variable the release's substituted YAML uses. */
export interface ReleaseVariable {
  readonly name: string;
  /**
   * True when at least one use in a YAML file has no default: Flux needs a value for it.
   * (Variables used only in non-YAML data files, see `dataFileOnly`, are never required.)
   */
  readonly required: boolean;
  /**
   * True when every use is in a non-YAML file that a kustomization turns into ConfigMap data
   * (the Grafana dashboards' `${DS_PROMETHEUS}`): Flux substitutes those too, but they are the
   * dashboards' own inputs, not release variables. Providing `NAME: "${NAME}"` keeps them literal.
   */
  readonly dataFileOnly: boolean;
  /** Occurrences in substituted files. */
  readonly uses: number;
  /** Occurrences without a default. */
  readonly usesWithoutDefault: number;
  /** Distinct defaults written in the tree, code-unit order. */
  readonly defaults: readonly string[];
  /** Files (relative to the release root) that use it, code-unit order. */
  readonly files: readonly string[];
  /** Consumers: app ids, or the top-level folder (`common/base`, `clusters/…`) for files outside apps. */
  readonly consumers: readonly string[];
}

/** The variable index of a release. */
export interface VariableIndex {
  /** Every variable, by name in code-unit order. */
  readonly variables: readonly ReleaseVariable[];
  /** Names of the variables without a default somewhere (Flux needs a value), code-unit order. */
  readonly required: readonly string[];
  /** The files the index was computed from (substituted by a Flux Kustomization), code-unit order. */
  readonly files: readonly string[];
  /** One variable; undefined when the release does not use it. */
  get(name: string): ReleaseVariable | undefined;
  /** The required names not in `provided`, code-unit order. */
  missing(provided: Iterable<string>): string[];
}

export function buildIndex(perFile: ReadonlyMap<string, { consumer: string; yaml: boolean; vars: readonly VarOccurrence[] }>): VariableIndex {
  const acc = new Map<string, { uses: number; bare: number; yamlBare: number; yamlUses: number; defaults: Set<string>; files: Set<string>; consumers: Set<string> }>();
  for (const [file, { consumer, yaml, vars }] of perFile) {
    for (const v of vars) {
      let a = acc.get(v.name);
      if (!a) acc.set(v.name, (a = { uses: 0, bare: 0, yamlBare: 0, yamlUses: 0, defaults: new Set(), files: new Set(), consumers: new Set() }));
      a.uses++;
      if (yaml) a.yamlUses++;
      if (v.default === undefined) {
        a.bare++;
        if (yaml) a.yamlBare++;
      }
      else a.defaults.add(v.default);
      a.files.add(file);
      a.consumers.add(consumer);
    }
  }
  const variables: ReleaseVariable[] = [...acc.keys()].sort(byCodeUnit).map((name) => {
    const a = acc.get(name)!;
    return Object.freeze({
      name,
      required: a.yamlBare > 0,
      dataFileOnly: a.yamlUses === 0,
      uses: a.uses,
      usesWithoutDefault: a.bare,
      defaults: Object.freeze([...a.defaults].sort(byCodeUnit)),
      files: Object.freeze([...a.files].sort(byCodeUnit)),
      consumers: Object.freeze([...a.consumers].sort(byCodeUnit)),
    });
  });
  const byName = new Map(variables.map((v) => [v.name, v]));
  const required = Object.freeze(variables.filter((v) => v.required).map((v) => v.name));
  return Object.freeze({
    variables: Object.freeze(variables),
    required,
    files: Object.freeze([...perFile.keys()].sort(byCodeUnit)),
    get: (name: string) => byName.get(name),
    missing: (provided: Iterable<string>) => missingVariables(required, provided),
  });
}

/** `required` minus `provided`, code-unit order. */
export function missingVariables(required: Iterable<string>, provided: Iterable<string>): string[] {
  const have = new Set(provided);
  return [...new Set(required)].filter((n) => !have.has(n)).sort(byCodeUnit);
}
