// The public API of the construct library (re-exports only). Everything else under lib/ is
// internal and may change without notice.

// Synthesis: config -> files
export { synthesize, renderRepository, SYNTH_COMMAND } from './cli';
export type { SynthesizeOptions } from './cli';
export { ManagementRepository, ROOT_SYNC_NAME, checkDeclarations } from './platform';
export type { ManagementRepositoryProps } from './platform';
export { loadConfig, parseConfig, ConfigError } from './config/load';
export type { ConfigProblem } from './config/load';
export type * from './config/types';
export { FLUX_NAMESPACE, KOMMANDER_NAMESPACE, CERT_MANAGER_NAMESPACE } from './config/defaults';

// The tree: folders, files, rendering and the safe writer
export { Folder, TreeFile } from './tree/folder';
export type { FolderProps, TreeFileProps } from './tree/folder';
export { renderTree } from './tree/render';
export type { RenderedFile, RenderOptions } from './tree/render';
export { writeTree, MANIFEST_FILE } from './tree/writer';
export type { WriteResult } from './tree/writer';

// Flux L2 constructs
export type { ObjectRef } from './flux/common';
export { GitRepository, HelmRepository, OciRepository } from './flux/sources';
export type { ISource, GitRepositoryProps, HelmRepositoryProps, OciRepositoryProps } from './flux/sources';
export { HelmRelease } from './flux/helm-release';
export type { HelmReleaseProps, ValuesReference, RemediationProps } from './flux/helm-release';
export { Stage } from './flux/stage';
export type { StageProps, HealthCheckExpr, SubstitutionSource } from './flux/stage';

// cert-manager L2 constructs
export { ClusterIssuer, Certificate } from './certmanager';
export type { IIssuer, ClusterIssuerType, ClusterIssuerProps, CertificateProps } from './certmanager';

// Kommander: the tree and its constructs
export { KommanderTree } from './kommander/tree';
export type { KommanderTreeProps } from './kommander/tree';
export { AppDeployment } from './kommander/app-deployment';
export type { AppDeploymentProps, ClusterOverride } from './kommander/app-deployment';
export { KommanderAppDeployment, KommanderClusterApp } from './kommander/api';
export type { KommanderAppDeploymentProps, AppDeploymentSpec, ClusterAppSpec } from './kommander/api';

// Gardener (23KE): the tree and its constructs
export { GardenerTree } from './gardener/tree';
export type { GardenerTreeProps } from './gardener/tree';
export { AcmeIssuer, DnsProvider, GardenExtension, Garden, SeedGardenlet } from './gardener/constructs';
export type { AcmeIssuerProps, DnsProviderProps, GardenExtensionProps, GardenProps, SeedGardenletProps } from './gardener/constructs';
export { gardenerSection } from './gardener/config';
export type { GardenerConfig } from './gardener/config';

// SOPS-encrypted Secrets from secrets/
export { SopsSecret, SecretStore } from './secrets/sops-secrets';
export type { SopsSecretProps, SopsSecretFile } from './secrets/sops-secrets';

// Core Kubernetes L1s (cdk8s-plus-27's k8s module)
export { k8s } from './k8s';
