/**
 * The `cdk8s synth` validation plugin (cdk8s.yaml `validations:`), bundled on demand by
 * scripts/run.js like every other entry point: `SynthCheck` of lib/cdk8s-plugin.ts.
 */
'use strict';
// eslint-disable-next-line @typescript-eslint/no-require-imports
module.exports = require('./run').loadBundle('lib/cdk8s-plugin.ts');
