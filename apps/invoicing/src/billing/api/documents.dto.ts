/** OpenAPI shapes of the documents and review API (money: strings of minor-unit digits). */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CREDIT_KINDS, DOCUMENT_STATUSES, DOCUMENT_TYPES, TAX_CATEGORIES } from '../documents/document-types';

export class HoldReasonView {
  @ApiProperty({ example: 'USAGE_SPIKE' }) code!: string;
  @ApiProperty() detail!: string;
}

export class DocumentSummaryView {
  @ApiProperty() id!: string;
  @ApiProperty() accountId!: string;
  @ApiPropertyOptional({ nullable: true }) cycleId!: string | null;
  @ApiProperty({ enum: DOCUMENT_TYPES }) type!: string;
  @ApiProperty({ enum: DOCUMENT_STATUSES }) status!: string;
  @ApiPropertyOptional({ nullable: true, example: 'INV2026-000123' }) number!: string | null;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ example: '10000', description: 'minor units' }) netMinor!: string;
  @ApiProperty({ example: '2000' }) taxMinor!: string;
  @ApiProperty({ example: '12000' }) grossMinor!: string;
  @ApiProperty({ example: '0' }) paidMinor!: string;
  @ApiPropertyOptional({ nullable: true, format: 'date' }) issueDate!: string | null;
  @ApiPropertyOptional({ nullable: true, format: 'date' }) dueDate!: string | null;
  @ApiPropertyOptional({ nullable: true, format: 'date' }) periodStart!: string | null;
  @ApiPropertyOptional({ nullable: true, format: 'date', description: 'exclusive' }) periodEnd!: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'ISO 11649 RF creditor reference' }) paymentReference!: string | null;
  @ApiPropertyOptional({ nullable: true }) correctsDocumentId!: string | null;
  @ApiProperty({ type: [HoldReasonView] }) holdReasons!: HoldReasonView[];
}

export class DocumentListView {
  @ApiProperty({ type: [DocumentSummaryView] }) documents!: DocumentSummaryView[];
  @ApiProperty({ description: 'documents matching the filter' }) total!: number;
}

export class LineView {
  @ApiProperty() lineNo!: number;
  @ApiPropertyOptional({ nullable: true }) parentLineNo!: number | null;
  @ApiProperty({ example: 'USAGE' }) kind!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ example: '1000' }) quantity!: string;
  @ApiProperty({ example: 'BYTES' }) unit!: string;
  @ApiProperty({ example: '0.05', description: 'minor units, may be a fraction' }) unitPriceMinor!: string;
  @ApiProperty({ example: '50' }) amountMinor!: string;
  @ApiProperty({ enum: TAX_CATEGORIES }) taxCategory!: string;
  @ApiProperty({ example: '0.2' }) taxRate!: string;
  @ApiProperty() late!: boolean;
  @ApiPropertyOptional({ nullable: true }) reason!: string | null;
}

export class TaxView {
  @ApiProperty({ enum: TAX_CATEGORIES }) taxCategory!: string;
  @ApiProperty({ example: '0.2' }) taxRate!: string;
  @ApiProperty() taxableMinor!: string;
  @ApiProperty() taxMinor!: string;
}

export class DeliveryView {
  @ApiProperty({ example: 'PORTAL' }) channel!: string;
  @ApiProperty({ example: 'SENT' }) status!: string;
  @ApiProperty() attempts!: number;
  @ApiPropertyOptional({ nullable: true, format: 'date-time' }) sentAt!: string | null;
}

export class RenditionView {
  @ApiProperty({ enum: ['PDF', 'UBL'] }) kind!: string;
  @ApiProperty({ enum: ['RENDERED', 'SKIPPED'], description: 'SKIPPED: no file (a UBL only), skipCode and skipReason say why' })
  status!: string;
  @ApiProperty({ nullable: true, type: String }) sha256!: string | null;
  @ApiProperty({ nullable: true, type: Number }) bytes!: number | null;
  @ApiProperty({
    nullable: true,
    type: String,
    enum: ['SELLER_ADDRESS_MISSING', 'CUSTOMER_ADDRESS_MISSING', 'UNSUPPORTED_CONTENT', 'INVALID_DOCUMENT'],
  })
  skipCode!: string | null;
  @ApiProperty({ nullable: true, type: String }) skipReason!: string | null;
}

export class DocumentDetailView extends DocumentSummaryView {
  @ApiProperty({ type: [LineView] }) lines!: LineView[];
  @ApiProperty({ type: [TaxView] }) taxes!: TaxView[];
  @ApiProperty({ type: [DeliveryView] }) deliveries!: DeliveryView[];
  @ApiProperty({ type: [RenditionView] }) renditions!: RenditionView[];
  @ApiPropertyOptional({ nullable: true }) approvedBy!: string | null;
  @ApiPropertyOptional({ nullable: true, format: 'date-time' }) approvedAt!: string | null;
}

export class ReasonBody {
  @ApiProperty({ description: 'why, for the audit log' }) reason!: string;
}

export class ManualLineBody {
  @ApiProperty() description!: string;
  @ApiProperty({ example: '500', description: 'minor units, may be negative (a goodwill discount)' }) amountMinor!: string;
  @ApiPropertyOptional({ enum: TAX_CATEGORIES, default: 'STANDARD' }) taxCategory?: string;
  @ApiPropertyOptional({ example: '0.2', default: '0' }) taxRate?: string;
  @ApiProperty() reason!: string;
}

export class NoteBody {
  @ApiProperty({ example: '1000', description: 'net amount in minor units; the invoice main tax rate applies' }) netMinor!: string;
  @ApiProperty() reason!: string;
  @ApiPropertyOptional({ enum: CREDIT_KINDS, description: 'credit notes only', default: 'ACCOUNT_CREDIT' }) creditKind?: string;
}
