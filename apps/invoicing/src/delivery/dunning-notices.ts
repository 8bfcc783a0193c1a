/**
 * Dunning notices (issue 10 §4: "notices go out through the same delivery channels as invoicing"):
 * collections publishes DUNNING_STEP_TAKEN (`ratel.collections.v1`, RATEL_COLLECTIONS) with the
 * notices of the step; this process turns each into one delivery to the billing account's delivery
 * preferences: EMAIL to `delivery_email`, SMS to `delivery_sms_msisdn` (a portal-only account, or one
 * without that address, gets nothing on that channel: counted as no_recipient). The text comes from
 * templates/dunning.<lang>.json (subject and text per template; placeholders {overdue}, {currency},
 * {dueDate}, {account}; the amount exact, in the currency's decimals). The delivery's subject is the
 * event id, so an event read twice is still delivered once per channel.
 */
import type { DunningNoticeTemplate, DunningStepTakenEvent } from '@app/events';
import { DUNNING_NOTICE_TEMPLATES } from '@app/events';
import { minorToDecimal } from '@app/money';
import type { Pool } from 'pg';
import type { PgDeliveryStore } from './delivery-store';
import { NOTIFICATION_LANGUAGES, type NotificationLanguage } from './notification-templates';
import en from './templates/dunning.en.json';
import fr from './templates/dunning.fr.json';

type Templates = Record<DunningNoticeTemplate, { subject: string; text: string }>;

const TEMPLATES: Record<NotificationLanguage, Templates> = { en, fr };
const DECIMAL_SEPARATOR: Record<NotificationLanguage, string> = { en: '.', fr: ',' };
const PLACEHOLDER = /\{(overdue|currency|dueDate|account)\}/g;

/** The subject and text of one notice in `language`. Pure. */
export function renderDunningNotice(
  e: Pick<DunningStepTakenEvent, 'accountId' | 'currency' | 'overdueMinor' | 'oldestDueDate'>,
  template: DunningNoticeTemplate,
  language: NotificationLanguage,
): { subject: string; text: string } {
  const values: Record<string, string> = {
    overdue: minorToDecimal(BigInt(e.overdueMinor), e.currency).replace('.', DECIMAL_SEPARATOR[language]),
    currency: e.currency,
    dueDate: e.oldestDueDate,
    account: e.accountId,
  };
  const t = TEMPLATES[language][template];
  const fill = (s: string) => s.replace(PLACEHOLDER, (_, name: string) => values[name]);
  return { subject: fill(t.subject), text: fill(t.text) };
}

/** Every language has a subject and a text for every template (checked by the unit spec and at start). */
export function assertDunningTemplatesComplete(): void {
  for (const lang of NOTIFICATION_LANGUAGES)
    for (const template of DUNNING_NOTICE_TEMPLATES) {
      const t = TEMPLATES[lang][template];
      if (typeof t?.subject !== 'string' || t.subject === '' || typeof t.text !== 'string' || t.text === '')
        throw new Error(`no ${lang} dunning template ${template}`);
    }
}

/** What became of one notice (the label of `ratel_delivery_dunning_notices_total`). */
export type DunningNoticeOutcome = 'enqueued' | 'duplicate' | 'no_recipient';

export class EnqueueDunningNotices {
  constructor(
    private readonly pool: Pool,
    private readonly store: PgDeliveryStore,
    private readonly language: NotificationLanguage,
  ) {}

  /** One outcome per notice of the step, in order. */
  async execute(e: DunningStepTakenEvent): Promise<DunningNoticeOutcome[]> {
    const out: DunningNoticeOutcome[] = [];
    if (e.notices.length === 0) return out;
    const { rows } = await this.pool.query<{ email: string | null; msisdn: string | null }>(
      `select delivery_email as email, delivery_sms_msisdn as msisdn from billing_account where id = $1`,
      [e.accountId],
    );
    const account = rows[0];
    for (const n of e.notices) {
      const recipient = n.channel === 'EMAIL' ? account?.email : account?.msisdn;
      if (recipient === null || recipient === undefined) {
        out.push('no_recipient');
        continue;
      }
      const { subject, text } = renderDunningNotice(e, n.template, this.language);
      const { created } = await this.store.enqueue({
        subjectKind: 'DUNNING_NOTICE',
        subjectId: e.eventId,
        channel: n.channel,
        recipient,
        payload: n.channel === 'EMAIL' ? { subject, text } : { text },
      });
      out.push(created ? 'enqueued' : 'duplicate');
    }
    return out;
  }
}
