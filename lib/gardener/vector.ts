/**
 * The released version set of the landscape: a gardener-landscape-kit component vector.
 *
 * Format (gardener/gardener-landscape-kit, `componentvector/components.yaml` at tag v0.3.0, read
 * by `componentvector/componentvector.go`): `components[]`, each with `name` (the Go module,
 * e.g. `github.com/gardener/gardener`), `version`, optional `sourceRepository`, and optional
 * `resources.<key>.helmChart.repository` / `resources.<key>.ociImage.{repository,tag}`. The chart
 * reference of a resource is `<repository>:<version>`, taken as it is: the registry path differs
 * per component (`…/public/…` or `…/releases/…`) and is never derived.
 *
 * Without `helmChart` resources for github.com/gardener/gardener, the operator and gardenlet
 * charts are `europe-docker.pkg.dev/gardener-project/releases/charts/gardener/{operator,gardenlet}`
 * (what gardener-landscape-kit falls back to, `pkg/components/gardener/operator/component.go` at
 * v0.3.0).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseDocument } from 'yaml';

/** One resource of a component: a Helm chart or an OCI image. */
export interface VectorResource {
  readonly helmChart?: { readonly repository: string; readonly tag?: string };
  readonly ociImage?: { readonly repository: string; readonly tag?: string };
}

export interface VectorComponent {
  /** Go module / repository, e.g. `github.com/gardener/gardener`. */
  readonly name: string;
  /** Released version (the tag), e.g. `v1.146.4`. */
  readonly version: string;
  /** @default - none */
  readonly sourceRepository?: string;
  /** @default {} */
  readonly resources: { readonly [key: string]: VectorResource };
}

export interface ComponentVector {
  /** Where it came from: a file path, or `built-in`. */
  readonly source: string;
  readonly components: readonly VectorComponent[];
}

export const GARDENER_COMPONENT = 'github.com/gardener/gardener';
export const CERT_MANAGEMENT_COMPONENT = 'github.com/gardener/cert-management';
export const EXTERNAL_DNS_MANAGEMENT_COMPONENT = 'github.com/gardener/external-dns-management';
/** Module of an extension: `github.com/gardener/gardener-extension-<name>`. */
export const extensionComponent = (name: string): string => `github.com/gardener/gardener-extension-${name}`;

/**
 * The Gardener minor release whose API this tool models: the operator CRDs in imports/ and the
 * Seed/Gardenlet types in `api/seedmanagement.ts` are those of v1.146.4 (`../shared/gardener/v1.146.4/`).
 * Patch releases of one minor keep the API, so any v1.146.x can be modelled.
 */
export const MODELLED_GARDENER_MINOR = '1.146';
export const MODELLED_GARDENER_VERSION = 'v1.146.4';

/**
 * Kubernetes minors the modelled release supports for gardens, seeds and shoots
 * (`pkg/utils/validation/kubernetesversion/version.go` `SupportedVersions` at gardener v1.146.4).
 */
export const SUPPORTED_KUBERNETES_MINORS: readonly string[] = ['1.32', '1.33', '1.34', '1.35', '1.36'];

/** True when `version` (e.g. `1.33.5`) is of a supported minor. */
export function isSupportedKubernetesVersion(version: string): boolean {
  const m = /^v?(\d+\.\d+)\./.exec(version);
  return !!m && SUPPORTED_KUBERNETES_MINORS.includes(m[1]);
}

const REGISTRY = 'europe-docker.pkg.dev/gardener-project';

/**
 * The project's default vector: the versions and chart references of the gardener-landscape-kit
 * v0.3.0 vector (`componentvector/components.yaml` at tag v0.3.0: gardener v1.146.4, provider-aws
 * v1.72.0, networking-calico v1.59.0, os-gardenlinux v0.44.0, shoot-cert-service v1.62.1,
 * shoot-dns-service v1.88.0, …), plus what that vector does not pin and this tree installs:
 * cert-management v0.27.0 and external-dns-management v0.43.0 (chart names from their
 * `.github/workflows/build.yaml` helmcharts matrix, pushed to `…/releases/charts`).
 */
