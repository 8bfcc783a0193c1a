/** Destination zones: longest-prefix match of a called number across every zone of a plan. */
import type { DestinationZone } from './price-plan';

export class PrefixIndex {
  private readonly zoneByPrefix = new Map<string, string>();
  private readonly longestPrefix: number;

  /** Prefixes must be unique across zones (parsePricePlan checks it). */
  constructor(zones: readonly DestinationZone[]) {
    let longest = 0;
    for (const zone of zones) {
      for (const prefix of zone.prefixes) {
        this.zoneByPrefix.set(prefix, zone.id);
        longest = Math.max(longest, prefix.length);
      }
    }
    this.longestPrefix = longest;
  }

  /**
   * The zone of the longest prefix of `calledNumber` (digits, optional leading "+", already
   * validated), or undefined when no prefix matches or there is no number.
   */
  zoneOf(calledNumber: string | undefined): string | undefined {
    if (calledNumber === undefined) return undefined;
    const digits = calledNumber.startsWith('+') ? calledNumber.slice(1) : calledNumber;
    for (let length = Math.min(this.longestPrefix, digits.length); length > 0; length--) {
      const zone = this.zoneByPrefix.get(digits.slice(0, length));
      if (zone !== undefined) return zone;
    }
    return undefined;
  }
}
