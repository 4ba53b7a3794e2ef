import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { dirs } from './config.ts';

/**
 * The local secret store's file (.data/stack/secrets.json, never in git), read by daprd's
 * secretstores.local.file component. Written with generated values on first start and kept after that, so
 * sessions signed with the JWT key and Redis' AOF survive restarts. Keys are flat; add new ones here.
 */
const secretsSchema = z.object({
  'jwt-signing-key': z.string().min(43),
  'redis-password': z.string().regex(/^[0-9a-f]{32,}$/),
});
export type StackSecrets = z.infer<typeof secretsSchema>;

/**
 * The tokens between one app and its own daprd: daprd requires DAPR_API_TOKEN from the app, and sends
 * APP_API_TOKEN to it. Each app has its own pair, so one app's token opens no other app's sidecar.
 */
const appTokensSchema = z.object({ daprApiToken: z.string().min(32), appApiToken: z.string().min(32) });
export type AppTokens = z.infer<typeof appTokensSchema>;
/** Every app's tokens, by Dapr app id. */
export type StackTokens = Record<string, AppTokens>;

export async function ensureSecrets(): Promise<StackSecrets> {
  return ensureJson(dirs.secrets, secretsSchema, () => ({
    'jwt-signing-key': randomBytes(48).toString('base64url'),
    'redis-password': randomBytes(24).toString('hex'),
  }));
}

/** A fresh pair of tokens for one app. */
export function newAppTokens(): AppTokens {
  return {
    daprApiToken: randomBytes(32).toString('base64url'),
    appApiToken: randomBytes(32).toString('base64url'),
  };
}

/**
 * The tokens of `appIds` from .data/stack/tokens.json, made for the apps that have none yet. Entries of
 * another shape (the single stack-wide pair of earlier versions) are dropped.
 */
export async function ensureTokens(appIds: readonly string[]): Promise<StackTokens> {
  let current: Record<string, unknown> = {};
  try {
    current = JSON.parse(await readFile(dirs.tokens, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new Error(`${dirs.tokens} is not valid JSON: delete it to regenerate`, { cause: err });
  }
  const tokens: StackTokens = {};
  for (const [id, value] of Object.entries(current)) {
    const parsed = appTokensSchema.safeParse(value);
    if (parsed.success) tokens[id] = parsed.data;
  }
  const missing = appIds.filter((id) => !tokens[id]);
  for (const id of missing) tokens[id] = newAppTokens();
  if (missing.length > 0 || Object.keys(tokens).length !== Object.keys(current).length) {
    await mkdir(dirname(dirs.tokens), { recursive: true });
    await writeFile(dirs.tokens, JSON.stringify(tokens, null, 2) + '\n', { mode: 0o600 });
  }
  return tokens;
}

/** Reads file, filling in (and writing back) any key the schema needs that it lacks. */
async function ensureJson<T extends Record<string, string>>(
  file: string,
  schema: z.ZodType<T>,
  generate: () => T,
): Promise<T> {
  let current: Record<string, unknown> = {};
  try {
    current = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new Error(`${file} is not valid JSON: delete it to regenerate`, { cause: err });
  }
  const merged = { ...generate(), ...current };
  const parsed = schema.safeParse(merged);
  if (!parsed.success)
    throw new Error(
      `${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  if (Object.keys(merged).some((k) => !(k in current))) {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(merged, null, 2) + '\n', { mode: 0o600 });
  }
  return parsed.data;
}
