/** UpdateSession (CCR-Update): debits the reported usage and reserves the next quota. Idempotent by (session_id, request_number). */
import { Injectable } from '@nestjs/common';
import { SessionRequestCommand } from '../commands/session-request.command';
import { SessionAnswer, SessionCharging } from './session-charging';

@Injectable()
export class UpdateSessionUseCase {
  constructor(private readonly sessions: SessionCharging) {}

  execute(command: SessionRequestCommand): Promise<SessionAnswer> {
    if (command.kind !== 'UPDATE') throw new Error(`UpdateSessionUseCase got a ${command.kind} command`);
    return this.sessions.charge(command);
  }
}
