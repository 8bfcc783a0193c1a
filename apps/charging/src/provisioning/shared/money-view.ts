/**
 * Money in the provisioning API. Requests carry decimal strings in currency units ("12.50", at most
 * 6 decimals: @app/money `parseMoney`); responses carry every amount twice, as a decimal string of
 * micros ("12500000", exact, what machines should read) and as a formatted currency string
 * ("12.50 EUR", for people). Never a JSON number.
 */
import { ApiProperty } from '@nestjs/swagger';
import { currencyExponent, formatMoney, MoneyError, parseMoney } from '@app/money';
import { ProvisioningError } from '../provisioning-error';

export class MoneyView {
  @ApiProperty({ description: 'Exact amount as a decimal string of micro-units of the currency', example: '12500000' })
  micros!: string;

  @ApiProperty({
    description: 'Amount in currency units followed by the ISO 4217 code (at least the currency minor-unit decimals, never rounded)',
    example: '12.50 EUR',
  })
  formatted!: string;
}

export function moneyView(micros: bigint, currency: string): MoneyView {
  return { micros: micros.toString(), formatted: `${formatMoney(micros, currencyExponent(currency))} ${currency}` };
}

/** Parses a decimal money string of a request field; bad input names the field. */
export function parseMoneyField(field: string, text: unknown, opts: { min?: bigint } = {}): bigint {
  let micros: bigint;
  try {
    micros = parseMoney(text);
  } catch (e) {
    if (e instanceof MoneyError) throw ProvisioningError.invalid(field, e.message);
    throw e;
  }
  if (opts.min !== undefined && micros < opts.min) {
    throw ProvisioningError.invalid(field, `must be at least ${formatMoney(opts.min)}`);
  }
  return micros;
}
