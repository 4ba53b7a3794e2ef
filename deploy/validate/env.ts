/**
 * The environment the checkers and their installers run with: the local stack's inherited part (PATH, HOME,
 * Go's and XDG's variables, proxies) plus what pip and TLS clients read for a mirror or a private CA.
 */
import { config } from '../local/config.ts';

const PASSED = /^(PIP_[A-Z_]+|SSL_CERT_(FILE|DIR)|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE)$/;

export const toolEnv: Readonly<Record<string, string>> = {
  ...config.inheritedEnv,
  ...Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && PASSED.test(e[0])),
  ),
};
