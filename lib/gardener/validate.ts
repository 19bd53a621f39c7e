/**
 * Rules of the `gardener:` section that span keys or need the file system. Called by the config
 * loader after the schema validation (`cfg` is the validated data; invalid leaves are skipped,
 * they are already reported).
 */
import * as fs from 'fs';
import * as path from 'path';
import { ConfigProblem, PathSegment, formatPath, isObj, problemAt, show } from '../config/schema';
import { DNS_PROVIDER_TYPES, GARDEN_NAMESPACE, KNOWN_EXTENSIONS } from './defaults';
import {
  CERT_MANAGEMENT_COMPONENT,
  ComponentVector,
  ComponentVectorError,
  componentChart,
  EXTERNAL_DNS_MANAGEMENT_COMPONENT,
  extensionChartRefs,
  extensionComponent,
  isSupportedKubernetesVersion,
  MODELLED_GARDENER_MINOR,
  resolveComponentVector,
  SUPPORTED_KUBERNETES_MINORS,
} from './vector';

type Obj = Record<string, unknown>;
const problem = problemAt;

/** `./secrets//garden/x.sops.yaml` → `secrets/garden/x.sops.yaml` (POSIX, relative). */
export function normalizeSopsPath(p: string): string {
  return path.posix.normalize(p.split(path.sep).join('/')).replace(/^\.\//, '');
}

/** `secrets/<namespace>/<name>.sops.yaml` → `{namespace, name}`, else undefined. */
export function parseSopsPath(p: string): { namespace: string; name: string } | undefined {
  const m = /^secrets\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)\.sops\.ya?ml$/.exec(normalizeSopsPath(p));
  return m ? { namespace: m[1], name: m[3] } : undefined;
}

function checkCredentials(ref: unknown, at: readonly PathSegment[], namespace: string, baseDir: string, out: ConfigProblem[]): void {
  if (!isObj(ref)) return;
  const hasName = typeof ref.secretName === 'string';
  const hasFile = typeof ref.sopsFile === 'string';
  if (!hasName && !hasFile) {
    out.push(
      problem(at, `names no Secret (set secretName: <an existing Secret in namespace ${namespace}>, or sopsFile: secrets/${namespace}/<name>.sops.yaml written by npm run -s secrets -- set ${namespace}/<name> key=value)`),
    );
    return;
  }
  if (!hasFile || ref.sopsFile === '') return;
  const file = ref.sopsFile as string;
  const parsed = parseSopsPath(file);
  if (!parsed || parsed.namespace !== namespace) {
    out.push(
      problem([...at, 'sopsFile'], `${show(file)} is not a Secret of namespace ${namespace} under secrets/ (expected secrets/${namespace}/<name>.sops.yaml, relative to the config file)`),
    );
    return;
  }
  const abs = path.resolve(baseDir, normalizeSopsPath(file));
  if (!fs.existsSync(abs)) {
    out.push(
      problem([...at, 'sopsFile'], `${show(file)} does not exist (no file at ${abs}; create it with npm run -s secrets -- set ${namespace}/${parsed.name} key=value)`),
    );
  }
}

/** IPv4 CIDR → [first, last] address as numbers. */
export function cidrRange(cidr: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) return undefined;
  const ip = ((Number(m[1]) << 24) >>> 0) + (Number(m[2]) << 16) + (Number(m[3]) << 8) + Number(m[4]);
  const bits = Number(m[5]);
  const size = 2 ** (32 - bits);
  const first = Math.floor(ip / size) * size;
  return [first, first + size - 1];
}

export function cidrsOverlap(a: string, b: string): boolean {
  const ra = cidrRange(a);
  const rb = cidrRange(b);
  return !!ra && !!rb && ra[0] <= rb[1] && rb[0] <= ra[1];
}

/** The resources an extension entry serves (its own list, else the built-in one). */
export function extensionResources(name: string, ext: Obj): { kind: string; type: string }[] {
  if (Array.isArray(ext.resources)) return ext.resources.filter(isObj).map((r) => ({ kind: String(r.kind), type: String(r.type) }));
  return [...(KNOWN_EXTENSIONS[name]?.resources ?? [])];
}

