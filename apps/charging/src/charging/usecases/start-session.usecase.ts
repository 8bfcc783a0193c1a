/** StartSession (CCR-Initial): opens a credit-control session and reserves the first quota. Idempotent by (session_id, request_number). */
import { Injectable } from '@nestjs/common';
import { SessionRequestCommand } from '../commands/session-request.command';
import { SessionAnswer, SessionCharging } from './session-charging';

@Injectable()
export class StartSessionUseCase {
  constructor(private readonly sessions: SessionCharging) {}

  execute(command: SessionRequestCommand): Promise<SessionAnswer> {
    if (command.kind !== 'START') throw new Error(`StartSessionUseCase got a ${command.kind} command`);
    return this.sessions.charge(command);
  }
}
