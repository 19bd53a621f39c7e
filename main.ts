// Wiring only: config -> charts -> synth. See lib/cli.ts.
import { synthMain } from './lib/cli';

process.exitCode = synthMain(process.argv.slice(2), process.env, (s) => process.stdout.write(s), (s) => process.stderr.write(s));