/** Enabled extensions serving `kind`/`type`. */
export function extensionsServing(extensions: Obj, kind: string, type: string): string[] {
  return Object.entries(extensions)
    .filter(([, e]) => isObj(e) && e.enabled !== false)
    .filter(([n, e]) => extensionResources(n, e as Obj).some((r) => r.kind === kind && r.type === type))
    .map(([n]) => n);
}

function knownServing(kind: string, type: string): string | undefined {
  return Object.keys(KNOWN_EXTENSIONS).find((n) => KNOWN_EXTENSIONS[n].resources.some((r) => r.kind === kind && r.type === type));
}

/** Every cross-key problem of `cfg.gardener` (none when the section is absent or disabled). */
export function gardenerCrossChecks(cfg: Obj, baseDir: string): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const g = cfg.gardener;
  if (!isObj(g) || g.enabled === false) return out;
  const at = (...p: PathSegment[]) => ['gardener', ...p];

  // Without the Kommander tree nothing deploys Gitea, so it cannot host the repository.
  const kommander = isObj(cfg.kommander) ? cfg.kommander : {};
  const gitea = isObj(cfg.gitea) ? cfg.gitea : {};
  if (kommander.enabled === false && gitea.enabled === true && gitea.hostsManagementRepository === true) {
    out.push(
      problem(
        ['gitea', 'hostsManagementRepository'],
        'true needs the Kommander tree, which deploys Gitea (with kommander.enabled: false, set gitea.enabled: false and git.url to the management repository)',
      ),
    );
  }

  // Credentials: exactly one source each, SOPS files where the Secret's namespace says.
  const dns = isObj(g.dns) ? g.dns : {};
  checkCredentials(dns.credentials, at('dns', 'credentials'), GARDEN_NAMESPACE, baseDir, out);
  const issuer = isObj(g.issuer) && isObj(g.issuer.acme) ? g.issuer.acme : {};
  const oidc = isObj(g.virtualGarden) && isObj(g.virtualGarden.oidc) ? g.virtualGarden.oidc : undefined;
  if (oidc) checkCredentials(oidc.clientSecret, at('virtualGarden', 'oidc', 'clientSecret'), GARDEN_NAMESPACE, baseDir, out);
  if (isObj(issuer.externalAccountBinding)) {
    checkCredentials(issuer.externalAccountBinding.keySecret, at('issuer', 'acme', 'externalAccountBinding', 'keySecret'), GARDEN_NAMESPACE, baseDir, out);
  }
  const backups = isObj(g.backups) ? g.backups : undefined;
  if (backups) checkCredentials(backups.credentials, at('backups', 'credentials'), GARDEN_NAMESPACE, baseDir, out);

  // Domains.
  const domains = isObj(g.domains) ? g.domains : {};
  if (typeof domains.api === 'string' && domains.api !== '' && !/^api\.[^.]/.test(domains.api)) {
    out.push(
      problem(at('domains', 'api'), `${show(domains.api)} must start with "api." (gardener-operator serves the virtual garden at api.<domain>; e.g. api.${String(domains.base ?? 'garden.example.com')})`),
    );
  }
  const names: [string, unknown][] = [
    ['ingress', domains.ingress],
    ['seedIngress', domains.seedIngress],
    ['api', domains.api],
    ['internal', domains.internal],
    ['shoots', domains.shoots],
  ];
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      if (typeof names[i][1] === 'string' && names[i][1] === names[j][1]) {
        out.push(problem(at('domains', names[j][0]), `${show(names[j][1])} is also gardener.domains.${names[i][0]} (each needs its own DNS name)`));
      }
    }
  }

  // Networks: the base cluster's and the shoots' defaults must not overlap.
  const base = isObj(g.baseCluster) && isObj(g.baseCluster.networks) ? g.baseCluster.networks : {};
  const seed = isObj(g.seed) && isObj(g.seed.shootDefaults) ? g.seed.shootDefaults : {};
  const nets: [PathSegment[], unknown][] = [
    [at('baseCluster', 'networks', 'nodes'), base.nodes],
    [at('baseCluster', 'networks', 'pods'), base.pods],
    [at('baseCluster', 'networks', 'services'), base.services],
    [at('seed', 'shootDefaults', 'pods'), seed.pods],
    [at('seed', 'shootDefaults', 'services'), seed.services],
  ];
  for (let i = 0; i < nets.length; i++) {
    for (let j = i + 1; j < nets.length; j++) {
      const [pa, a] = nets[i];
      const [pb, b] = nets[j];
      if (typeof a === 'string' && typeof b === 'string' && cidrsOverlap(a, b)) {
        out.push(problem(pb, `${show(b)} overlaps ${formatPath(pa)} (${a}); the networks must be disjoint`));
      }
    }
  }

  // The component vector: every version comes from it.
  let vector: ComponentVector | undefined;
  try {
    vector = resolveComponentVector(baseDir, typeof g.componentVector === 'string' && g.componentVector !== '' ? g.componentVector : undefined);
  } catch (e) {
    if (!(e instanceof ComponentVectorError)) throw e;
    out.push(problem(at('componentVector'), e.message));
  }

  // Extensions: each is pinned by the vector; unknown ones declare what they serve.
  const extensions = isObj(g.extensions) ? g.extensions : {};
  for (const [name, ext] of Object.entries(extensions)) {
    if (!isObj(ext)) continue;
    if (!KNOWN_EXTENSIONS[name] && ext.resources === undefined) {
      out.push(
        problem(
          at('extensions', name, 'resources'),
          `is missing (required for an extension that is not built in; built in: ${Object.keys(KNOWN_EXTENSIONS).join(', ')}; e.g. [{kind: Extension, type: ${name}}])`,
        ),
      );
    }
    if (!vector || ext.enabled === false) continue;
    let refs: ReturnType<typeof extensionChartRefs>;
    try {
      refs = extensionChartRefs(vector, name);
    } catch (e) {
      if (!(e instanceof ComponentVectorError)) throw e;
      out.push(problem(at('componentVector'), e.message));
      continue;
    }
    if (!refs) {
      const pinned = vector.components.map((c) => c.name).filter((n) => n.startsWith(extensionComponent(''))).map((n) => n.slice(extensionComponent('').length));
      out.push(
        problem(
          at('extensions', name),
          `is not in the component vector ${vector.source} (no ${extensionComponent(name)}; it pins ${pinned.join(', ') || 'no extension'}): add the component to the vector or remove gardener.extensions.${name}`,
        ),
      );
    } else if (ext.admission === true && !refs.admission) {
      out.push(problem(at('extensions', name, 'admission'), `true, but the component vector pins no admission charts for ${name} (remove it)`));
    }
  }

  // The issuer brings cert-management and external-dns-management: both must be in the vector.
  if (vector && isObj(g.issuer)) {
    const missing = [CERT_MANAGEMENT_COMPONENT, EXTERNAL_DNS_MANAGEMENT_COMPONENT].filter((c) => !componentChart(vector!, c));
    if (missing.length) {
      out.push(
        problem(
          at('issuer'),
          `needs ${missing.join(' and ')} (each with a helmChart resource) in the component vector ${vector.source}, which does not pin ${missing.length > 1 ? 'them' : 'it'}: add ${missing.length > 1 ? 'them' : 'it'} to the vector (- name: <module>, version, resources.<chart>.helmChart.repository), or remove gardener.issuer (the runtime certificates are then self-signed)`,
        ),
      );
    }
  }
  const certService = extensions['shoot-cert-service'];
  if (isObj(certService) && certService.enabled !== false && !isObj(g.issuer) && !(isObj(certService.values) && certService.values.certificateConfig !== undefined)) {
    out.push(
      problem(
        at('extensions', 'shoot-cert-service'),
        'needs a default ACME issuer: set gardener.issuer.acme (used for it too), or gardener.extensions.shoot-cert-service.values.certificateConfig',
      ),
    );
  }

  // Kubernetes versions the modelled Gardener release supports (gardens, seeds and shoots).
  const unsupported = (v: unknown) => typeof v === 'string' && /^v?\d+\.\d+\.\d+$/.test(v) && !isSupportedKubernetesVersion(v);
  const supported = `Gardener ${MODELLED_GARDENER_MINOR} supports Kubernetes ${SUPPORTED_KUBERNETES_MINORS[0]} to ${SUPPORTED_KUBERNETES_MINORS[SUPPORTED_KUBERNETES_MINORS.length - 1]}`;
  const vg = isObj(g.virtualGarden) ? g.virtualGarden : {};
  if (unsupported(vg.kubernetesVersion)) out.push(problem(at('virtualGarden', 'kubernetesVersion'), `${show(vg.kubernetesVersion)} is not supported (${supported}; e.g. 1.33.5)`));
  for (const [n, p] of Object.entries(isObj(g.cloudProfiles) ? g.cloudProfiles : {})) {
    if (!isObj(p) || !Array.isArray(p.kubernetesVersions)) continue;
    p.kubernetesVersions.forEach((v, i) => {
      if (unsupported(v)) out.push(problem(at('cloudProfiles', n, 'kubernetesVersions', i), `${show(v)} is not supported (${supported}; remove it or use e.g. 1.33.5)`));
    });
  }

  // Garden content: a CloudProfile per provider extension, each of a served type; at least one Project.
  const profiles = isObj(g.cloudProfiles) ? g.cloudProfiles : {};
  const providerTypes = new Set<string>();
  for (const [n, e] of Object.entries(extensions)) {
    if (!isObj(e) || e.enabled === false) continue;
    for (const r of extensionResources(n, e)) if (r.kind === 'ControlPlane') providerTypes.add(r.type);
  }
  const profileTypes = new Set(Object.values(profiles).filter(isObj).map((p) => p.type));
  for (const t of [...providerTypes].sort()) {
    if (!profileTypes.has(t)) {
      out.push(
        problem(
          at('cloudProfiles'),
          `has no CloudProfile of type ${t} (an enabled extension serves provider ${t}; shoots need one: add gardener.cloudProfiles.${t}: {type: ${t}, kubernetesVersions, machineImages, machineTypes, regions})`,
        ),
      );
    }
  }
  for (const [n, p] of Object.entries(profiles)) {
    if (isObj(p) && typeof p.type === 'string' && !providerTypes.has(p.type)) {
      out.push(problem(at('cloudProfiles', n, 'type'), `${show(p.type)} is served by no enabled provider extension (enable one with a ControlPlane of this type, or remove the CloudProfile)`));
    }
  }
  if (isObj(g.projects)) {
    if (Object.keys(g.projects).length === 0) out.push(problem(at('projects'), 'is empty (shoots live in projects: keep at least one, e.g. garden: {namespace: garden})'));
    for (const n of Object.keys(g.projects)) {
      if (n.length > 10) out.push(problem(at('projects', n), `${show(n)} is longer than 10 characters (gardener-apiserver limits project names; e.g. dev)`));
    }
  }

  // The Garden's DNS records and the etcd backup bucket are handled by extensions in the runtime cluster.
  if (typeof dns.provider === 'string' && (DNS_PROVIDER_TYPES as readonly string[]).includes(dns.provider)) {
    if (extensionsServing(extensions, 'DNSRecord', dns.provider).length === 0) {
      const hint = knownServing('DNSRecord', dns.provider);
      out.push(
        problem(
          at('dns', 'provider'),
          `${show(dns.provider)} is served by no enabled extension (the Garden's DNS records need an extension with a DNSRecord of this type${hint ? `: enable ${hint} under gardener.extensions` : ''})`,
        ),
      );
    }
  }
  if (backups && typeof backups.provider === 'string' && extensionsServing(extensions, 'BackupBucket', backups.provider).length === 0) {
    const hint = knownServing('BackupBucket', backups.provider);
    out.push(
      problem(
        at('backups', 'provider'),
        `${show(backups.provider)} is served by no enabled extension (the etcd backup needs an extension with a BackupBucket of this type${hint ? `: enable ${hint} under gardener.extensions` : ''})`,
      ),
    );
  }
  return out;
}
