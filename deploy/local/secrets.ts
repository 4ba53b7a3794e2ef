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

/** Tokens between each app and its sidecar: daprd requires DAPR_API_TOKEN, and sends APP_API_TOKEN to the app. */
const tokensSchema = z.object({ daprApiToken: z.string().min(32), appApiToken: z.string().min(32) });
export type StackTokens = z.infer<typeof tokensSchema>;

export async function ensureSecrets(): Promise<StackSecrets> {
  return ensureJson(dirs.secrets, secretsSchema, () => ({
    'jwt-signing-key': randomBytes(48).toString('base64url'),
    'redis-password': randomBytes(24).toString('hex'),
  }));
}

export async function ensureTokens(): Promise<StackTokens> {
  return ensureJson(dirs.tokens, tokensSchema, () => ({
    daprApiToken: randomBytes(32).toString('base64url'),
    appApiToken: randomBytes(32).toString('base64url'),
  }));
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
