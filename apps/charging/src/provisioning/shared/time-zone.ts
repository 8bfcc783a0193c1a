import { TIME_ZONE_MAX_LENGTH, TIME_ZONE_PATTERN } from '../provisioning.limits';

/** True when `tz` is an IANA zone name this runtime knows ("Europe/Berlin", "UTC"); offsets like "+01:00" are refused. */
export function isIanaTimeZone(tz: string): boolean {
  if (tz.length > TIME_ZONE_MAX_LENGTH || !TIME_ZONE_PATTERN.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
