/**
 * Ratel's rating-group conventions (Diameter Rating-Group / 5G rating group). Network elements
 * send these numbers; demo plans and load tests use them. See libs/rating/README.md.
 */
export const RatingGroups = Object.freeze({
  /** Voice calls, rated in SECONDS. */
  VOICE: 10,
  /** Mobile data, rated in BYTES. */
  DATA: 20,
  /** SMS, rated in EVENTS (one per message). */
  SMS: 30,
  /** Content purchases (apps, tickets, premium services), rated in EVENTS; serviceId names the item. */
  CONTENT: 40,
});
