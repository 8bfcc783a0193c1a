#!/usr/bin/env node
/**
 * `ratel <command>`: the operator CLI. A thin dispatcher: each app declares its commands on a
 * commander program (apps/<app>/src/cli/commands.ts), and only the app of the command given is
 * loaded (all of them for `ratel --help`).
 *
 *   npm run ratel -- <command> [options]                      from the sources (ts-node)
 *   node -r tsconfig-paths/register dist/scripts/ratel.js ...  compiled (npm run build), as in the image
 *                                                              (TS_NODE_BASEURL=dist, /app/dist there)
 *
 * Without `-r tsconfig-paths/register` (the package's `bin`), the `@app/*` aliases are registered
 * here, from tsconfig.json, over dist/ when compiled.
 *
 * Exit codes: 0 done, 1 failure, 2 bad usage or configuration; `assurance` exits 3 on differences,
 * `payments import` on rejected entries.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { loadConfig, register } from 'tsconfig-paths';

/** Top-level commands per app: the app module is loaded only when one of its commands is asked. */
export const APP_COMMANDS = {
  charging: ['migrate', 'seed', 'rebuild', 'cdr', 'renewals'],
  invoicing: ['assurance', 'invoice-run'],
  collections: ['payments', 'ledger', 'erp', 'direct-debit', 'dunning', 'card'],
} as const;
type App = keyof typeof APP_COMMANDS;

const COMPILED = !__filename.endsWith('.ts');

/** Registers the `@app/*` path aliases unless the process was started with them. */
function ensureAliases(): void {
  try {
    require.resolve('@app/runtime/cli');
    return;
  } catch {
    // not registered: do it below
  }
  const baseUrl = resolve(__dirname, '..'); // the repository, or dist/ when compiled
  const root = COMPILED ? resolve(baseUrl, '..') : baseUrl;
  const tsconfig = loadConfig(root);
  if (tsconfig.resultType === 'failed' || !existsSync(join(root, 'tsconfig.json'))) {
    throw new Error(`ratel: no tsconfig.json in ${root} to resolve the @app/* modules`);
  }
  register({ baseUrl, paths: tsconfig.paths });
}

async function registerApp(app: App, program: Command): Promise<void> {
  if (app === 'charging') (await import('../apps/charging/src/cli/commands')).registerChargingCommands(program);
  else if (app === 'invoicing') (await import('../apps/invoicing/src/cli/commands')).registerInvoicingCommands(program);
  else (await import('../apps/collections/src/cli/commands')).registerCollectionsCommands(program);
}

/** The apps whose commands `argv` needs: the one owning its first word, else every app. */
export function appsFor(argv: readonly string[]): App[] {
  const first = argv.find((a) => !a.startsWith('-'));
  const owner = (Object.keys(APP_COMMANDS) as App[]).find((app) => (APP_COMMANDS[app] as readonly string[]).includes(first ?? ''));
  return owner === undefined ? (Object.keys(APP_COMMANDS) as App[]) : [owner];
}

export async function createProgram(apps: readonly App[]): Promise<Command> {
  const program = new Command('ratel')
    .description('Ratel operator CLI: migrations, seeding, projection rebuild, CDR files, revenue assurance, invoice runs, payment imports')
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      '\nExit codes: 0 done, 1 failure, 2 bad usage or configuration (assurance: 3 = differences; payments import: 3 = rejected entries).',
    );
  for (const app of apps) {
    const before = program.commands.length;
    await registerApp(app, program);
    // The table above must name exactly what the app registers, or a command would load the wrong app.
    const names = program.commands.slice(before).map((c) => c.name());
    if (names.join(' ') !== APP_COMMANDS[app].join(' ')) {
      throw new Error(`ratel: ${app} registers [${names.join(', ')}], APP_COMMANDS says [${APP_COMMANDS[app].join(', ')}]`);
    }
  }
  return program;
}

async function main(argv: string[]): Promise<number> {
  ensureAliases();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- after the aliases are registered
  const { runCommandLine } = require('@app/runtime/cli') as typeof import('@app/runtime/cli');
  const program = await createProgram(appsFor(argv));
  return runCommandLine(program, argv, { writeErr: (t) => process.stderr.write(t) });
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`ratel: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
