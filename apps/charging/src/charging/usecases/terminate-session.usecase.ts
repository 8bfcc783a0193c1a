/** TerminateSession (CCR-Termination): debits the final usage and releases the rest. Idempotent by (session_id, request_number). */
import { Injectable } from '@nestjs/common';
import { SessionRequestCommand } from '../commands/session-request.command';
import { SessionAnswer, SessionCharging } from './session-charging';

@Injectable()
export class TerminateSessionUseCase {
  constructor(private readonly sessions: SessionCharging) {}

  execute(command: SessionRequestCommand): Promise<SessionAnswer> {
    if (command.kind !== 'TERMINATE') throw new Error(`TerminateSessionUseCase got a ${command.kind} command`);
    return this.sessions.charge(command);
  }
}
