import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

// Loopback, private, link-local (cloud metadata), CGNAT, unspecified and unique-local addresses: a
// webhook must not make this service call into its own network (daprd, the database, the metadata API).
const internal = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  internal.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const) {
  internal.addSubnet(net, prefix, 'ipv6');
}
// IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) are checked against the IPv4 rules by BlockList itself.

function isInternal(address: string): boolean {
  const family = isIP(address);
  return family === 4 ? internal.check(address, 'ipv4') : family === 6 && internal.check(address, 'ipv6');
}

/** Whether a URL's host is (or resolves to) an internal address. */
export async function pointsInside(url: URL): Promise<boolean> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host)) return isInternal(host);
  const addresses = await lookup(host, { all: true });
  return addresses.some((a) => isInternal(a.address));
}
