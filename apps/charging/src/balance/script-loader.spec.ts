import { functionLibrary, readScriptSources, resolveIncludes, SCRIPT_VERSIONS } from './script-loader';

describe('script loader', () => {
  const scripts = readScriptSources();

  it('loads every versioned script with its key count from the file name', () => {
    expect(scripts.map((s) => s.command).sort()).toEqual(
      Object.entries(SCRIPT_VERSIONS)
        .map(([n, v]) => `${n}_v${v}`)
        .sort(),
    );
    expect(scripts.find((s) => s.name === 'chargeSession')?.numberOfKeys).toBe(7);
    expect(scripts.find((s) => s.name === 'upsertAccount')?.numberOfKeys).toBe(3);
  });

  it.each(scripts.map((s) => [s.name, s] as const))('%s has a header naming keys, argv, reply and errors', (_n, s) => {
    for (let i = 1; i <= s.numberOfKeys; i++) expect(s.body).toMatch(new RegExp(`KEYS\\[${i}\\]`));
    expect(s.body).toMatch(/ARGV\[1\]/);
    expect(s.body).toMatch(/Reply:/);
    expect(s.body).toMatch(/Errors:/);
    expect(s.body).not.toMatch(/--- @include/);
  });

  it('never converts numbers with tostring', () => {
    // The whole library: every script body and every include.
    expect(functionLibrary().code).not.toMatch(/\btostring\s*\(/);
  });

  it('inlines each include once, recursively', () => {
    const files: Record<string, string> = { a: '--- @include "b"\nA', b: 'B' };
    expect(resolveIncludes('--- @include "a"\n--- @include "b"\nX', (n) => files[n])).toBe('B\nA\n-- (include "b" already inlined)\nX');
  });
});
