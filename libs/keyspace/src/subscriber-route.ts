/**
 * A subscriber's route, as provisioning writes it under BalanceKeys.route (JSON): the account that
 * pays and what rating needs of it. Read by the charging gateway and by CDR mediation.
 */
export interface SubscriberRoute {
  accountId: string;
  planId: string;
  timeZone: string;
  currency: string;
  cycleDay: number;
}
