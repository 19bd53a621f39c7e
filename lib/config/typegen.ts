/**
 * Generates `lib/config/types.ts` (the typed, defaulted `PlatformConfig`) from the declarative
 * schema, so that the types are not a second definition of the config: `npm run docs` writes
 * the file, and `test/config-types.test.ts` fails when it is not what the schema gives.
 *
 * A key is optional in the type when the validated config may lack it: no static default, not
 * required, or a default documented as "none" in some case (`defaultDoc`).
 */
import { CONFIG_SCHEMA, ObjectSchema, Schema } from './schema';

/** Names of the generated interfaces and aliases, by schema path (`[]` an item, `*` a map value). */
const NAMES: { readonly [path: string]: string } = {
  '': 'PlatformConfig',
  git: 'GitConfig',
  flux: 'FluxConfig',
  'flux.mode': 'FluxMode',
  sops: 'SopsConfig',
  acme: 'AcmeConfig',
  ingressCertificate: 'IngressCertificateConfig',
  airgapped: 'AirgappedConfig',
  gitea: 'GiteaConfig',
  'apps.*': 'AppConfig',
  catalog: 'CatalogConfig',
  'catalog.repositories[]': 'CatalogRepositoryConfig',
  'helmRepositories[]': 'HelmRepositoryConfig',
  kommander: 'KommanderConfig',
  check: 'CheckConfig',
};

/** Keys whose type is not derived (validated elsewhere), with the type and a note. */
const OPAQUE: { readonly [path: string]: { readonly type: string; readonly note: string } } = {
  gardener: {
    type: 'unknown',
    note: 'Validated by `lib/gardener/schema.ts`; read it typed with `gardenerSection(config)` (lib/gardener/config.ts).',
  },
};

/** Keys of the schema that are not part of the validated config. */
const SKIP = new Set(['$schema']);

const HEADER = `/**
 * The typed platform configuration (\`platform.yaml\`), after defaults are applied.
 *
 * GENERATED from the schema (\`lib/config/schema.ts\`) by \`npm run docs\` (lib/config/typegen.ts);
 * do not edit: change the schema and regenerate. \`test/config-types.test.ts\` fails when this file
 * is stale. The loader (\`loadConfig\`) validates the raw YAML, reports every problem at once with
 * its path, and returns this fully defaulted, read-only structure.
 */
`;

function pascal(path: string): string {
  return path
    .replace(/\[\]|\.\*/g, ' item')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
}

function docDefault(schema: Schema): string | undefined {
  if (schema.defaultDoc !== undefined) return schema.defaultDoc;
  if (schema.default === undefined) return undefined;
  if (typeof schema.default === 'string') return schema.default;
  return JSON.stringify(schema.default);
}

function isOptional(schema: Schema): boolean {
  if (schema.required) return false;
  if (schema.kind === 'object' && !schema.optional) return false;
  // an absent map is filled with {} by the validator
  if (schema.kind === 'map') return false;
  if (schema.computeDefault) return /\bnone\b/.test(schema.defaultDoc ?? '');
  if (schema.default !== undefined) return false;
  return true;
}

function comment(lines: readonly string[], indent: string): string {
  const text = lines.filter(Boolean).join('\n');
  if (!text.includes('\n') && text.length + indent.length < 96) return `${indent}/** ${text} */\n`;
  return `${indent}/**\n${text
    .split('\n')
    .map((l) => `${indent} *${l ? ` ${l}` : ''}`)
    .join('\n')}\n${indent} */\n`;
}

function escapeDoc(s: string): string {
  return s.replace(/\*\//g, '*\\/');
}

class Generator {
  private readonly decls: string[] = [];
  private readonly done = new Set<string>();

  public run(): string {
    this.object(CONFIG_SCHEMA, '');
    return `${HEADER}\n/** Helm values: a free-form map. */\nexport type HelmValues = { readonly [key: string]: unknown };\n\n${this.decls.join('\n')}`;
  }

  private typeOf(schema: Schema, path: string): string {
    const opaque = OPAQUE[path];
    if (opaque) return opaque.type;
    switch (schema.kind) {
      case 'string': {
        if (!schema.enum) return 'string';
        const union = schema.enum.map((v) => `'${v}'`).join(' | ');
        const name = NAMES[path];
        if (!name) return union;
        if (!this.done.has(name)) {
          this.done.add(name);
          this.decls.push(`${comment([escapeDoc(schema.description)], '')}export type ${name} = ${union};\n`);
        }
        return name;
      }
      case 'boolean':
        return 'boolean';
      case 'open':
        return 'HelmValues';
      case 'array': {
        const item = this.typeOf(schema.items, `${path}[]`);
        return item.includes(' ') ? `readonly (${item})[]` : `readonly ${item}[]`;
      }
      case 'map':
        return `{ readonly [${schema.keyName.replace(/[<>]/g, '') || 'key'}: string]: ${this.typeOf(schema.values, `${path}.*`)} }`;
      case 'object':
        return this.object(schema, path);
    }
  }

  private object(schema: ObjectSchema, path: string): string {
    const name = NAMES[path] ?? `${pascal(path)}Config`;
    if (this.done.has(name)) return name;
    this.done.add(name);
    const fields: string[] = [];
    if (path === '') {
      fields.push(
        comment(
          [
            'Absolute path of the directory holding the config file. Paths in the config',
            '(`flux.installManifest`, `applicationDefinitions`) are kept as the user wrote them;',
            'consumers resolve them with `path.resolve(baseDir, p)`.',
          ],
          '  ',
        ) + '  readonly baseDir: string;\n',
      );
    }
    for (const [key, sub] of Object.entries(schema.properties)) {
      if (SKIP.has(key)) continue;
      const subPath = path ? `${path}.${key}` : key;
      const type = this.typeOf(sub, subPath);
      const def = docDefault(sub);
      const opaque = OPAQUE[subPath];
      const doc = [escapeDoc(opaque ? `${sub.description} ${opaque.note}` : sub.description), def !== undefined ? `@default ${escapeDoc(def)}` : isOptional(sub) ? '@default - none' : ''];
      fields.push(`${comment(doc, '  ')}  readonly ${/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : `'${key}'`}${isOptional(sub) ? '?' : ''}: ${type};\n`);
    }
    this.decls.push(`${comment([escapeDoc(schema.description)], '')}export interface ${name} {\n${fields.join('')}}\n`);
    return name;
  }
}

/** The text of `lib/config/types.ts` for the current schema. */
export function configTypesSource(): string {
  return new Generator().run();
}
