/**
 * Transport security of the gRPC server from the config: TLS when RATEL_GRPC_TLS_CERT and
 * RATEL_GRPC_TLS_KEY name PEM files, mutual TLS (client certificates required and verified) when
 * RATEL_GRPC_TLS_CLIENT_CA names one too, plaintext only when RATEL_GRPC_INSECURE=true.
 */
import { ServerCredentials } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { ConfigError } from '@app/config';
import { ChargingConfig } from '../config';

type TlsConfig = Pick<ChargingConfig, 'RATEL_GRPC_INSECURE' | 'RATEL_GRPC_TLS_CERT' | 'RATEL_GRPC_TLS_KEY' | 'RATEL_GRPC_TLS_CLIENT_CA'>;

export type TransportSecurity = 'mutual-tls' | 'tls' | 'insecure';

function readPem(variable: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`invalid configuration:\n  ${variable}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

export function transportSecurity(config: TlsConfig): TransportSecurity {
  const { RATEL_GRPC_TLS_CERT: cert, RATEL_GRPC_TLS_KEY: key, RATEL_GRPC_TLS_CLIENT_CA: clientCa } = config;
  if (Boolean(cert) !== Boolean(key)) {
    throw new ConfigError('invalid configuration:\n  RATEL_GRPC_TLS_CERT/RATEL_GRPC_TLS_KEY: set both or neither');
  }
  if (cert) return clientCa ? 'mutual-tls' : 'tls';
  if (clientCa)
    throw new ConfigError('invalid configuration:\n  RATEL_GRPC_TLS_CLIENT_CA: requires RATEL_GRPC_TLS_CERT and RATEL_GRPC_TLS_KEY');
  if (config.RATEL_GRPC_INSECURE) return 'insecure';
  throw new ConfigError('invalid configuration:\n  RATEL_GRPC_TLS_CERT/RATEL_GRPC_TLS_KEY: required unless RATEL_GRPC_INSECURE=true');
}

export function serverCredentials(config: TlsConfig): ServerCredentials {
  const security = transportSecurity(config);
  if (security === 'insecure') return ServerCredentials.createInsecure();
  const keyCertPair = {
    cert_chain: readPem('RATEL_GRPC_TLS_CERT', config.RATEL_GRPC_TLS_CERT as string),
    private_key: readPem('RATEL_GRPC_TLS_KEY', config.RATEL_GRPC_TLS_KEY as string),
  };
  const clientCa = security === 'mutual-tls' ? readPem('RATEL_GRPC_TLS_CLIENT_CA', config.RATEL_GRPC_TLS_CLIENT_CA as string) : null;
  return ServerCredentials.createSsl(clientCa, [keyCertPair], clientCa !== null);
}
