/**
 * The import boundaries of eslint.config.mjs fire (so a config change cannot silently switch them
 * off): small in-memory snippets, linted with ESLint's Node API and the repository's real config, as if
 * they were files at the given paths. ESLint loads its ESM config with a dynamic import, which Jest's VM
 * does not allow, so the linting runs in one child node process.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DB_CONTEXTS } from './contexts';

const ROOT = join(__dirname, '../../..');

interface Snippet {
  filePath: string;
  code: string;
}

const LINT_SCRIPT = `
  import { ESLint } from 'eslint';
  const snippets = JSON.parse(process.argv[1]);
  const eslint = new ESLint({ cwd: process.cwd() });
  const out = [];
  for (const s of snippets) {
    const [r] = await eslint.lintText(s.code, { filePath: s.filePath });
    out.push(r.messages.map((m) => ({ ruleId: m.ruleId, message: m.message })));
  }
  console.log(JSON.stringify(out));
`;

function lint(snippets: Snippet[]): Array<Array<{ ruleId: string | null; message: string }>> {
  const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', LINT_SCRIPT, JSON.stringify(snippets)], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return JSON.parse(stdout);
}

/** Each case: a file path, one import line, and the rule that must fire (undefined: nothing may fire). */
const CASES: Array<[string, string, string, string | undefined, RegExp?]> = [
  [
    'lib imports an app (relative)',
    'libs/db/src/core/x.ts',
    `import { a } from '../../../../apps/charging/src/main';`,
    'boundaries/no-cross-import',
    /libraries never depend/,
  ],
  [
    'lib imports an app (baseUrl path)',
    'libs/money/src/x.ts',
    `import { a } from 'apps/invoicing/src/main';`,
    'boundaries/no-cross-import',
    /libs\/money must not import apps\/invoicing/,
  ],
  ['lib re-exports an app', 'libs/events/src/x.ts', `export * from '../../../apps/charging/src/config';`, 'boundaries/no-cross-import'],
  ['lib requires an app', 'libs/events/src/x.ts', `const a = require('../../../apps/charging/src/config');`, 'boundaries/no-cross-import'],
  [
    'app imports another app (relative)',
    'apps/charging/src/balance/x.ts',
    `import { a } from '../../../invoicing/src/config';`,
    'boundaries/no-cross-import',
    /apps\/charging must not import apps\/invoicing/,
  ],
  [
    'app imports another app (dynamic import)',
    'apps/collections/src/x.ts',
    `export const a = import('../../charging/src/main');`,
    'boundaries/no-cross-import',
  ],
  [
    'app imports a lib by a relative path',
    'apps/invoicing/test/x.ts',
    `import { a } from '../../../libs/devstack/src/test-helpers';`,
    'boundaries/no-cross-import',
    /@app\/devstack/,
  ],
  [
    'invoicing imports a charging context entry point',
    'apps/invoicing/src/billing/x.ts',
    `import { Customer } from '@app/db/core';`,
    'no-restricted-imports',
    /written by charging/,
  ],
  [
    'invoicing imports a charging entity from the root',
    'apps/invoicing/src/billing/x.ts',
    `import { BillingAccount } from '@app/db';`,
    'no-restricted-imports',
    /contexts invoicing does not write \(core/,
  ],
  [
    'collections imports a provisioning entity (type only)',
    'apps/collections/src/x.ts',
    `import type { TopUp } from '@app/db';`,
    'no-restricted-imports',
  ],
  [
    'charging imports the billing context',
    'apps/charging/src/x.ts',
    `import { billingEntities } from '@app/db/billing';`,
    'no-restricted-imports',
    /written by invoicing/,
  ],
  [
    'charging imports a file inside the ledger context',
    'apps/charging/src/x.ts',
    `import { a } from '@app/db/ledger/ledger-posting.entity';`,
    'no-restricted-imports',
  ],
  // What stays allowed:
  ['charging writes core', 'apps/charging/src/x.ts', `import { Customer } from '@app/db/core';`, undefined],
  [
    'invoicing and collections write the ledger',
    'apps/collections/src/x.ts',
    `import { ledgerEntities } from '@app/db/ledger';`,
    undefined,
  ],
  ['every app writes the audit log', 'apps/invoicing/src/x.ts', `import { AuditLog } from '@app/db/audit';`, undefined],
  [
    'an app reads the generic parts of @app/db',
    'apps/invoicing/src/x.ts',
    `import { createOrmConfig, migrate, ACCOUNT_TYPES } from '@app/db';`,
    undefined,
  ],
  ['an app imports its own files', 'apps/invoicing/src/usage/x.ts', `import { a } from '../config';`, undefined],
  ['a lib imports a lib by alias', 'libs/db/src/x.ts', `import { AMOUNT_MAX_MICROS } from '@app/money';`, undefined],
  [
    'production code imports the test event factory',
    'apps/invoicing/src/ingest/x.ts',
    `import { ratedEvent } from '@app/events/testing';`,
    'boundaries/no-cross-import',
    /production code never imports it/,
  ],
  ['production code imports devstack', 'libs/analytics/src/x.ts', `import { waitFor } from '@app/devstack';`, 'boundaries/no-cross-import'],
  [
    'a spec imports the test event factory',
    'apps/invoicing/src/ingest/x.spec.ts',
    `import { ratedEvent } from '@app/events/testing';`,
    undefined,
  ],
  ['a bench imports devstack', 'apps/charging/src/balance/bench/x.ts', `import { waitFor } from '@app/devstack';`, undefined],
];

describe('import boundaries (eslint.config.mjs)', () => {
  let results: ReturnType<typeof lint>;
  beforeAll(() => {
    // The snippet uses what it imports, so no unrelated rule (no-unused-vars) fires.
    results = lint(
      CASES.map(([, filePath, line]) => ({ filePath, code: `${line}\nexport const used = [${usedNames(line).join(', ')}];\n` })),
    );
  });

  it.each(CASES.map((c, i) => [c[0], i] as const))('%s', (_name, i) => {
    const [, , , rule, message] = CASES[i];
    const messages = results[i];
    if (rule === undefined) {
      expect(messages).toEqual([]);
      return;
    }
    const fired = messages.filter((m) => m.ruleId === rule);
    expect(fired).toHaveLength(1);
    if (message) expect(fired[0].message).toMatch(message);
  });

  it('knows the writers of every context folder of libs/db, as contexts.ts does', () => {
    const src = join(ROOT, 'libs/db/src');
    const folders = readdirSync(src).filter((f) => statSync(join(src, f)).isDirectory() && f !== 'migrations' && f !== 'testing');
    expect(folders.sort()).toEqual(Object.keys(DB_CONTEXTS).sort());
    const config = execFileSync(process.execPath, ['--input-type=module', '-e', PRINT_WRITERS], { cwd: ROOT, encoding: 'utf8' });
    expect(JSON.parse(config)).toEqual(Object.fromEntries(Object.entries(DB_CONTEXTS).map(([k, v]) => [k, [...v.writers]])));
  });
});

/** The writers the lint config enforces: the @app/db/<context> paths forbidden per app, inverted. */
const PRINT_WRITERS = `
  import { ESLint } from 'eslint';
  const eslint = new ESLint({ cwd: process.cwd() });
  const apps = ['charging', 'invoicing', 'collections'];
  const writers = {};
  for (const app of apps) {
    const cfg = await eslint.calculateConfigForFile('apps/' + app + '/src/x.ts');
    const forbidden = new Set(cfg.rules['no-restricted-imports'][1].paths.map((p) => p.name));
    for (const ctx of ${JSON.stringify(Object.keys(DB_CONTEXTS))}) {
      writers[ctx] ??= [];
      if (!forbidden.has('@app/db/' + ctx)) writers[ctx].push(app);
    }
  }
  console.log(JSON.stringify(writers));
`;

/** The local names an import line binds (or `0` for a side-effect-free re-export). */
function usedNames(line: string): string[] {
  const braces = /\{([^}]*)\}/.exec(line);
  if (braces && !line.startsWith('export'))
    return braces[1]
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n !== '');
  const req = /^const (\w+) =/.exec(line);
  return req ? [req[1]] : ['0'];
}