export const DEFAULT_COMPONENT_VECTOR: ComponentVector = {
  source: 'built-in (gardener-landscape-kit v0.3.0 versions)',
  components: [
    {
      name: GARDENER_COMPONENT,
      version: 'v1.146.4',
      sourceRepository: 'https://github.com/gardener/gardener',
      resources: {
        operator: { helmChart: { repository: `${REGISTRY}/releases/charts/gardener/operator` } },
        gardenlet: { helmChart: { repository: `${REGISTRY}/releases/charts/gardener/gardenlet` } },
      },
    },
    ext('networking-calico', 'v1.59.0', 'public', { admissionCalicoRuntime: 'admission-calico-runtime', admissionCalicoApplication: 'admission-calico-application', networkingCalico: 'networking-calico' }),
    ext('networking-cilium', 'v1.48.4', 'public', { admissionCiliumRuntime: 'admission-cilium-runtime', admissionCiliumApplication: 'admission-cilium-application', networkingCilium: 'networking-cilium' }),
    ext('os-suse-chost', 'v1.43.0', 'public', { osSuseChost: 'os-suse-chost' }),
    ext('os-gardenlinux', 'v0.44.0', 'public', { osGardenlinux: 'os-gardenlinux' }),
    ext('provider-aws', 'v1.72.0', 'releases', { admissionAwsRuntime: 'admission-aws-runtime', admissionAwsApplication: 'admission-aws-application', providerAws: 'provider-aws' }),
    ext('provider-azure', 'v1.62.1', 'releases', { admissionAzureRuntime: 'admission-azure-runtime', admissionAzureApplication: 'admission-azure-application', providerAzure: 'provider-azure' }),
    ext('provider-gcp', 'v1.53.4', 'releases', { admissionGcpRuntime: 'admission-gcp-runtime', admissionGcpApplication: 'admission-gcp-application', providerGcp: 'provider-gcp' }),
    ext('provider-openstack', 'v1.57.0', 'releases', {
      admissionOpenstackRuntime: 'admission-openstack-runtime',
      admissionOpenstackApplication: 'admission-openstack-application',
      providerOpenstack: 'provider-openstack',
    }),
    ext('provider-alicloud', 'v1.72.0', 'releases', {
      admissionAlicloudRuntime: 'admission-alicloud-runtime',
      admissionAlicloudApplication: 'admission-alicloud-application',
      providerAlicloud: 'provider-alicloud',
    }),
    ext('shoot-cert-service', 'v1.62.1', 'releases', { shootCertService: 'shoot-cert-service' }),
    ext('shoot-dns-service', 'v1.88.0', 'releases', {
      shootDnsServiceAdmissionRuntime: 'shoot-dns-service-admission-runtime',
      shootDnsServiceAdmissionApplication: 'shoot-dns-service-admission-application',
      shootDnsService: 'shoot-dns-service',
    }),
    ext('shoot-oidc-service', 'v0.40.0', 'releases', { shootOidcService: 'shoot-oidc-service' }),
    ext('shoot-traefik', 'v0.6.0', 'releases', { shootTraefik: 'shoot-traefik' }),
    ext('shoot-networking-problemdetector', 'v0.33.0', 'releases', { shootNetworkingProblemdetector: 'shoot-networking-problemdetector' }),
    ext('runtime-gvisor', 'v0.42.0', 'releases', { runtimeGvisor: 'runtime-gvisor' }),
    {
      name: CERT_MANAGEMENT_COMPONENT,
      version: 'v0.27.0',
      sourceRepository: 'https://github.com/gardener/cert-management',
      resources: { certControllerManager: { helmChart: { repository: `${REGISTRY}/releases/charts/cert-controller-manager` } } },
    },
    {
      name: EXTERNAL_DNS_MANAGEMENT_COMPONENT,
      version: 'v0.43.0',
      sourceRepository: 'https://github.com/gardener/external-dns-management',
      resources: { dnsControllerManager: { helmChart: { repository: `${REGISTRY}/releases/charts/dns-controller-manager` } } },
    },
  ],
};

function ext(name: string, version: string, path: 'public' | 'releases', charts: { readonly [key: string]: string }): VectorComponent {
  const resources: { [key: string]: VectorResource } = {};
  for (const [key, chart] of Object.entries(charts)) resources[key] = { helmChart: { repository: `${REGISTRY}/${path}/charts/gardener/extensions/${chart}` } };
  return { name: extensionComponent(name), version, sourceRepository: `https://${extensionComponent(name)}`, resources };
}

/** A problem of a vector file: the message (without the config path). */
export class ComponentVectorError extends Error {}

const VERSION = /^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/;
const REPOSITORY = /^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)+$/;
const MAX_VECTOR_BYTES = 1024 * 1024;

