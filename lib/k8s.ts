/**
 * Core Kubernetes L1 types: cdk8s-plus-27's `k8s` export (`cdk8s import k8s` needs the network).
 *
 * Imported from the module that defines it rather than from the package root: the root also
 * loads every cdk8s-plus L2 construct, which costs ~40 ms of every synth for classes we never use.
 */
export * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
