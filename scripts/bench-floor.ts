/**
 * The benchmark's floor (a child of `npm run bench`): the same objects as a synthesized tree, as
 * plain cdk8s ApiObjects (one Chart per folder, one file per object), written by `app.synth()`
 * (which pays cdk8s's `Yaml.stringify`). Loads nothing but cdk8s.
 *
 * `node scripts/run.js scripts/bench-floor.ts <objects.json> <outdir>`
 */
import * as fs from 'fs';
import { ApiObject, App, Chart, YamlOutputType } from 'cdk8s';

function main(jsonFile: string, outdir: string): void {
  const objects = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as { folder: string; obj: { apiVersion: string; kind: string; metadata: { name: string } } }[];
  const app = new App({ outdir, yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE });
  const charts = new Map<string, Chart>();
  objects.forEach(({ folder, obj }, i) => {
    let chart = charts.get(folder);
    if (!chart) {
      chart = new Chart(app, folder.replace(/\//g, '__') || 'root', { disableResourceNameHashes: true });
      charts.set(folder, chart);
    }
    new ApiObject(chart, `o${i}`, obj as never);
  });
  app.synth();
}

const [jsonFile, outdir] = process.argv.slice(2);
if (!jsonFile || !outdir) {
  process.stderr.write('usage: node scripts/run.js scripts/bench-floor.ts <objects.json> <outdir>\n');
  process.exitCode = 2;
} else main(jsonFile, outdir);
