import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import type { Customer } from '@app/db/core';
import { EMAIL_LENGTH_MAX, EXTERNAL_REF_LENGTH_MAX, ID_LENGTH_MAX, ID_PATTERN, NAME_LENGTH_MAX } from '../provisioning.limits';

export class CreateCustomerBody {
  @ApiPropertyOptional({
    description: 'Client-chosen id; generated (`cus_...`) when absent',
    pattern: ID_PATTERN.source,
    maxLength: ID_LENGTH_MAX,
  })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: `id must match ${ID_PATTERN.source}` })
  id?: string;

  @ApiProperty({ maxLength: NAME_LENGTH_MAX, example: 'Erika Mustermann' })
  @IsString()
  @Length(1, NAME_LENGTH_MAX)
  name!: string;

  @ApiPropertyOptional({ maxLength: EMAIL_LENGTH_MAX, example: 'erika@example.org' })
  @IsOptional()
  @IsEmail()
  @MaxLength(EMAIL_LENGTH_MAX)
  email?: string;

  @ApiPropertyOptional({ description: "The customer's id in the operator's CRM (unique)", maxLength: EXTERNAL_REF_LENGTH_MAX })
  @IsOptional()
  @IsString()
  @Length(1, EXTERNAL_REF_LENGTH_MAX)
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
