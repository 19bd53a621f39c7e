import { containsAgeIdentity, containsEncodedAgeIdentity, credentialUrls, objectProblems, plaintextSecretProblems, sopsStructureProblems } from '../sops/guard';
import { TreeModel, isSopsEncrypted } from './model';
import { baseName, displayId, isObject, isYamlFile, str } from './tree';
import { Finding } from './types';

/**
 * Secrets guards over every file of the tree (also files no Kustomization applies: everything
 * in the repository is readable by everyone who can clone it).
 *
 * - No age identity (`AGE-SECRET-KEY-1…`, `AGE-PLUGIN-…-1`) anywhere.
 * - Every `kind: Secret` document with values is SOPS-encrypted, and every value is `ENC[…]`.
 * - `*.sops.yaml` files carry a `sops:` block.
 * - A stage that applies an encrypted document decrypts (`spec.decryption.provider: sops`).
 *
 * The value checks are the synthesizer's own guards (lib/sops/guard), applied to the files.
 */

/** True when `text` contains an age private key (the synthesizer's own guard). */
export { containsAgeIdentity };

export function secretsRule(model: TreeModel): Finding[] {
  const out: Finding[] = [];
  for (const [file, text] of model.files) {
    if (containsEncodedAgeIdentity(text)) {
      out.push({
        rule: 'secrets',
        file,
        object: '',
        message: `${file} contains an age identity (AGE-SECRET-KEY-…): a private key is committed`,
        fix: 'delete the file from the tree and from Git history, rotate the key (new identity, re-encrypt every Secret to the new recipient), and keep identities outside the repository',
      });
    }
    const urls = credentialUrls(text);
    if (urls.length) {
      out.push({
        rule: 'secrets',
        file,
        object: '',
        message: `${file} holds a URL with credentials (${[...new Set(urls)].join(', ')})`,
        fix: 'remove the credentials from the URL and rotate them; reference a SOPS-encrypted Secret (secretRef) instead',
      });
    }
    if (!isYamlFile(file)) continue;
    const parsed = model.parsed.get(file);
    if (!parsed) continue;
    const isSopsFile = file.endsWith('.sops.yaml') && baseName(file) !== '.sops.yaml';
    if (isSopsFile && parsed.errors.length === 0 && !parsed.docs.some((d) => isObject(d.value) && isSopsEncrypted(d.value))) {
      out.push({
        rule: 'secrets',
        file,
        object: '',
        message: `${file} is named *.sops.yaml but has no sops block: it is not encrypted`,
        fix: `encrypt it (npm run secrets) or rename it; never commit the plaintext`,
      });
    }
    for (const doc of parsed.docs) {
      // The synthesizer's guard on what a reader cannot see at the top level: SOPS structure, List items.
      const structure = isObject(doc.value) && doc.value.sops !== undefined ? sopsStructureProblems(doc.value, file, { dataChecked: true }) : [];
      const listed = isObject(doc.value) && Array.isArray(doc.value.items) ? doc.value.items.filter(isObject).flatMap((item) => objectProblems(item, `${file} (List item)`)) : [];
      for (const message of [...structure, ...listed]) {
        out.push({ rule: 'secrets', file, object: '', message, fix: 'encrypt every value with `npm run secrets` (SOPS + age); never commit plaintext or hand-edited SOPS files' });
      }
      if (!isObject(doc.value) || doc.value.kind !== 'Secret' || str(doc.value.apiVersion) !== 'v1') continue;
      const problems = plaintextSecretProblems(doc.value);
      if (problems.length === 0) continue;
      const m = isObject(doc.value.metadata) ? doc.value.metadata : {};
      out.push({
        rule: 'secrets',
        file,
        object: displayId('Secret', str(m.namespace), str(m.name) ?? '?'),
        message: problems.join('; '),
        fix: 'put the Secret under secrets/ and encrypt it with `npm run secrets` (SOPS + age), or reference an existing Secret instead of committing values',
      });
    }
  }
  for (const stage of model.stages.values()) {
    const spec = isObject(stage.object.obj.spec) ? stage.object.obj.spec : {};
    const decrypts = isObject(spec.decryption) && spec.decryption.provider === 'sops';
    if (decrypts) continue;
    const encrypted = stage.objects.filter((o) => isSopsEncrypted(o.obj));
    for (const o of encrypted) {
      out.push({
        rule: 'secrets',
        file: o.file,
        object: o.display,
        message: `stage ${stage.id} applies this SOPS-encrypted object but does not decrypt (no spec.decryption.provider: sops); Flux would apply ciphertext and fail`,
        fix: `set spec.decryption: {provider: sops, secretRef: {name: <age key Secret>}} on Kustomization ${stage.id}`,
      });
    }
  }
  return out;
}
