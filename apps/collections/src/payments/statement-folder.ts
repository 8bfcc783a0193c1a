/**
 * A watched folder of bank statements: the bank's SFTP drop or a shared volume. Every regular file
 * put in the folder is imported once (camt.053, camt.054 or MT940, told by its content) and moved
 * out of the way with its summary beside it:
 *
 *   <dir>/                      new files (names starting with "." are ignored: uploads in progress)
 *   <dir>/processing/           a file being imported, claimed by an atomic rename (one watcher gets it)
 *   <dir>/done/                 imported (possibly with rejected entries), with <name>.summary.json
 *   <dir>/rejected/             not a statement, or not well-formed, with <name>.summary.json
 *
 * A file whose last change is younger than `settleMs` is left for the next scan (still being
 * written). While a file is imported its mtime is touched every IMPORT_HEARTBEAT_MS; a file left in
 * processing/ with an mtime older than `staleAfterMs` belonged to a watcher that died, and goes back
 * to the folder: importing it again applies each entry once (the import is idempotent by the
 * bank's references), and the dead import row is marked ABANDONED.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  IMPORT_HEARTBEAT_MS,
  IMPORT_STALE_AFTER_MS_DEFAULT,
  type ImportStatement,
  ImportStatementCommand,
  type ImportSummary,
} from './import-statement.usecase';

/** A file must be unchanged this long before it is imported. */
export const FOLDER_SETTLE_MS_DEFAULT = 2_000;
/** Files imported per scan (the next scan takes the rest). */
export const FOLDER_FILES_PER_SCAN_MAX = 100;
export const FOLDER_SUBDIRECTORIES = ['processing', 'done', 'rejected'] as const;

export interface FolderFileResult {
  file: string;
  movedTo: string;
  summary: ImportSummary;
}

export interface StatementFolderOptions {
  dir: string;
  requestedBy: string;
  settleMs?: number;
  staleAfterMs?: number;
  nowMs?: () => number;
  /** Called for each file as it is imported, with the bytes read so far (a progress bar). */
  onBytes?: (file: string, bytes: number) => void;
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export class StatementFolder {
  private readonly settleMs: number;
  private readonly staleAfterMs: number;
  private readonly now: () => number;

  constructor(
    private readonly importer: ImportStatement,
    private readonly o: StatementFolderOptions,
  ) {
    this.settleMs = o.settleMs ?? FOLDER_SETTLE_MS_DEFAULT;
    this.staleAfterMs = o.staleAfterMs ?? IMPORT_STALE_AFTER_MS_DEFAULT;
    this.now = o.nowMs ?? Date.now;
  }

  /** One pass: stale claims back to the folder, then every settled file imported; resolves to what was imported. */
  async scanOnce(): Promise<FolderFileResult[]> {
    for (const sub of FOLDER_SUBDIRECTORIES) await mkdir(join(this.o.dir, sub), { recursive: true });
    await this.reclaimStale();
    const candidates: { name: string; mtimeMs: number }[] = [];
    for (const entry of await readdir(this.o.dir, { withFileTypes: true })) {
      if (!entry.isFile() || entry.name.startsWith('.')) continue;
      const s = await stat(join(this.o.dir, entry.name)).catch(() => undefined);
      if (s === undefined || this.now() - s.mtimeMs < this.settleMs) continue;
      candidates.push({ name: entry.name, mtimeMs: s.mtimeMs });
    }
    candidates.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : 1));
    const results: FolderFileResult[] = [];
    for (const c of candidates.slice(0, FOLDER_FILES_PER_SCAN_MAX)) {
      const r = await this.importOne(c.name);
      if (r !== undefined) results.push(r);
    }
    return results;
  }

  private async reclaimStale(): Promise<void> {
    const processing = join(this.o.dir, 'processing');
    for (const name of await readdir(processing)) {
      const s = await stat(join(processing, name)).catch(() => undefined);
      if (s === undefined || !s.isFile() || this.now() - s.mtimeMs < this.staleAfterMs) continue;
      // name is "<original>.<claim>": the original name again, in the folder.
      await rename(join(processing, name), join(this.o.dir, name.replace(/\.claim-[0-9a-f]{8}$/, ''))).catch(() => undefined);
    }
  }

  private async importOne(name: string): Promise<FolderFileResult | undefined> {
    const claimed = join(this.o.dir, 'processing', `${name}.claim-${randomBytes(4).toString('hex')}`);
    try {
      await rename(join(this.o.dir, name), claimed);
    } catch {
      return undefined; // another watcher took it
    }
    const beat = setInterval(() => {
      const t = new Date(this.now());
      void utimes(claimed, t, t).catch(() => undefined);
    }, IMPORT_HEARTBEAT_MS);
    try {
      const t = new Date(this.now());
      await utimes(claimed, t, t);
      const cmd = ImportStatementCommand.create({ fileName: name, sha256: await sha256OfFile(claimed), requestedBy: this.o.requestedBy });
      let bytes = 0;
      const onBytes = this.o.onBytes;
      async function* chunks(): AsyncGenerator<Buffer> {
        for await (const chunk of createReadStream(claimed)) {
          bytes += (chunk as Buffer).length;
          onBytes?.(name, bytes);
          yield chunk as Buffer;
        }
      }
      let summary: ImportSummary;
      try {
        summary = await this.importer.execute(cmd, chunks());
      } catch (err) {
        // Not the file's fault (the database went away): back to the folder for the next scan.
        await rename(claimed, join(this.o.dir, name)).catch(() => undefined);
        throw err;
      }
      const target = summary.status === 'DONE' ? 'done' : 'rejected';
      const movedTo = await this.moveOut(claimed, target, name, summary.importId);
      await writeFile(`${movedTo}.summary.json`, `${JSON.stringify(summary, null, 2)}\n`);
      return { file: name, movedTo, summary };
    } finally {
      clearInterval(beat);
    }
  }

  /** Into done/ or rejected/ under its own name, or with the import id added when that name is taken. */
  private async moveOut(claimed: string, target: string, name: string, importId: string): Promise<string> {
    let to = join(this.o.dir, target, name);
    if (
      await stat(to).then(
        () => true,
        () => false,
      )
    )
      to = join(this.o.dir, target, `${name}.${importId}`);
    await rename(claimed, to);
    return to;
  }
}
