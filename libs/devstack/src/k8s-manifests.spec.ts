/**
 * Every Kubernetes manifest under k8s/ is valid against the Kubernetes v1.30.0 JSON schemas vendored in
 * k8s/schemas/v1.30.0 ("strict": an unknown field fails). Files without apiVersion+kind (kustomization.yaml,
 * alert rules, dashboards) are not Kubernetes objects and are skipped; kustomization.yaml files instead must
 * name files that exist. Overlays hold partial patches, so each kustomization is also rendered with
 * `kubectl kustomize` (when kubectl is on PATH) and the rendered objects are validated.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';

const ROOT = join(__dirname, '..', '..', '..');
const K8S = join(ROOT, 'k8s');
const SCHEMAS = join(K8S, 'schemas', 'v1.30.0');
/** Rendering one kustomization with kubectl. */
const KUSTOMIZE_TIMEOUT_MS = 60_000;

type K8sObject = { apiVersion?: unknown; kind?: unknown; [key: string]: unknown };

const ajv = new Ajv({ strict: false, allowUnionTypes: true, validateFormats: false, allErrors: true });
const validators = new Map<string, ValidateFunction>();

/** apps/v1 Deployment -> deployment-apps-v1.json; v1 Service -> service-v1.json. */
function schemaFile(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const groupPart = group ? `-${group.split('.')[0]}` : '';
  return `${kind.toLowerCase()}${groupPart}-${version}.json`;
}

/** The schema errors of one object, as readable lines; empty when valid. */
function validateObject(obj: K8sObject): string[] {
  if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') return ['apiVersion/kind: missing'];
  const file = schemaFile(obj.apiVersion, obj.kind);
  let validate = validators.get(file);
  if (!validate) {
    const path = join(SCHEMAS, file);
    if (!existsSync(path)) return [`no schema ${relative(ROOT, path)} (vendor it, see k8s/schemas/v1.30.0/SOURCE.md)`];
    validate = ajv.compile(JSON.parse(readFileSync(path, 'utf8')) as object);
    validators.set(file, validate);
  }
  if (validate(obj)) return [];
  return (validate.errors ?? []).map((e) => {
    const extra = e.keyword === 'additionalProperties' ? ` '${String(e.params.additionalProperty)}'` : '';
    return `${e.instancePath || '/'}: ${e.message ?? e.keyword}${extra}`;
  });
}

function parseObjects(text: string, where: string): K8sObject[] {
  return parseAllDocuments(text).flatMap((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`${where} document ${i}: ${doc.errors[0].message}`);
    const value = doc.toJS() as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? [value as K8sObject] : [];
  });
}

function isK8sObject(o: K8sObject): boolean {
  return typeof o.apiVersion === 'string' && typeof o.kind === 'string';
}

