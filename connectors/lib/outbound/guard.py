"""The address guard: which addresses may be reached, and the STUDIO_OUTBOUND_ALLOW list.

check_host resolves a host once and returns its addresses only when every one may be reached;
the caller then connects to exactly those addresses (see transport).
"""

from __future__ import annotations

import functools
import ipaddress
import re
import socket
from collections.abc import Sequence

from connectors.lib.outbound.errors import Blocked, DNSError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Metadata services hand out cloud credentials; some are not even private (Azure's wireserver).
# 169.254.169.254: AWS, GCP, Azure, DigitalOcean, OpenStack; .253/.123: AWS DNS/time;
# 169.254.170.2/.23: ECS/EKS; fd00:ec2::: AWS IPv6; 100.100.100.200: Alibaba; 192.0.0.192: Oracle.
_METADATA_ADDRESSES = (
    "169.254.169.254 169.254.169.253 169.254.169.123 169.254.170.2 169.254.170.23 "
    "fd00:ec2::254 fd00:ec2::23 100.100.100.200 168.63.129.16 192.0.0.192"
)
_METADATA = frozenset(map(ipaddress.ip_address, _METADATA_ADDRESSES.split()))
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_V4_COMPATIBLE = ipaddress.ip_network("::/96")
_HOSTNAME = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)(\.(?!-)[a-z0-9_-]{1,63}(?<!-))*\.?", re.I)


def validate_allow_list(entries: Sequence[str]) -> None:
    """Raise ValueError for a wildcard, a network as wide as the internet, or a malformed entry."""
    parse_allow(entries)


def parse_allow(entries: Sequence[str]) -> tuple[frozenset[str], tuple[IPNetwork, ...]]:
    """The hostnames and networks of an allow list; ValueError when an entry is unacceptable."""
    return _parsed_allow(tuple(entries))


@functools.lru_cache(maxsize=32)  # the setting's one list, read twice by every send
def _parsed_allow(entries: tuple[str, ...]) -> tuple[frozenset[str], tuple[IPNetwork, ...]]:
    names: set[str] = set()
    networks: list[IPNetwork] = []
    for raw in entries:
        entry = raw.strip()
        if not entry:
            continue
        if "*" in entry:
            raise ValueError(
                f"STUDIO_OUTBOUND_ALLOW may not contain {entry!r}: list hosts or networks."
            )
        try:
            network = ipaddress.ip_network(entry.strip("[]"), strict=True)
        except ValueError:
            if not _HOSTNAME.fullmatch(entry) or _is_inet_aton(entry):  # 127.1, 0x7f000001...
                raise ValueError(
                    f"STUDIO_OUTBOUND_ALLOW entry {entry!r} is neither a hostname nor an IP "
                    "address or network written in full (e.g. 10.0.0.0/8)."
                ) from None
            names.add(entry.lower().rstrip("."))
            continue
        # Wider networks span much of the internet: that is switching the guard off.
        if network.prefixlen < (8 if network.version == 4 else 7):
            raise ValueError(f"STUDIO_OUTBOUND_ALLOW entry {entry!r} is too broad.")
        networks.append(network)
    return frozenset(names), tuple(networks)


def _is_inet_aton(text: str) -> bool:
    """True for shorthand IPv4 forms such as 127.1 or 0x7f000001: ambiguous as an allow entry."""
    try:
        socket.inet_aton(text)
    except OSError:
        return False
    return True


def _refusal(ip: IPAddress) -> str | None:
    """Why this address may not be reached, or None when it is a public unicast address."""
    if ip in _METADATA:
        return "a cloud metadata address"
    if isinstance(ip, ipaddress.IPv6Address) and int(ip) > 1:
        v4 = _embedded_v4(ip)
        if v4 is not None:
            why = _refusal(v4)
            return f"{why} ({v4} inside an IPv6 address)" if why else None
        if ip.is_site_local:
            return "a site-local address"
    checks = (
        ("a loopback address", ip.is_loopback),
        ("an unspecified address", ip.is_unspecified),
        ("a link-local address", ip.is_link_local),
        ("a multicast address", ip.is_multicast),
        ("a carrier-grade NAT address", ip in _CGNAT),
        ("a private address", ip.is_private),
        ("a reserved address", ip.is_reserved or not ip.is_global),
    )
    return next((label for label, hit in checks if hit), None)


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form leads to: mapped, NAT64, 6to4, Teredo, v4-compatible."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64 or ip in _V4_COMPATIBLE:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def check_host(host: str, port: int, allow: Sequence[str]) -> list[str]:
    """Resolve host once and return its addresses, or raise Blocked / DNSError.

    An allow entry that is a hostname allows that hostname (but never a metadata address);
    a network entry allows the addresses inside it.
    """
    try:
        names, networks = parse_allow(allow)
    except ValueError as e:
        raise Blocked(f"{e} Nothing is sent until it is fixed.") from None
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise DNSError(f"Could not resolve {host}: check the Base URL.") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise DNSError(f"Could not resolve {host}: check the Base URL.")
    named = host.lower().rstrip(".") in names
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])  # drop an IPv6 zone for the check
        why = _refusal(ip)
        if why is None or any(ip in net for net in networks if net.version == ip.version):
            continue
        if named and "metadata" not in why:  # a hostname entry never unlocks credentials
            continue
        subject = f"{host} is" if host == address else f"{host} resolves to {address},"
        raise Blocked(
            f"{subject} {why}: requests there are refused. If this connector really must reach "
            "it, an admin adds the host or its network to the STUDIO_OUTBOUND_ALLOW setting "
            "(.env or the server's environment) and restarts the studio."
        )
    return addresses