/** Parses a vector's YAML text; throws `ComponentVectorError` with what is wrong and the fix. */
export function parseComponentVector(text: string, source: string): ComponentVector {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length) {
    throw new ComponentVectorError(`${source} is not valid YAML (${doc.errors[0].message.split('\n')[0]}); point it at a gardener-landscape-kit component vector (components.yaml)`);
  }
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new ComponentVectorError(`${source} cannot be read as data (${(e as Error).message.split('\n')[0]}); a component vector uses no YAML aliases`);
  }
  const fix = 'expected a gardener-landscape-kit component vector: components: [{name: github.com/gardener/gardener, version: v1.146.4}, …]';
  if (!isObj(root) || !Array.isArray(root.components)) throw new ComponentVectorError(`${source} has no components list (${fix})`);
  const seen = new Set<string>();
  const components = root.components.map((c, i): VectorComponent => {
    const at = `${source}: components[${i}]`;
    if (!isObj(c) || typeof c.name !== 'string' || c.name === '') throw new ComponentVectorError(`${at} has no name (${fix})`);
    if (typeof c.version !== 'string' || !VERSION.test(c.version)) {
      throw new ComponentVectorError(`${at} (${c.name}) has no release version (version: ${JSON.stringify(c.version)}; expected e.g. v1.146.4)`);
    }
    if (seen.has(c.name)) throw new ComponentVectorError(`${at}: ${c.name} is listed twice (keep one entry per component)`);
    seen.add(c.name);
    const resources: { [key: string]: VectorResource } = {};
    if (c.resources !== undefined && c.resources !== null) {
      if (!isObj(c.resources)) throw new ComponentVectorError(`${at}.resources must be a mapping of resource name to helmChart/ociImage`);
      for (const [key, r] of Object.entries(c.resources)) {
        if (!isObj(r)) throw new ComponentVectorError(`${at}.resources.${key} must be a mapping with helmChart or ociImage`);
        const out: { helmChart?: VectorResource['helmChart']; ociImage?: VectorResource['ociImage'] } = {};
        for (const kind of ['helmChart', 'ociImage'] as const) {
          const v = r[kind];
          if (v === undefined) continue;
          if (!isObj(v) || typeof v.repository !== 'string' || !REPOSITORY.test(v.repository)) {
            throw new ComponentVectorError(`${at}.resources.${key}.${kind}.repository must be an OCI repository without scheme and tag (e.g. europe-docker.pkg.dev/gardener-project/releases/charts/gardener/operator)`);
          }
          out[kind] = { repository: v.repository, ...(typeof v.tag === 'string' ? { tag: v.tag } : {}) };
        }
        resources[key] = out;
      }
    }
    return { name: c.name, version: c.version, ...(typeof c.sourceRepository === 'string' ? { sourceRepository: c.sourceRepository } : {}), resources };
  });
  const vector: ComponentVector = { source, components };
  const gardener = components.find((c) => c.name === GARDENER_COMPONENT);
  if (!gardener) throw new ComponentVectorError(`${source} does not pin ${GARDENER_COMPONENT} (the Gardener release every other version belongs to; add - name: ${GARDENER_COMPONENT} with its version)`);
  if (!isModelledGardenerVersion(gardener.version)) {
    throw new ComponentVectorError(
      `${source} pins ${GARDENER_COMPONENT} ${gardener.version}, but this tool models the API of Gardener ${MODELLED_GARDENER_MINOR}.x only (${MODELLED_GARDENER_VERSION}); use a vector of a v${MODELLED_GARDENER_MINOR}.x release, e.g. gardener-landscape-kit v0.3.0's, or remove gardener.componentVector for the built-in one`,
    );
  }
  return vector;
}

export function isModelledGardenerVersion(version: string): boolean {
  return new RegExp(`^v${MODELLED_GARDENER_MINOR.replace('.', '\\.')}\\.\\d+$`).test(version);
}

const cache = new Map<string, ComponentVector>();

/** Reads and parses a vector file (bounded size); cached per absolute path for one process. */
export function loadComponentVector(absPath: string, shown: string = absPath): ComponentVector {
  const hit = cache.get(absPath);
  if (hit) return hit;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(absPath);
  } catch {
    throw new ComponentVectorError(`${JSON.stringify(shown)} does not exist (no file at ${absPath}; paths are relative to the config file; e.g. ../shared/gardener/component-vectors/glk-v0.3.0.yaml)`);
  }
  if (!stat.isFile()) throw new ComponentVectorError(`${JSON.stringify(shown)} is not a file (${absPath})`);
  if (stat.size > MAX_VECTOR_BYTES) throw new ComponentVectorError(`${JSON.stringify(shown)} is larger than ${MAX_VECTOR_BYTES} bytes; a component vector is a small YAML file`);
  let text: string;
  try {
    text = fs.readFileSync(absPath, 'utf8');
  } catch (e) {
    throw new ComponentVectorError(`${JSON.stringify(shown)} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); make the file readable`);
  }
  const vector = parseComponentVector(text, shown);
  cache.set(absPath, vector);
  return vector;
}

