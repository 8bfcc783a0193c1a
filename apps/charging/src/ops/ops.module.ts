import { Module } from '@nestjs/common';
import { OpsController } from './metrics.controller';

@Module({ controllers: [OpsController] })
export class OpsModule {}
