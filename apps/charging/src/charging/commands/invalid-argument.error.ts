/**
 * Bad input: the request is refused with INVALID_ARGUMENT and changes nothing. The message names
 * the offending field as the client wrote it (proto field names, with indexes into lists).
 */
export class InvalidArgumentError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'InvalidArgumentError';
  }
}
