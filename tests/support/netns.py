"""Hosts for the multi-host test: network namespaces joined by veth pairs to a bridge in host A, on private
addresses that exist only inside the namespaces (10.213.0.0/24; A is 10.213.0.1). Every host shares the
file system with the test, but a goat process there is given only what a host of its kind would have.

Made and removed with `ip` (root only): `require_netns()` skips the test (fails it under CI=true) where a
namespace cannot be made, and `Hosts` removes every namespace it made, also when the test fails.
"""

from __future__ import annotations

import subprocess
import uuid

from tests.support.unavailable import unavailable

SUBNET = "10.213.0"
HUB = "a"


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


def require_netns() -> None:
    """A namespace can be made here, or a skip with the reason (under CI=true: a failure)."""
    probe = f"goat-probe-{uuid.uuid4().hex[:6]}"
    try:
        _ip("netns", "add", probe)
        _ip("netns", "del", probe)
    except (OSError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", b"") or str(error).encode()
        unavailable(
            f"network namespaces cannot be made here (root and `ip netns` needed): {detail.decode().strip()}"
        )


class Hosts:
    """Host A (the hub, with the bridge) and any number of others, each on the bridge by its own veth pair."""

    def __init__(self) -> None:
        self.tag = uuid.uuid4().hex[:6]
        self.addresses: dict[str, str] = {}
        self.add(HUB)

    def namespace(self, host: str) -> str:
        return f"goat-{self.tag}-{host}"

    def exec_prefix(self, host: str) -> list[str]:
        """What runs a command on `host`."""
        return ["ip", "netns", "exec", self.namespace(host)]

    @property
    def hub_address(self) -> str:
        return self.addresses[HUB]

    def add(self, host: str) -> str:
        """A new host joined to A's bridge (host A itself first: it holds the bridge); its address."""
        namespace = self.namespace(host)
        _ip("netns", "add", namespace)
        address = f"{SUBNET}.{len(self.addresses) + 1}"
        self.addresses[host] = address
        _ip("-n", namespace, "link", "set", "lo", "up")
        if host == HUB:
            _ip("-n", namespace, "link", "add", "br0", "type", "bridge")
            _ip("-n", namespace, "addr", "add", f"{address}/24", "dev", "br0")
            _ip("-n", namespace, "link", "set", "br0", "up")
            return address
        hub = self.namespace(HUB)
        _ip(
            "link",
            "add",
            f"g{self.tag}{host}",
            "netns",
            hub,
            "type",
            "veth",
            "peer",
            "name",
            "eth0",
            "netns",
            namespace,
        )
        _ip("-n", hub, "link", "set", f"g{self.tag}{host}", "master", "br0", "up")
        _ip("-n", namespace, "addr", "add", f"{address}/24", "dev", "eth0")
        _ip("-n", namespace, "link", "set", "eth0", "up")
        return address

    def cut(self, host: str) -> None:
        _ip("-n", self.namespace(host), "link", "set", "eth0", "down")

    def restore(self, host: str) -> None:
        _ip("-n", self.namespace(host), "link", "set", "eth0", "up")

    def close(self) -> None:
        """Every namespace goes (its veth with it); processes left in one keep running, so stop them first."""
        for host in reversed(list(self.addresses)):
            subprocess.run(["ip", "netns", "del", self.namespace(host)], capture_output=True, timeout=30)
