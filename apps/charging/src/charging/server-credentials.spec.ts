import { ConfigError } from '@app/config';
import { serverCredentials, transportSecurity } from './server-credentials';

const none = {
  RATEL_GRPC_INSECURE: false,
  RATEL_GRPC_TLS_CERT: undefined,
  RATEL_GRPC_TLS_KEY: undefined,
  RATEL_GRPC_TLS_CLIENT_CA: undefined,
};

describe('transportSecurity', () => {
  it('chooses mutual TLS, TLS or explicit plaintext', () => {
    expect(transportSecurity({ ...none, RATEL_GRPC_TLS_CERT: 'c', RATEL_GRPC_TLS_KEY: 'k', RATEL_GRPC_TLS_CLIENT_CA: 'ca' })).toBe(
      'mutual-tls',
    );
    expect(transportSecurity({ ...none, RATEL_GRPC_TLS_CERT: 'c', RATEL_GRPC_TLS_KEY: 'k' })).toBe('tls');
    expect(transportSecurity({ ...none, RATEL_GRPC_TLS_CERT: 'c', RATEL_GRPC_TLS_KEY: 'k', RATEL_GRPC_INSECURE: true })).toBe('tls');
    expect(transportSecurity({ ...none, RATEL_GRPC_INSECURE: true })).toBe('insecure');
  });

  it.each([
    ['no TLS and not insecure', none, 'RATEL_GRPC_TLS_CERT/RATEL_GRPC_TLS_KEY: required unless RATEL_GRPC_INSECURE=true'],
    ['a certificate without its key', { ...none, RATEL_GRPC_TLS_CERT: 'c' }, 'RATEL_GRPC_TLS_CERT/RATEL_GRPC_TLS_KEY: set both or neither'],
    [
      'a client CA without a server certificate',
      { ...none, RATEL_GRPC_INSECURE: true, RATEL_GRPC_TLS_CLIENT_CA: 'ca' },
      'RATEL_GRPC_TLS_CLIENT_CA: requires',
    ],
  ])('refuses %s, naming the variable', (_name, config, message) => {
    expect(() => transportSecurity(config)).toThrow(ConfigError);
    expect(() => transportSecurity(config)).toThrow(message);
  });

  it('names the variable of an unreadable file', () => {
    const config = { ...none, RATEL_GRPC_TLS_CERT: '/nonexistent/server.crt', RATEL_GRPC_TLS_KEY: '/nonexistent/server.key' };
    expect(() => serverCredentials(config)).toThrow('RATEL_GRPC_TLS_CERT: cannot read /nonexistent/server.crt (ENOENT)');
  });
});
