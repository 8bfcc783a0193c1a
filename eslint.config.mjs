// ESLint flat config: typescript-eslint recommended rules on all TypeScript sources, plus the import
// boundaries of the monorepo (libs/db/README.md "Lint rules"; proven by libs/db/src/lint-boundaries.spec.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const ROOT = dirname(fileURLToPath(import.meta.url));
const APPS = ['charging', 'invoicing', 'collections'];

/**
 * Who writes which context of libs/db (libs/db/src/contexts.ts DB_CONTEXTS says the same; the lint spec
 * checks that they agree). Only a writer may import a context's entry point `@app/db/<context>` or its
 * entity classes from `@app/db`; other apps read through SQL or read models.
 */
const DB_WRITERS = {
  core: ['charging'],
  catalog: ['charging'],
  provisioning: ['charging'],
  journal: ['charging'],
  billing: ['invoicing'],
  collections: ['collections'],
  ledger: ['invoicing', 'collections'],
  audit: ['charging', 'invoicing', 'collections'],
};

/** Entity class names of a context, read from its `*.entity.ts` files (so a new entity is covered at once). */
function entityNames(context) {
  const dir = join(ROOT, 'libs/db/src', context);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.entity.ts'))
    .flatMap((f) => [...readFileSync(join(dir, f), 'utf8').matchAll(/^export class (\w+)/gm)].map((m) => m[1]));
}

/** `{ area: 'apps' | 'libs', name }` of a repository path, or undefined outside apps/ and libs/. */
function areaOf(absPath) {
  const [area, name] = relative(ROOT, absPath).split(sep);
  return (area === 'apps' || area === 'libs') && name ? { area, name } : undefined;
}

/** Modules of test helpers that production code (apps/, libs/ outside specs and test/testing folders) must not import. */
const TESTING_MODULES = ['@app/events/testing', '@app/devstack'];

/**
 * boundaries/no-cross-import: resolves every relative or `apps/...` import against the importing file:
 * a lib never imports an app, an app never imports another app, and an app reaches a lib only through
 * its `@app/<lib>` alias (so the entry-point rules below see every import of libs/db).
 */
const noCrossImport = {
  meta: {
    type: 'problem',
    schema: [],
    messages: {
      libImportsApp: 'libs/{{lib}} must not import apps/{{app}}: libraries never depend on an app.',
      appImportsApp: 'apps/{{from}} must not import apps/{{to}}: apps talk through events, APIs and read models.',
      relativeLib: 'import libs/{{lib}} through its alias @app/{{lib}}, not a relative path.',
      testingInProduction: '{{source}} is for specs, fixtures and benches; production code never imports it.',
    },
  },
  create(context) {
    const from = areaOf(context.filename);
    if (from === undefined) return {};
    const testFile = /\.(spec|integration-spec|e2e-spec)\.ts$|\/(test|testing|bench)\//.test(
      relative(ROOT, context.filename).split(sep).join('/'),
    );
    const check = (node, source) => {
      if (typeof source !== 'string') return;
      if (!testFile && TESTING_MODULES.some((m) => source === m || source.startsWith(`${m}/`))) {
        context.report({ node, messageId: 'testingInProduction', data: { source } });
        return;
      }
      let target;
      if (source.startsWith('.')) target = areaOf(resolve(dirname(context.filename), source));
      else if (/^(apps|libs)\//.test(source)) target = areaOf(resolve(ROOT, source));
      if (target === undefined) return;
      if (from.area === 'libs' && target.area === 'apps') {
        context.report({ node, messageId: 'libImportsApp', data: { lib: from.name, app: target.name } });
      } else if (from.area === 'apps' && target.area === 'apps' && target.name !== from.name) {
        context.report({ node, messageId: 'appImportsApp', data: { from: from.name, to: target.name } });
      } else if (from.area === 'apps' && target.area === 'libs') {
        context.report({ node, messageId: 'relativeLib', data: { lib: target.name } });
      }
    };
    const fromSource = (node) => node.source && check(node.source, node.source.value);
    return {
      ImportDeclaration: fromSource,
      ExportNamedDeclaration: fromSource,
      ExportAllDeclaration: fromSource,
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
      TSExternalModuleReference: (node) => node.expression.type === 'Literal' && check(node, node.expression.value),
      CallExpression: (node) => {
        const [arg] = node.arguments;
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && arg?.type === 'Literal') check(arg, arg.value);
      },
    };
  },
};

/** no-restricted-imports options for the files of one app: the contexts it does not write. */
function dbRestrictionsFor(app) {
  const foreign = Object.entries(DB_WRITERS).filter(([, writers]) => !writers.includes(app));
  const message = (ctx) =>
    `the ${ctx} context of libs/db is written by ${DB_WRITERS[ctx].join(' and ')}; ${app} reads it through SQL or a read model`;
  const rootNames = foreign.flatMap(([ctx]) => entityNames(ctx).map((name) => ({ ctx, name })));
  return {
    paths: [
      ...foreign.map(([ctx]) => ({ name: `@app/db/${ctx}`, message: message(ctx) })),
      ...(rootNames.length === 0
        ? []
        : [
            {
              name: '@app/db',
              importNames: rootNames.map((r) => r.name),
              message: `entity classes of contexts ${app} does not write (${[...new Set(rootNames.map((r) => r.ctx))].join(', ')}): read through SQL or a read model`,
            },
          ]),
    ],
    patterns: foreign.map(([ctx]) => ({ group: [`@app/db/${ctx}/**`], message: message(ctx) })),
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'libs/proto/src/generated/**', '.ratel/**', 'coverage/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
    languageOptions: { globals: { module: 'writable', require: 'readonly' } },
  },
  {
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    plugins: { boundaries: { rules: { 'no-cross-import': noCrossImport } } },
    rules: { 'boundaries/no-cross-import': 'error' },
  },
  ...APPS.map((app) => ({ files: [`apps/${app}/**/*.ts`], rules: { 'no-restricted-imports': ['error', dbRestrictionsFor(app)] } })),
);
