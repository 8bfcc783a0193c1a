import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsObject, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { Type } from 'class-transformer';
import type { PricePlan, PricePlanVersion, Product } from '@app/db/catalog';
import { DESCRIPTION_MAX_LENGTH, ID_MAX_LENGTH, ID_PATTERN, NAME_MAX_LENGTH, PLAN_ID_PATTERN } from '../provisioning.limits';

export class CreateProductBody {
  @ApiPropertyOptional({
    description: 'Client-chosen id; generated (`prd_...`) when absent',
    pattern: ID_PATTERN.source,
    maxLength: ID_MAX_LENGTH,
  })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: `id must match ${ID_PATTERN.source}` })
  id?: string;

  @ApiProperty({ maxLength: NAME_MAX_LENGTH, example: 'Prepaid S' })
  @IsString()
  @Length(1, NAME_MAX_LENGTH)
  name!: string;

  @ApiPropertyOptional({ maxLength: DESCRIPTION_MAX_LENGTH })
  @IsOptional()
  @IsString()
  @Length(0, DESCRIPTION_MAX_LENGTH)
  description?: string;
}

const PLAN_DOC =
  'An @app/rating PricePlan (id, version, name, currency, zones, timeBands, elements); validated by parsePricePlan, errors name the JSON path as `plan.<path>`';

export class CreatePricePlanBody {
  @ApiProperty({ pattern: ID_PATTERN.source })
  @IsString()
  @Matches(ID_PATTERN, { message: `productId must match ${ID_PATTERN.source}` })
  productId!: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: PLAN_DOC })
  @IsObject()
  plan!: Record<string, unknown>;
}

export class AddPlanVersionBody {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: `${PLAN_DOC}; its id must be the plan's and its version above the current one`,
  })
  @IsObject()
  plan!: Record<string, unknown>;
}

export class PlanIdParam {
  @ApiProperty({ pattern: PLAN_ID_PATTERN.source })
  @IsString()
  @Matches(PLAN_ID_PATTERN, { message: `id must match ${PLAN_ID_PATTERN.source}` })
  id!: string;
}

export class PlanVersionParam extends PlanIdParam {
  @ApiProperty({ minimum: 1 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  version!: number;
}

export class ProductResponse {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty({ type: [String], description: 'Price plans of the product (the first PAGE_SIZE_MAX by id)' }) pricePlanIds!: string[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class PricePlanResponse {
  @ApiProperty() id!: string;
  @ApiProperty() productId!: string;
  @ApiProperty() name!: string;
  @ApiProperty() currency!: string;
  @ApiProperty({ description: 'Version of `plan`' }) version!: number;
  @ApiProperty() currentVersion!: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) plan!: unknown;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export function productResponse(p: Product, pricePlanIds: string[]): ProductResponse {
  return { id: p.id, name: p.name, description: p.description ?? null, pricePlanIds, createdAt: p.createdAt.toISOString() };
}

export function pricePlanResponse(plan: PricePlan, version: PricePlanVersion): PricePlanResponse {
  return {
    id: plan.id,
    productId: plan.product.id,
    name: plan.name,
    currency: plan.currency,
    version: version.version,
    currentVersion: plan.currentVersion,
    plan: version.planJson,
    createdAt: version.createdAt.toISOString(),
  };
}
