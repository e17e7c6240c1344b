// The OAuth 2.0 JWT bearer assertion Salesforce expects, signed RS256 with node's crypto
// (jsforce has no signer). Salesforce accepts at most 3 minutes between now and `exp`.
import { sign, type KeyObject } from 'node:crypto';

export interface JwtBearerClaims {
  clientId: string;
  username: string;
  audience: string;
  privateKey: KeyObject;
  now: Date;
}

const LIFETIME_SECONDS = 180;

export function signJwtBearerAssertion(claims: JwtBearerClaims): string {
  const header = base64Url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const payload = base64Url(
    JSON.stringify({
      iss: claims.clientId,
      sub: claims.username,
      aud: claims.audience,
      exp: Math.floor(claims.now.getTime() / 1000) + LIFETIME_SECONDS,
    }),
  );
  const signature = sign('RSA-SHA256', Buffer.from(`${header}.${payload}`), claims.privateKey);
  return `${header}.${payload}.${signature.toString('base64url')}`;
}

function base64Url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
