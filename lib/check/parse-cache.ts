import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseYamlDocs, ParseResult } from './tree';

/** Texts below this size are parsed every time (the cache costs more than it saves). */
const MIN_SIZE = 16 * 1024;

/**
 * `parseYamlDocs` for big, rarely changing texts (CRD files): the parsed documents are kept as
 * JSON in a content-addressed cache (`$MGMT_CACHE_DIR`, default `<tmp>/mgmt-synth-cache`), so a
 * CRD is parsed by the yaml library once per machine, not once per check. Keyed by the text's
 * SHA-256, so a hit is the same result; any cache error just parses.
 */
export function parseYamlDocsCached(text: string): ParseResult {
  if (text.length < MIN_SIZE) return parseYamlDocs(text);
  const dir = process.env.MGMT_CACHE_DIR || path.join(os.tmpdir(), 'mgmt-synth-cache');
  const file = path.join(dir, `yaml-${createHash('sha256').update(text).digest('hex')}.json`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as ParseResult;
  } catch {
    // not cached yet
  }
  const result = parseYamlDocs(text);
  if (result.errors.length === 0) {
    try {
      fs.mkdirSync(dir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(result));
      fs.renameSync(tmp, file);
    } catch {
      // a read-only temp folder only costs the cache
    }
  }
  return result;
}
