/**
 * Barring goes through charging's provisioning API (POST /v1/accounts/{id}/soft-bar, /bar and /unbar),
 * which is idempotent: barring a barred account changes nothing there. The soft bar (outgoing barred)
 * leaves the account only the services its tariff prices at zero; the bar denies every service. A call that fails throws, so the dunning
 * step that made it is not recorded and is tried again at the next evaluation.
 */

/** How long one call to charging may take. */
export const BARRING_CALL_TIMEOUT_MS = 5_000;

/** ALL: charging's bar; OUTGOING: its soft bar. */
export type BarLevel = 'ALL' | 'OUTGOING';

export interface BarringPort {
  bar(accountId: string, level: BarLevel): Promise<void>;
  unbar(accountId: string): Promise<void>;
}

export class ChargingBarring implements BarringPort {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  bar(accountId: string, level: BarLevel): Promise<void> {
    return this.call(accountId, level === 'ALL' ? 'bar' : 'soft-bar');
  }

  unbar(accountId: string): Promise<void> {
    return this.call(accountId, 'unbar');
  }

  private async call(accountId: string, what: 'bar' | 'soft-bar' | 'unbar'): Promise<void> {
    const url = `${this.baseUrl.replace(/\/$/, '')}/v1/accounts/${encodeURIComponent(accountId)}/${what}`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'x-api-key': this.apiKey },
      signal: AbortSignal.timeout(BARRING_CALL_TIMEOUT_MS),
    });
    if (!res.ok) throw new Error(`charging ${what} of ${accountId}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
  }
}
