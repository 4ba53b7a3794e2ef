import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, buildConnector } from 'undici';

/**
 * Every block of the IANA IPv4 and IPv6 Special-Purpose Address Registries (as of 2026), multicast, and the
 * deprecated site-local and IPv4-compatible blocks: loopback, private, link-local (169.254.169.254 is the
 * cloud metadata API, on OKE too), shared (CGNAT), documentation, benchmarking, protocol assignments and
 * the rest. A webhook must never make this service call into its own network (daprd, the database, the
 * metadata API), nor anywhere an address could not legitimately be.
 */
export const RESERVED_V4 = [
  '0.0.0.0/8', // "this network" (0.0.0.0/32 "this host" within it)
  '10.0.0.0/8', // private
  '100.64.0.0/10', // shared address space (CGNAT)
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local, cloud metadata
  '172.16.0.0/12', // private
  '192.0.0.0/24', // IETF protocol assignments (DS-Lite, PCP/TURN anycast, NAT64 discovery within it)
  '192.0.2.0/24', // documentation (TEST-NET-1)
  '192.31.196.0/24', // AS112-v4
  '192.52.193.0/24', // AMT
  '192.88.99.0/24', // deprecated 6to4 relay anycast
  '192.168.0.0/16', // private
  '192.175.48.0/24', // direct delegation AS112
  '198.18.0.0/15', // benchmarking
  '198.51.100.0/24', // documentation (TEST-NET-2)
  '203.0.113.0/24', // documentation (TEST-NET-3)
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, with 255.255.255.255/32 (limited broadcast)
] as const;

export const RESERVED_V6 = [
  '::/128', // unspecified
  '::1/128', // loopback
  '::/96', // deprecated IPv4-compatible
  '::ffff:0:0/96', // IPv4-mapped: judged by the IPv4 address inside (below)
  '::ffff:0:0:0/96', // IPv4-translated (SIIT)
  '64:ff9b::/96', // IPv4/IPv6 translation (NAT64): judged by the IPv4 address inside (below)
  '64:ff9b:1::/48', // local-use IPv4/IPv6 translation
  '100::/64', // discard-only
  '100:0:0:1::/64', // dummy prefix
  '2001::/23', // IETF protocol assignments (Teredo, benchmarking, ORCHID, AS112, AMT, DRIP within it)
  '2001:db8::/32', // documentation
  '2002::/16', // 6to4
  '2620:4f:8000::/48', // direct delegation AS112
  '3fff::/20', // documentation
  '5f00::/16', // segment routing SIDs
  'fc00::/7', // unique-local
  'fe80::/10', // link-local
  'fec0::/10', // deprecated site-local
  'ff00::/8', // multicast
] as const;

const v4Blocks = RESERVED_V4.map((cidr) => ipaddr.IPv4.parseCIDR(cidr));
const v6Blocks = RESERVED_V6.map((cidr) => ipaddr.IPv6.parseCIDR(cidr));
// These two carry an IPv4 address that is reached in the end: a public one is fine (NAT64 in an
// IPv6-only cluster), a reserved one is not.
const embedsV4 = [ipaddr.IPv6.parseCIDR('::ffff:0:0/96'), ipaddr.IPv6.parseCIDR('64:ff9b::/96')];

/** Whether an IP address is in a reserved block; anything that does not parse as one counts as reserved. */
export function isReserved(address: string): boolean {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
    // ipaddr.js reads any IPv6 with a dotted tail (::1.2.3.4) as IPv4-mapped; the URL parser writes it out
    // as the address it is (::102:304) first.
    ip = ipaddr.parse(bare.includes(':') ? new URL(`http://[${bare}]/`).hostname.slice(1, -1) : bare);
  } catch {
    return true;
  }
  if (ip.kind() === 'ipv4') return v4Blocks.some((block) => (ip as ipaddr.IPv4).match(block));
  const v6 = ip as ipaddr.IPv6;
  if (embedsV4.some((block) => v6.match(block))) {
    const bytes = v6.toByteArray().slice(12);
    return isReserved(bytes.join('.'));
  }
  return v6Blocks.some((block) => v6.match(block));
}

/** Answers every address a host name has (dns.lookup, as the connection would have used). */
export type Resolve = (host: string) => Promise<LookupAddress[]>;

export const systemResolve: Resolve = (host) =>
  new Promise((resolve, reject) =>
    dnsLookup(host, { all: true, order: 'verbatim' }, (err, addresses) =>
      err ? reject(err) : resolve(addresses),
    ),
  );

/** A webhook's address is reserved: refused when it is made and when a connection is opened. */
export class ReservedAddressError extends Error {
  readonly code = 'ERR_RESERVED_ADDRESS';
  constructor(host: string, address: string) {
    super(
      host === address
        ? `refused: ${address} is a reserved address`
        : `refused: ${host} resolves to a reserved address (${address})`,
    );
  }
}

/** The first reserved address a host is or resolves to, or null (names the way the connection resolves). */
async function reservedOf(host: string, resolve: Resolve): Promise<string | null> {
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare)) return isReserved(bare) ? bare : null;
  const addresses = await resolve(bare);
  return addresses.find((a) => isReserved(a.address))?.address ?? null;
}

/** Whether a URL's host is (or resolves to) a reserved address: the check when a webhook is made. */
export async function pointsInside(url: URL, resolve: Resolve = systemResolve): Promise<boolean> {
  return (await reservedOf(url.hostname, resolve)) !== null;
}

/**
 * The connection pool webhook tries go through. The name is resolved once, by the connection itself,
 * through a lookup that refuses reserved addresses: the address checked is the address connected to, so a
 * name that changes its answer between a check and the connection (DNS rebinding) reaches nothing
 * internal. IP literals (which need no lookup) are checked before connecting. With `allowInternal` (an
 * explicit allowance for a local test receiver, off by default) nothing is refused.
 */
export function webhookAgent({
  allowInternal = false,
  resolve = systemResolve,
  connectTimeoutMs = 10_000,
}: {
  allowInternal?: boolean;
  resolve?: Resolve;
  connectTimeoutMs?: number;
} = {}): Agent {
  const lookup: LookupFunction = (hostname, options, callback) => {
    resolve(hostname).then(
      (all) => {
        const reserved = allowInternal ? undefined : all.find((a) => isReserved(a.address));
        if (reserved) return callback(new ReservedAddressError(hostname, reserved.address), '', 0);
        const usable = options.family ? all.filter((a) => a.family === options.family) : all;
        if (!usable.length) {
          const err = Object.assign(new Error(`${hostname} has no usable address`), { code: 'ENOTFOUND' });
          return callback(err, '', 0);
        }
        if (options.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, usable);
        callback(null, usable[0]!.address, usable[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
  const connect = buildConnector({ lookup, timeout: connectTimeoutMs });
  return new Agent({
    connect: (options, callback) => {
      const host = options.hostname.replace(/^\[|\]$/g, '');
      if (!allowInternal && isIP(host) && isReserved(host))
        return callback(new ReservedAddressError(host, host), null);
      connect(options, callback);
    },
  });
}
