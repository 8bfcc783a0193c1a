/**
 * One runtime for every process: the back-off (backoff.ts), the interruptible sleep (sleep.ts) and
 * the NATS connection factory (nats.ts) exist once, and the apps use them instead of copies. Read
 * from the sources: every `.ts` of apps/ and libs/ outside specs, test helpers and devstack (which
 * starts throwaway servers for the tests).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      return ['node_modules', 'generated', 'test', 'testing', 'test-fixtures', 'devstack'].includes(e.name) ? [] : sourceFiles(path);
    }
    return /\.ts$/.test(e.name) && !/\.(spec|integration-spec|e2e-spec)\.ts$/.test(e.name) ? [path] : [];
  });
}

const files = [...sourceFiles(join(ROOT, 'apps')), ...sourceFiles(join(ROOT, 'libs'))].map((f) => ({
  path: relative(ROOT, f),
  text: readFileSync(f, 'utf8'),
}));

/** The files other than `home` whose text matches `pattern`. */
function copiesOf(pattern: RegExp, home: string): string[] {
  return files.filter((f) => f.path !== home && pattern.test(f.text)).map((f) => f.path);
}

describe('one runtime', () => {
  it('reads the sources', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  it('connects to NATS only through createNatsConnection (libs/runtime/src/nats.ts)', () => {
    expect(copiesOf(/import\s*\{[^}]*\bconnect\b[^}]*\}\s*from\s*'nats'/, 'libs/runtime/src/nats.ts')).toEqual([]);
  });

  it('sleeps only through sleep()/Waker (libs/runtime/src/sleep.ts)', () => {
    expect(copiesOf(/new Promise(<void>)?\(\s*\(?(r|res|resolve)\)?\s*=>\s*setTimeout\(\s*\2\s*,/, 'libs/runtime/src/sleep.ts')).toEqual(
      [],
    );
  });

  it('backs off only through backoffDelayMs (libs/runtime/src/backoff.ts)', () => {
    expect(copiesOf(/\*\*\s*\(?\s*(attempt|attempts|failures|retries|retry)\b/, 'libs/runtime/src/backoff.ts')).toEqual([]);
  });
});
