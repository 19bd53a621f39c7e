/**
 * A user's own `main.ts`: the platform of platform.yaml plus a stage of the user's own (a
 * HelmRepository and a HelmRelease of podinfo, installed after cert-manager). Everything added in
 * `extend` goes through the same guards as the built-in tree (plaintext Secrets and age identities
 * refused, duplicate objects refused) and shows up in ROLLOUT.md.
 *
 *   node scripts/run.js examples/extend/main.ts [--config platform.yaml] [--output dist]
 */
import { HelmRelease, HelmRepository, k8s, loadConfig, ManagementRepository, Stage, synthesize, writeTree } from 'mgmt-cluster-synth';

/** The user's construct: one stage with podinfo's namespace, chart source and release. */
export function addPodinfo(repo: ManagementRepository): Stage {
  const stage = new Stage(repo.root, 'Podinfo', {
    name: 'podinfo',
    path: 'apps/podinfo',
    source: repo.rootSource,
    // the Kommander tree's stages are public (by name): wait for the Root CA (cert-manager serving)
    dependsOn: repo.kommander ? [repo.kommander.stages['kommander-root-ca']] : [],
    description: 'podinfo (added by examples/extend/main.ts)',
  });
  new k8s.KubeNamespace(stage.folder, 'Namespace', { metadata: { name: 'podinfo' } });
  const charts = new HelmRepository(stage.folder, 'Charts', { name: 'podinfo', namespace: 'podinfo', url: 'https://stefanprodan.github.io/podinfo' });
  new HelmRelease(stage.folder, 'Release', {
    name: 'podinfo',
    namespace: 'podinfo',
    chart: 'podinfo',
    version: '6.7.1',
    source: charts,
    values: { replicaCount: 2, ingress: { enabled: true, className: 'kommander-traefik' } },
  });
  return stage;
}

/** Synthesizes the config with the extra stage into `outdir`; returns the number of files. */
export function main(configFile: string, outdir: string): number {
  const files = synthesize(loadConfig(configFile), { extend: (repo) => void addPodinfo(repo) });
  writeTree(files, outdir);
  return files.length;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const flag = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const outdir = flag('--output') ?? 'dist-extended';
  process.stdout.write(`synthesized ${main(flag('--config') ?? process.env.PLATFORM_CONFIG ?? 'platform.yaml', outdir)} files into ${outdir}\n`);
}
