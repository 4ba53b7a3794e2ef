import { describe, expect, it } from 'vitest';
import { isReserved, pointsInside } from './address.ts';

// Addresses from every entry of the IANA IPv4 and IPv6 Special-Purpose Address Registries (each block's
// first address and one near its end), multicast and the deprecated blocks, written out here rather than
// derived from the list in address.ts, and the public addresses right beside them.
const reservedV4 = [
  ['0.0.0.0', '0.255.255.255'], // this network / this host
  ['10.0.0.0', '10.255.255.255'],
  ['100.64.0.0', '100.127.255.255'], // shared address space
  ['127.0.0.1', '127.255.255.254'],
  ['169.254.0.1', '169.254.169.254'], // link-local, the metadata API
  ['172.16.0.0', '172.31.255.255'],
  ['192.0.0.0', '192.0.0.255'], // IETF protocol assignments
  ['192.0.0.8', '192.0.0.9'], // IPv4 dummy address, PCP anycast
  ['192.0.0.10', '192.0.0.170'], // TURN anycast, NAT64/DNS64 discovery
  ['192.0.0.171', '192.0.0.7'], // NAT64/DNS64 discovery, DS-Lite
  ['192.0.2.0', '192.0.2.255'], // TEST-NET-1
  ['192.31.196.0', '192.31.196.255'], // AS112-v4
  ['192.52.193.0', '192.52.193.255'], // AMT
  ['192.88.99.0', '192.88.99.255'], // 6to4 relay anycast
  ['192.168.0.0', '192.168.255.255'],
  ['192.175.48.0', '192.175.48.255'], // direct delegation AS112
  ['198.18.0.0', '198.19.255.255'], // benchmarking
  ['198.51.100.0', '198.51.100.255'], // TEST-NET-2
  ['203.0.113.0', '203.0.113.255'], // TEST-NET-3
  ['224.0.0.1', '239.255.255.255'], // multicast
  ['240.0.0.0', '255.255.255.254'], // reserved
  ['255.255.255.255', '250.1.2.3'], // limited broadcast
].flat();

const reservedV6 = [
  '::',
  '::1',
  '::1.2.3.4', // IPv4-compatible (deprecated)
  '::ffff:0:8.8.8.8', // IPv4-translated
  '64:ff9b:1::1',
  '64:ff9b:1:ffff:ffff:ffff:ffff:ffff', // local-use translation
  '100::',
  '100::ffff:ffff:ffff:ffff', // discard-only
  '100:0:0:1::1', // dummy prefix
  '2001::',
  '2001:0:ffff::1', // Teredo
  '2001:1::1',
  '2001:1::2',
  '2001:1::3',
  '2001:2::1', // benchmarking
  '2001:3::1', // AMT
  '2001:4:112::1', // AS112-v6
  '2001:10::1',
  '2001:20::1',
  '2001:30::1', // ORCHID, ORCHIDv2, drone remote ID
  '2001:1ff:ffff::1', // the end of 2001::/23
  '2001:db8::1',
  '2001:db8:ffff:ffff::1', // documentation
  '2002::1',
  '2002:a9fe:a9fe::1', // 6to4 (here of 169.254.169.254)
  '2620:4f:8000::1', // direct delegation AS112
  '3fff::1',
  '3fff:fff:ffff::1', // documentation
  '5f00::1', // segment routing
  'fc00::1',
  'fd12:3456::1',
  'fdff:ffff::1', // unique-local
  'fe80::1',
  'febf:ffff::1', // link-local
  'fec0::1', // site-local (deprecated)
  'ff02::1',
  'ff0e::1', // multicast
];

const publicAddresses = [
  '8.8.8.8',
  '1.1.1.1',
  '93.184.215.14',
  '100.63.255.255',
  '100.128.0.0',
  '172.15.255.255',
  '172.32.0.0',
  '192.0.1.0',
  '192.88.100.1',
  '198.17.255.255',
  '198.20.0.0',
  '223.255.255.255',
  '2606:4700:4700::1111',
  '2001:200::1', // just after 2001::/23
  '2001:db9::1',
  '2a00:1450:4001::200e',
  '::ffff:8.8.8.8', // IPv4-mapped, public inside
  '64:ff9b::808:808', // NAT64 of 8.8.8.8 (an IPv6-only cluster reaches IPv4 this way)
];

describe('reserved addresses', () => {
  it('covers every IANA special-purpose block, IPv4 and IPv6', () => {
    for (const a of [...reservedV4, ...reservedV6]) expect(isReserved(a), a).toBe(true);
  });

  it('judges an IPv4-mapped or NAT64 address by the IPv4 address inside', () => {
    for (const v4 of reservedV4) {
      const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number];
      const hex = `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
      for (const v6 of [`::ffff:${v4}`, `::ffff:${hex}`, `64:ff9b::${v4}`, `64:ff9b::${hex}`])
        expect(isReserved(v6), v6).toBe(true);
    }
  });

  it('lets public addresses through, the ones right beside reserved blocks too', () => {
    for (const a of publicAddresses) expect(isReserved(a), a).toBe(false);
  });

  it('counts what is not an address as reserved, and reads bracketed IPv6', () => {
    expect(isReserved('not-an-ip')).toBe(true);
    expect(isReserved('[::1]')).toBe(true);
    expect(isReserved('[2606:4700:4700::1111]')).toBe(false);
  });

  it('checks a URL by its literal address or by every address its name resolves to', async () => {
    const resolve = async (host: string) =>
      host === 'mixed.test'
        ? [
            { address: '93.184.215.14', family: 4 },
            { address: '10.0.0.1', family: 4 },
          ]
        : [{ address: '2606:4700:4700::1111', family: 6 }];
    expect(await pointsInside(new URL('https://[::ffff:169.254.169.254]/'), resolve)).toBe(true);
    expect(await pointsInside(new URL('https://2130706433/'), resolve)).toBe(true); // 127.0.0.1
    expect(await pointsInside(new URL('https://mixed.test/'), resolve)).toBe(true);
    expect(await pointsInside(new URL('https://public.test/'), resolve)).toBe(false);
    expect(await pointsInside(new URL('http://localhost/'))).toBe(true);
  });
});