/** The component, or undefined. */
export function findComponent(v: ComponentVector, name: string): VectorComponent | undefined {
  return v.components.find((c) => c.name === name);
}

/** The Gardener release of the vector. */
export function gardenerVersion(v: ComponentVector): string {
  return findComponent(v, GARDENER_COMPONENT)!.version;
}

/** `registry/path:version` of a chart resource; `tag` of the resource wins over the component version. */
function chartRef(c: VectorComponent, key: string): string | undefined {
  const chart = c.resources[key]?.helmChart;
  return chart ? `${chart.repository}:${chart.tag ?? c.version}` : undefined;
}

/** The gardener-operator or gardenlet chart of the vector's Gardener release (`registry/path:tag`). */
export function gardenerChartRef(v: ComponentVector, chart: 'operator' | 'gardenlet'): string {
  const g = findComponent(v, GARDENER_COMPONENT)!;
  return chartRef(g, chart) ?? `${REGISTRY}/releases/charts/gardener/${chart}:${g.version}`;
}

/** `networking-calico` → `networkingCalico` (gardener-landscape-kit's resource keys). */
export function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The charts of an extension in the vector, or undefined when it is not pinned there. */
export function extensionChartRefs(v: ComponentVector, name: string): { readonly version: string; readonly chart: string; readonly admission?: { readonly runtime: string; readonly application: string } } | undefined {
  const c = findComponent(v, extensionComponent(name));
  if (!c) return undefined;
  const main = chartRef(c, camel(name));
  if (!main) {
    throw new ComponentVectorError(`${v.source}: ${c.name} has no helmChart resource ${camel(name)} (the extension's chart; add resources.${camel(name)}.helmChart.repository)`);
  }
  const keys = Object.keys(c.resources).filter((k) => k !== camel(name) && c.resources[k].helmChart).sort();
  const runtime = keys.find((k) => k.endsWith('Runtime'));
  const application = keys.find((k) => k.endsWith('Application'));
  return {
    version: c.version,
    chart: main,
    admission: runtime && application ? { runtime: chartRef(c, runtime)!, application: chartRef(c, application)! } : undefined,
  };
}

/** A single-chart component (cert-management, external-dns-management): `{repository, chart, version}` for a HelmRepository of type oci. */
export function componentChart(v: ComponentVector, component: string): { readonly repository: string; readonly chart: string; readonly version: string } | undefined {
  const c = findComponent(v, component);
  if (!c) return undefined;
  const key = Object.keys(c.resources).sort().find((k) => c.resources[k].helmChart);
  if (!key) return undefined;
  const chart = c.resources[key].helmChart!;
  const slash = chart.repository.lastIndexOf('/');
  return { repository: `oci://${chart.repository.slice(0, slash)}`, chart: chart.repository.slice(slash + 1), version: chart.tag ?? c.version };
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The vector a config selects: its `gardener.componentVector` file (relative to `baseDir`), else the built-in one. */
export function resolveComponentVector(baseDir: string, file: string | undefined): ComponentVector {
  if (file === undefined) return DEFAULT_COMPONENT_VECTOR;
  return loadComponentVector(path.resolve(baseDir, file), file);
}

/** A component of the version set as `check` compares it: the chart names it ships, at its version. */
export interface ExpectedComponentVersion {
  readonly component: string;
  readonly version: string;
  /** Chart names (the last path segment of each helmChart repository). */
  readonly charts: readonly string[];
  /** The config key that sets the version, when one does (none: the vector decides). @default - none */
  readonly configKey?: string;
}

/**
 * What `check` (rule component-version) needs to verify that every chart of the tree is deployed
 * at the version the vector pins. Components without charts are left out.
 */
export function expectedComponentVersions(v: ComponentVector): ExpectedComponentVersion[] {
  const out: ExpectedComponentVersion[] = [];
  for (const c of v.components) {
    const charts = Object.values(c.resources)
      .filter((r) => r.helmChart && (r.helmChart.tag === undefined || r.helmChart.tag === c.version))
      .map((r) => r.helmChart!.repository.slice(r.helmChart!.repository.lastIndexOf('/') + 1));
    if (c.name === GARDENER_COMPONENT) for (const chart of ['operator', 'gardenlet']) if (!charts.includes(chart)) charts.push(chart);
    if (charts.length) out.push({ component: c.name, version: c.version, charts: [...new Set(charts)].sort() });
  }
  return out;
}
