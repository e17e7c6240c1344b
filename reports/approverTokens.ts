// Approver tokens for the dashboard's login: issued once per approver by an operator (campaign-sla token issue),
// kept as SHA-256 hashes, revocable. The approver a token names is the identity a dashboard decision carries.
import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { idSchema } from '../sla/config/fields';

const TOKEN_PREFIX = 'csla_';
/** The shape of an issued token; anything else is refused before a hash is computed or a query is sent. */
const TOKEN_SHAPE = /^csla_[A-Za-z0-9_-]{43}$/;

const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** A new token for `approver`, returned once: only its hash is stored. */
export async function issueApproverToken(pool: pg.Pool, approver: string): Promise<string> {
  const parsed = idSchema.safeParse(approver);
  if (!parsed.success) throw new Error(`approver: ${parsed.error.issues[0]?.message ?? 'not an ID'}`);
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  await pool.query('INSERT INTO approver_tokens (token_hash, approver) VALUES ($1, $2)', [hashToken(token), approver]);
  return token;
}

/** Revokes every live token of `approver`; returns how many. */
export async function revokeApproverTokens(pool: pg.Pool, approver: string): Promise<number> {
  const { rowCount } = await pool.query(
    'UPDATE approver_tokens SET revoked_at = now() WHERE approver = $1 AND revoked_at IS NULL',
    [approver],
  );
  return rowCount ?? 0;
}

export interface ApproverTokenRow {
  approver: string;
  /** The first 8 hex digits of the hash: enough to tell tokens apart, nothing to log in with. */
  hashPrefix: string;
  issuedAt: string;
  revokedAt: string | null;
}

export async function listApproverTokens(pool: pg.Pool): Promise<ApproverTokenRow[]> {
  const { rows } = await pool.query<ApproverTokenRow>(
    `SELECT approver, left(token_hash, 8) AS "hashPrefix", iso_utc(issued_at) AS "issuedAt",
            CASE WHEN revoked_at IS NULL THEN NULL ELSE iso_utc(revoked_at) END AS "revokedAt"
       FROM approver_tokens ORDER BY approver, issued_at`,
  );
  return rows;
}

/** The approver a presented token belongs to, or undefined for a malformed, unknown or revoked token. */
export async function approverForToken(pool: pg.Pool, token: string): Promise<string | undefined> {
  if (!TOKEN_SHAPE.test(token)) return undefined;
  const { rows } = await pool.query<{ approver: string }>(
    'SELECT approver FROM approver_tokens WHERE token_hash = $1 AND revoked_at IS NULL',
    [hashToken(token)],
  );
  return rows[0]?.approver;
}