function isKustomization(file: string, objects: K8sObject[]): boolean {
  return basename(file) === 'kustomization.yaml' || objects.some((o) => o.kind === 'Kustomization');
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return path === join(K8S, 'schemas') ? [] : walk(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

const yamlFiles = walk(K8S);
const kustomizations = yamlFiles.filter((f) => basename(f) === 'kustomization.yaml');

/** Files and directories a kustomization names (resources, patches, generators' files). */
function namedPaths(k: Record<string, unknown>): string[] {
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const paths: string[] = [];
  for (const r of list(k.resources)) if (typeof r === 'string' && !/^[a-z]+:\/\//.test(r)) paths.push(r);
  for (const p of list(k.patches)) {
    const path = (p as { path?: unknown }).path;
    if (typeof path === 'string') paths.push(path);
  }
  for (const p of list(k.patchesStrategicMerge)) if (typeof p === 'string') paths.push(p);
  for (const g of [...list(k.configMapGenerator), ...list(k.secretGenerator)]) {
    const gen = g as { files?: unknown; envs?: unknown };
    for (const f of [...list(gen.files), ...list(gen.envs)]) {
      if (typeof f === 'string') paths.push(f.includes('=') ? f.slice(f.indexOf('=') + 1) : f);
    }
  }
  return paths;
}

/** A secretGenerator's env file that is gitignored (real secrets) may be absent: its `.example` stands in. */
function isGitignoredSecretFile(dir: string, path: string): boolean {
  return existsSync(join(dir, `${path}.example`));
}

function kubectlPath(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

describe('k8s manifests', () => {
  it('finds the base, the overlay and the vendored schemas', () => {
    expect(kustomizations.map((f) => relative(K8S, f)).sort()).toEqual(
      expect.arrayContaining(['base/kustomization.yaml', 'overlays/example/kustomization.yaml']),
    );
    expect(existsSync(join(SCHEMAS, 'deployment-apps-v1.json'))).toBe(true);
  });

  describe.each(yamlFiles.map((f) => [relative(ROOT, f), f]))('%s', (_name, file) => {
    it('is valid against the Kubernetes schema (unknown fields fail)', () => {
      const objects = parseObjects(readFileSync(file, 'utf8'), file);
      if (isKustomization(file, objects)) return; // checked below, rendered
      if (file.includes(`${join(K8S, 'overlays')}`)) {
        // Overlay patches are partial objects: they are validated rendered (below), not alone.
        const k = parseObjects(readFileSync(join(dirname(file), 'kustomization.yaml'), 'utf8'), file)[0];
        const patches = k ? namedPaths({ patches: k.patches, patchesStrategicMerge: k.patchesStrategicMerge }) : [];
        if (patches.includes(basename(file))) return;
      }
      const errors = objects.filter(isK8sObject).flatMap((o) => {
        const meta = (o.metadata ?? {}) as { name?: string };
        return validateObject(o).map((e) => `${String(o.kind)}/${meta.name ?? '?'} ${e}`);
      });
      expect(errors).toEqual([]);
    });
  });

  describe.each(kustomizations.map((f) => [relative(ROOT, f), f]))('%s', (_name, file) => {
    it('names only files that exist', () => {
      const dir = dirname(file);
      const k = parseObjects(readFileSync(file, 'utf8'), file)[0] ?? {};
      const missing = namedPaths(k).filter((p) => !existsSync(join(dir, p)) && !isGitignoredSecretFile(dir, p));
      expect(missing).toEqual([]);
    });

    it('renders with kubectl kustomize to objects valid against the schemas', () => {
      const kubectl = kubectlPath();
      if (!kubectl) {
        console.warn(`skipped rendering ${relative(ROOT, file)}: kubectl is not on PATH`);
        return;
      }
      // Render a copy, where a gitignored secret env file is stood in for by its committed `.example`.
      const work = mkdtempSync(join(tmpdir(), 'ratel-k8s-'));
      try {
        cpSync(K8S, join(work, 'k8s'), { recursive: true, filter: (src) => !src.startsWith(SCHEMAS) });
        for (const k of kustomizations) {
          const dir = join(work, 'k8s', relative(K8S, dirname(k)));
          const spec = parseObjects(readFileSync(k, 'utf8'), k)[0] ?? {};
          for (const p of namedPaths(spec)) {
            if (!existsSync(join(dir, p)) && existsSync(join(dir, `${p}.example`))) {
              writeFileSync(join(dir, p), readFileSync(join(dir, `${p}.example`)));
            }
          }
        }
        const target = join(work, 'k8s', relative(K8S, dirname(file)));
        const rendered = execFileSync(kubectl, ['kustomize', target], { encoding: 'utf8', timeout: KUSTOMIZE_TIMEOUT_MS });
        const objects = parseObjects(rendered, `${file} (rendered)`);
        expect(objects.length).toBeGreaterThan(0);
        const errors = objects.flatMap((o) => {
          const meta = (o.metadata ?? {}) as { name?: string };
          return validateObject(o).map((e) => `${String(o.kind)}/${meta.name ?? '?'} ${e}`);
        });
        expect(errors).toEqual([]);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    });
  });

  it('fails on an unknown field', () => {
    const [obj] = parseObjects(
      'apiVersion: v1\nkind: Service\nmetadata: { name: x }\nspec: { selector: { app: x }, portz: [] }\n',
      'in-memory',
    );
    expect(validateObject(obj)).toEqual([expect.stringMatching(/\/spec: must NOT have additional properties 'portz'/)]);
  });

  it('fails on an unknown field deep in a pod template', () => {
    const [obj] = parseObjects(
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: { name: x }',
        'spec:',
        '  selector: { matchLabels: { app: x } }',
        '  template:',
        '    metadata: { labels: { app: x } }',
        '    spec: { containers: [{ name: x, image: x, readinesProbe: { grpc: { port: 1 } } }] }',
      ].join('\n'),
      'in-memory',
    );
    expect(validateObject(obj).join('\n')).toMatch(/containers\/0.*'readinesProbe'/);
  });

  it('fails on a wrong type', () => {
    const [obj] = parseObjects(
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: x }\n' +
        'spec: { replicas: "two", selector: { matchLabels: { app: x } }, template: { spec: { containers: [] } } }\n',
      'in-memory',
    );
    expect(validateObject(obj).join('\n')).toMatch(/\/spec\/replicas: must be integer/);
  });

  it('fails on a kind with no vendored schema', () => {
    expect(validateObject({ apiVersion: 'v1', kind: 'Pod' }).join('\n')).toMatch(/no schema .*pod-v1\.json/);
  });
});
