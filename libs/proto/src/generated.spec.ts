/**
 * The committed generated code must be exactly what scripts/proto-gen.sh produces from proto/:
 * regenerate into a temporary directory and compare file by file.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const COMMITTED_DIR = join(__dirname, 'generated');
const hasProtoc = spawnSync('protoc', ['--version']).status === 0;

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? listFiles(path) : [path];
    })
    .sort();
}

function snapshot(dir: string): Map<string, string> {
  return new Map(listFiles(dir).map((f) => [relative(dir, f), readFileSync(f, 'utf8')]));
}

if (!hasProtoc) {
  console.warn('libs/proto generated.spec: SKIPPED, protoc is not on PATH (install protobuf-compiler)');
}

(hasProtoc ? describe : describe.skip)('generated protobuf code', () => {
  it('matches a fresh run of scripts/proto-gen.sh (run `npm run proto:gen` and commit the result)', () => {
    const out = mkdtempSync(join(tmpdir(), 'ratel-proto-'));
    try {
      execFileSync('bash', [join(ROOT, 'scripts', 'proto-gen.sh'), out], { cwd: ROOT, stdio: 'pipe' });
      const fresh = snapshot(out);
      const committed = snapshot(COMMITTED_DIR);
      expect([...committed.keys()]).toEqual([...fresh.keys()]);
      for (const [file, text] of fresh) {
        expect({ file, text: committed.get(file) }).toEqual({ file, text });
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
