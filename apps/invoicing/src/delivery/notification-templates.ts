/**
 * The texts of subscriber notifications, one template file per language (templates/notifications.<lang>.json,
 * one template per notification type). Placeholders: {balance}, {threshold}, {available}, {currency};
 * amounts are shown exactly (never rounded away), in the currency's minor-unit decimals at least, with
 * the language's decimal separator. Rendering is pure.
 */
import type { Notification, NotificationType } from '@app/events';
import { currencyExponent, formatMoney } from '@app/money';
import { NOTIFICATION_TYPES } from '@app/events';
import en from './templates/notifications.en.json';
import fr from './templates/notifications.fr.json';

export const NOTIFICATION_LANGUAGES = ['en', 'fr'] as const;
export type NotificationLanguage = (typeof NOTIFICATION_LANGUAGES)[number];

type Templates = Record<NotificationType, string>;

const TEMPLATES: Record<NotificationLanguage, Templates> = { en, fr };
const DECIMAL_SEPARATOR: Record<NotificationLanguage, string> = { en: '.', fr: ',' };

const PLACEHOLDER = /\{(balance|threshold|available|currency)\}/g;

/** The language a notification is written in: `preferred` when there are templates for it, else `fallback`. */
export function languageOf(preferred: string | null | undefined, fallback: NotificationLanguage): NotificationLanguage {
  const base = (preferred ?? '').toLowerCase().split(/[-_]/)[0];
  return (NOTIFICATION_LANGUAGES as readonly string[]).includes(base) ? (base as NotificationLanguage) : fallback;
}

/** The text of one notification in `language`. */
export function renderNotification(n: Notification, language: NotificationLanguage): string {
  const template = TEMPLATES[language][n.type];
  const exponent = currencyExponent(n.currency);
  const amount = (micros: string) => formatMoney(BigInt(micros), exponent).replace('.', DECIMAL_SEPARATOR[language]);
  const values: Record<string, string> = {
    balance: amount(n.balanceAfterMicros),
    threshold: amount(n.thresholdMicros),
    available: amount(n.availableAfterMicros ?? n.balanceAfterMicros),
    currency: n.currency,
  };
  return template.replace(PLACEHOLDER, (_, name: string) => values[name]);
}

/** Every language has a template for every type (checked by the unit spec and at start). */
export function assertTemplatesComplete(): void {
  for (const lang of NOTIFICATION_LANGUAGES)
    for (const type of NOTIFICATION_TYPES)
      if (typeof TEMPLATES[lang][type] !== 'string' || TEMPLATES[lang][type].length === 0)
        throw new Error(`no ${lang} template for ${type}`);
}
