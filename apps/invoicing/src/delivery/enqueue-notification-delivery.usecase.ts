/**
 * A balance notification becomes one delivery to the prepaid subscriber: an SMS to the line, or a
 * push webhook, with the text of the subscriber's language. The delivery's subject is the
 * notification's event id, so a notification read twice (JetStream redelivery, a consumer restart)
 * is still delivered once.
 */
import type { Notification } from '@app/events';
import type { EnqueueDelivery, PgDeliveryStore } from './delivery-store';
import { languageOf, NotificationLanguage, renderNotification } from './notification-templates';
import type { SubscriberContacts } from './subscriber-contacts';

export type NotificationOutcome = 'enqueued' | 'duplicate' | 'no_recipient';

export interface NotificationDeliverySettings {
  channel: 'SMS' | 'WEBHOOK';
  /** The push service that relays to the subscriber's app (WEBHOOK only). */
  webhookUrl?: string;
  defaultLanguage: NotificationLanguage;
}

export class EnqueueNotificationDelivery {
  constructor(
    private readonly store: PgDeliveryStore,
    private readonly contacts: SubscriberContacts,
    private readonly settings: NotificationDeliverySettings,
  ) {}

  async execute(n: Notification): Promise<NotificationOutcome> {
    const contact = await this.contacts.find(n.accountId);
    if (contact === null) return 'no_recipient';
    const text = renderNotification(n, languageOf(contact.language, this.settings.defaultLanguage));
    const common = { subjectKind: 'NOTIFICATION', subjectId: n.eventId } as const;
    const delivery: EnqueueDelivery =
      this.settings.channel === 'WEBHOOK'
        ? {
            ...common,
            channel: 'WEBHOOK',
            recipient: this.settings.webhookUrl!,
            payload: { text, data: { notification: n, msisdn: contact.msisdn } },
          }
        : { ...common, channel: 'SMS', recipient: contact.msisdn, payload: { text } };
    const { created } = await this.store.enqueue(delivery);
    return created ? 'enqueued' : 'duplicate';
  }
}
