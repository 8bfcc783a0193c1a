/** COLLECTIONS_V8_FLAGS reach every way the collections process and its CLI are started. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { COLLECTIONS_V8_FLAGS } from './runtime-flags';

const ROOT = join(__dirname, '../../..');

describe('COLLECTIONS_V8_FLAGS', () => {
  it('are V8 flags of the form --name=value', () => {
    for (const f of COLLECTIONS_V8_FLAGS) expect(f).toMatch(/^--[a-z][a-z0-9-]*=[0-9]+$/);
  });

  it("are given by k8s/base/collections.yaml's Deployment, right after node", () => {
    const docs = parseAllDocuments(readFileSync(join(ROOT, 'k8s/base/collections.yaml'), 'utf8')).map((d) => d.toJS());
    const deployment = docs.find((d) => d?.kind === 'Deployment');
    const args: string[] = deployment.spec.template.spec.containers.find((c: { name: string }) => c.name === 'collections').args;
    expect(args[0]).toBe('node');
    expect(args.slice(1, 1 + COLLECTIONS_V8_FLAGS.length)).toEqual([...COLLECTIONS_V8_FLAGS]);
  });

  it("are given by package.json's ratel script (the CLI that runs payments import)", () => {
    const script: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.ratel;
    expect(script.split(' ').slice(1, 1 + COLLECTIONS_V8_FLAGS.length)).toEqual([...COLLECTIONS_V8_FLAGS]);
  });
});
