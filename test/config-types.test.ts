import * as fs from 'fs';
import * as path from 'path';
import { configTypesSource } from '../lib/config/typegen';

describe('lib/config/types.ts', () => {
  test('is what the schema generates (one definition: run `npm run docs` after changing the schema)', () => {
    // GIVEN the committed types and the generator's output for the current schema
    const committed = fs.readFileSync(path.resolve(__dirname, '../lib/config/types.ts'), 'utf8');
    // THEN they are identical
    expect(committed).toBe(configTypesSource());
  });

  test('marks a key optional exactly when the validated config may lack it', () => {
    const src = configTypesSource();
    // defaults and required keys are always present; optional sections and "none" defaults are not
    expect(src).toContain('readonly branch: string;\n  /**\n   * Secret (namespace `kommander-flux`)');
    expect(src).toContain('readonly acme?: AcmeConfig;');
    expect(src).toContain('readonly apps: { readonly [id: string]: AppConfig };');
    expect(src).toMatch(/export interface CatalogRepositoryConfig \{[^}]*readonly branch\?: string;/);
    expect(src).toContain('readonly mode: FluxMode;');
    expect(src).toContain("export type FluxMode = 'bootstrap' | 'manifest';");
  });
});
