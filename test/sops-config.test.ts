import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { addConfigRecipient, readSopsSettings, resolveConfigPath, setConfigRecipients } from '../lib/sops/config';

const R1 = 'age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29';
const R2 = 'age1henwn645drkd3fa34t27t2w2x0nsgw3w4h62gmg5x5xflyjpy38s5cncph';

let tmp: string;
let config: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sops-config-'));
  config = path.join(tmp, 'platform.yaml');
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('resolveConfigPath', () => {
  it('prefers --config, then $PLATFORM_CONFIG, then ./platform.yaml', () => {
    // GIVEN each source
    // WHEN resolved
    // THEN the precedence holds and paths are absolute
    expect(resolveConfigPath({ config: 'a.yaml', env: { PLATFORM_CONFIG: 'b.yaml' }, cwd: '/w' })).toBe('/w/a.yaml');
    expect(resolveConfigPath({ env: { PLATFORM_CONFIG: 'b.yaml' }, cwd: '/w' })).toBe('/w/b.yaml');
    expect(resolveConfigPath({ env: {}, cwd: '/w' })).toBe('/w/platform.yaml');
  });
});

describe('readSopsSettings', () => {
  it('applies the defaults and derives paths from the config directory', () => {
    // GIVEN a config without a sops section
    fs.writeFileSync(config, 'clusterName: demo\n');
    // WHEN read
    // THEN recipients are empty and names default
    expect(readSopsSettings(config)).toEqual({
      configPath: config,
      baseDir: tmp,
      recipients: [],
      secretName: 'sops-age',
      secretKey: 'age.agekey',
      secretsDir: path.join(tmp, 'secrets'),
      identityFile: path.join(tmp, '.age', 'age.agekey'),
    });
  });

  it('reads recipients and names', () => {
    // GIVEN a full sops section
    fs.writeFileSync(config, `sops:\n  ageRecipients:\n    - ${R1}\n  secretName: my-age\n  secretKey: k.agekey\n`);
    // WHEN read
    const s = readSopsSettings(config);
    // THEN the values are used
    expect(s.recipients).toEqual([R1]);
    expect(s.secretName).toBe('my-age');
    expect(s.secretKey).toBe('k.agekey');
  });

  it('fails on a missing file and on malformed values', () => {
    // GIVEN a missing file and bad sops sections
    // WHEN read
    // THEN each fails naming the file and the fix
    expect(() => readSopsSettings(config)).toThrow(`${config}: config file not found; create it, pass --config <file>, or set PLATFORM_CONFIG`);
    fs.writeFileSync(config, 'sops:\n  ageRecipients: age1x\n');
    expect(() => readSopsSettings(config)).toThrow(`${config}: sops.ageRecipients must be a list of age1… strings`);
    fs.writeFileSync(config, 'sops: [a]\n');
    expect(() => readSopsSettings(config)).toThrow(`${config}: "sops" must be a mapping`);
    fs.writeFileSync(config, 'sops:\n  secretName: 3\n');
    expect(() => readSopsSettings(config)).toThrow(`${config}: sops.secretName must be a non-empty string`);
  });
});

describe('updating recipients', () => {
  it('appends to an existing list keeping comments and order', () => {
    // GIVEN a commented config with an empty flow list
    fs.writeFileSync(config, '# Platform\nclusterName: demo # name\nsops:\n  # who can decrypt\n  ageRecipients: []\n  secretName: sops-age\ngit:\n  branch: main\n');
    // WHEN two recipients are added (the second twice)
    expect(addConfigRecipient(config, R1)).toBe(true);
    expect(addConfigRecipient(config, R2)).toBe(true);
    expect(addConfigRecipient(config, R2)).toBe(false);
    // THEN comments and key order survive and the list is in block style
    expect(fs.readFileSync(config, 'utf8')).toBe(
      `# Platform\nclusterName: demo # name\nsops:\n  # who can decrypt\n  ageRecipients:\n    - ${R1}\n    - ${R2}\n  secretName: sops-age\ngit:\n  branch: main\n`,
    );
  });

  it('creates the sops section or the list when missing', () => {
    // GIVEN configs without sops, and with sops but no list
    fs.writeFileSync(config, 'clusterName: demo\n');
    addConfigRecipient(config, R1);
    const other = path.join(tmp, 'other.yaml');
    fs.writeFileSync(other, 'sops:\n  secretName: x\n');
    addConfigRecipient(other, R2);
    // WHEN read back
    // THEN the recipients are there
    expect(fs.readFileSync(config, 'utf8')).toBe(`clusterName: demo\nsops:\n  ageRecipients:\n    - ${R1}\n`);
    expect(readSopsSettings(other).recipients).toEqual([R2]);
  });

  it('replaces the list, keeping the comment of a recipient that stays', () => {
    // GIVEN two recipients, one commented
    fs.writeFileSync(config, `sops:\n  ageRecipients:\n    - ${R1} # flux\n    - ${R2}\n`);
    // WHEN the second is removed, and the same list set again
    expect(setConfigRecipients(config, [R1])).toBe(true);
    expect(setConfigRecipients(config, [R1])).toBe(false);
    // THEN the kept entry keeps its comment
    expect(fs.readFileSync(config, 'utf8')).toBe(`sops:\n  ageRecipients:\n    - ${R1} # flux\n`);
  });
});
