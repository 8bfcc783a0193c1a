import { DatabaseError } from 'pg';
import { parkReason } from './balance-journal';

function pgError(code: string): DatabaseError {
  const e = new DatabaseError('failed', 0, 'error');
  e.code = code;
  return e;
}

describe('balance journal: what is parked and what is retried', () => {
  it.each([
    ['22003', 'out_of_range'],
    ['22P02', 'invalid_data'],
    ['23514', 'constraint'],
    ['23502', 'constraint'],
  ])('PostgreSQL %s (the values break a journal limit) is parked as %s', (code, reason) => {
    expect(parkReason(pgError(code))).toBe(reason);
  });

  it.each(['08006', '57P01', '40001', '40P01', '53300', '42P01'])('PostgreSQL %s (the server, not the event) is retried', (code) => {
    expect(parkReason(pgError(code))).toBeUndefined();
  });

  it('a connection error without a SQLSTATE is retried', () => {
    expect(parkReason(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBeUndefined();
  });
});
