/**
 * CdrStore on ClickHouse. SQL goes through the `sql` tag of libs/analytics (the one escaping
 * module); rows go in as JSONEachRow (bigint money as bare integers: the client must come from
 * `createClickhouseClient`). 64-bit results come back through toString(), exact on 18.16 and
 * current servers. Aggregates are aliased `f_*` / `r_*`: ClickHouse aliases are global within a
 * SELECT, so `argMax(name, revision) AS name` would shadow the column.
 */
import { ClickHouseClient, formatDateTime, qualified, Sql, sql, str, uint64 } from '@app/analytics';
import type { CdrFormat } from '../cdr-formats';
import type { CdrFileSummary, CdrFileSource, CdrFileStatus, CdrRejectRow, CdrStore, FileCursor } from './cdr-store';

export const CDR_FILES_TABLE = 'cdr_files';
export const CDR_REJECTS_TABLE = 'cdr_rejects';

interface FileRecord {
  fileId: string;
  f_name: string;
  f_format: string;
  f_source: string;
  f_sha256: string;
  f_sizeBytes: string;
  f_lines: string;
  f_status: string;
  f_records: string;
  f_rated: string;
  f_rejected: string;
  f_currencies: string[];
  f_amounts: string[];
  f_error: string;
  f_startedAtMs: string;
  f_finishedAtMs: string;
  f_revision: string;
}

const FILE_COLUMNS = sql`fileId,
  argMax(name, revision) AS f_name, toString(argMax(format, revision)) AS f_format,
  toString(argMax(source, revision)) AS f_source, argMax(sha256, revision) AS f_sha256,
  toString(argMax(sizeBytes, revision)) AS f_sizeBytes, toString(argMax(lines, revision)) AS f_lines,
  toString(argMax(status, revision)) AS f_status, toString(argMax(records, revision)) AS f_records,
  toString(argMax(rated, revision)) AS f_rated, toString(argMax(rejected, revision)) AS f_rejected,
  argMax(totalCurrencies, revision) AS f_currencies,
  arrayMap(x -> toString(x), argMax(totalAmountMicros, revision)) AS f_amounts,
  argMax(error, revision) AS f_error, toString(argMax(startedAtMs, revision)) AS f_startedAtMs,
  toString(argMax(finishedAtMs, revision)) AS f_finishedAtMs, toString(max(revision)) AS f_revision`;

function toSummary(r: FileRecord): CdrFileSummary {
  return {
    fileId: r.fileId,
    name: r.f_name,
    format: r.f_format as CdrFormat,
    source: r.f_source as CdrFileSource,
    sha256: r.f_sha256,
    sizeBytes: Number(r.f_sizeBytes),
    lines: Number(r.f_lines),
    status: r.f_status as CdrFileStatus,
    records: Number(r.f_records),
    rated: Number(r.f_rated),
    rejected: Number(r.f_rejected),
    totals: r.f_currencies.map((currency, i) => ({ currency, amountMicros: BigInt(r.f_amounts[i]) })),
    error: r.f_error,
    startedAtMs: Number(r.f_startedAtMs),
    finishedAtMs: Number(r.f_finishedAtMs),
    revision: Number(r.f_revision),
  };
}

export class ClickhouseCdrStore implements CdrStore {
  private readonly files: Sql;
  private readonly rejects: Sql;

  constructor(
    private readonly client: ClickHouseClient,
    database: string,
  ) {
    this.files = qualified(database, CDR_FILES_TABLE);
    this.rejects = qualified(database, CDR_REJECTS_TABLE);
  }

  async putFile(s: CdrFileSummary): Promise<void> {
    const { totals, ...rest } = s;
    const row = { ...rest, totalCurrencies: totals.map((t) => t.currency), totalAmountMicros: totals.map((t) => t.amountMicros) };
    await this.client.insert({ table: this.files.text, values: [row], format: 'JSONEachRow' });
  }

  async getFile(fileId: string): Promise<CdrFileSummary | undefined> {
    const rows = await this.query<FileRecord>(sql`SELECT ${FILE_COLUMNS} FROM ${this.files} WHERE fileId = ${str(fileId)} GROUP BY fileId`);
    return rows.length === 0 ? undefined : toSummary(rows[0]);
  }

  async listFiles(limit: number, before?: FileCursor): Promise<CdrFileSummary[]> {
    const where = before
      ? sql`WHERE toUInt64(f_startedAtMs) < ${uint64(before.startedAtMs)} OR (toUInt64(f_startedAtMs) = ${uint64(before.startedAtMs)} AND fileId < ${str(before.fileId)})`
      : sql``;
    const rows = await this.query<FileRecord>(sql`
      SELECT * FROM (SELECT ${FILE_COLUMNS} FROM ${this.files} GROUP BY fileId)
      ${where}
      ORDER BY toUInt64(f_startedAtMs) DESC, fileId DESC
      LIMIT ${uint64(limit)}`);
    return rows.map(toSummary);
  }

  async insertRejects(rows: readonly CdrRejectRow[]): Promise<void> {
    if (rows.length === 0) return;
    const values = rows.map(({ rejectedAtMs, ...r }) => ({ ...r, rejectedAt: formatDateTime(rejectedAtMs) }));
    await this.client.insert({ table: this.rejects.text, values, format: 'JSONEachRow' });
  }

  async listRejects(fileId: string, afterLine: number, limit: number): Promise<CdrRejectRow[]> {
    const rows = await this.query<Record<string, string>>(sql`
      SELECT toString(lineNumber) AS r_line, any(fileName) AS r_fileName, toString(any(format)) AS r_format,
             any(reasonCode) AS r_code, any(reason) AS r_reason, any(rawLine) AS r_raw,
             toString(toUInt64(any(rejectedAt))) AS r_at
      FROM ${this.rejects}
      WHERE fileId = ${str(fileId)} AND lineNumber > ${uint64(afterLine)}
      GROUP BY lineNumber
      ORDER BY lineNumber
      LIMIT ${uint64(limit)}`);
    return rows.map((r) => ({
      fileId,
      lineNumber: Number(r.r_line),
      fileName: r.r_fileName,
      format: r.r_format as CdrFormat,
      reasonCode: r.r_code,
      reason: r.r_reason,
      rawLine: r.r_raw,
      rejectedAtMs: Number(r.r_at) * 1000,
    }));
  }

  private async query<T>(q: Sql): Promise<T[]> {
    const rs = await this.client.query({ query: q.text, format: 'JSONEachRow' });
    return rs.json<T>();
  }
}
