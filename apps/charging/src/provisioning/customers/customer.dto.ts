import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import type { Customer } from '@app/db/core';
import { EMAIL_MAX_LENGTH, EXTERNAL_REF_MAX_LENGTH, ID_MAX_LENGTH, ID_PATTERN, NAME_MAX_LENGTH } from '../provisioning.limits';

export class CreateCustomerBody {
  @ApiPropertyOptional({
    description: 'Client-chosen id; generated (`cus_...`) when absent',
    pattern: ID_PATTERN.source,
    maxLength: ID_MAX_LENGTH,
  })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: `id must match ${ID_PATTERN.source}` })
  id?: string;

  @ApiProperty({ maxLength: NAME_MAX_LENGTH, example: 'Erika Mustermann' })
  @IsString()
  @Length(1, NAME_MAX_LENGTH)
  name!: string;

  @ApiPropertyOptional({ maxLength: EMAIL_MAX_LENGTH, example: 'erika@example.org' })
  @IsOptional()
  @IsEmail()
  @MaxLength(EMAIL_MAX_LENGTH)
  email?: string;

  @ApiPropertyOptional({ description: "The customer's id in the operator's CRM (unique)", maxLength: EXTERNAL_REF_MAX_LENGTH })
  @IsOptional()
  @IsString()
  @Length(1, EXTERNAL_REF_MAX_LENGTH)
  externalRef?: string;
}

export class CustomerResponse {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) email!: string | null;
  @ApiProperty({ nullable: true, type: String }) externalRef!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export function customerResponse(c: Customer): CustomerResponse {
  return { id: c.id, name: c.name, email: c.email ?? null, externalRef: c.externalRef ?? null, createdAt: c.createdAt.toISOString() };
}
