"""ECDSA signature verification over NIST P-256 (secp256r1), in pure Python.

Only verification: no secret ever enters this code, so the timing of big-integer
arithmetic leaks nothing. Points use Jacobian coordinates to avoid an inverse per step.
"""

from __future__ import annotations

P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
A = P - 3
B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
GX = 0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296
GY = 0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5

Jacobian = tuple[int, int, int]
INFINITY: Jacobian = (1, 1, 0)


def on_curve(x: int, y: int) -> bool:
    """Return True when (x, y) is a point of P-256 (not the point at infinity)."""
    return 0 <= x < P and 0 <= y < P and (y * y - (x * x * x + A * x + B)) % P == 0


def _double(point: Jacobian) -> Jacobian:
    x, y, z = point
    if z == 0 or y == 0:
        return INFINITY
    yy = y * y % P
    s = 4 * x * yy % P
    zz = z * z % P
    m = 3 * (x - zz) * (x + zz) % P  # a = -3
    x3 = (m * m - 2 * s) % P
    y3 = (m * (s - x3) - 8 * yy * yy) % P
    z3 = 2 * y * z % P
    return (x3, y3, z3)


def _add(p: Jacobian, q: Jacobian) -> Jacobian:
    if p[2] == 0:
        return q
    if q[2] == 0:
        return p
    x1, y1, z1 = p
    x2, y2, z2 = q
    z1z1, z2z2 = z1 * z1 % P, z2 * z2 % P
    u1, u2 = x1 * z2z2 % P, x2 * z1z1 % P
    s1, s2 = y1 * z2 * z2z2 % P, y2 * z1 * z1z1 % P
    if u1 == u2:
        return _double(p) if s1 == s2 else INFINITY
    h, r = (u2 - u1) % P, (s2 - s1) % P
    hh = h * h % P
    hhh = h * hh % P
    v = u1 * hh % P
    x3 = (r * r - hhh - 2 * v) % P
    y3 = (r * (v - x3) - s1 * hhh) % P
    z3 = h * z1 * z2 % P
    return (x3, y3, z3)


def _shamir(u1: int, g: Jacobian, u2: int, q: Jacobian) -> Jacobian:
    """u1*G + u2*Q in one double-and-add pass."""
    both = _add(g, q)
    result = INFINITY
    for bit in range(max(u1.bit_length(), u2.bit_length()) - 1, -1, -1):
        result = _double(result)
        pick = ((u1 >> bit) & 1, (u2 >> bit) & 1)
        if pick == (1, 1):
            result = _add(result, both)
        elif pick == (1, 0):
            result = _add(result, g)
        elif pick == (0, 1):
            result = _add(result, q)
    return result


def verify(public_x: int, public_y: int, digest: bytes, r: int, s: int) -> bool:
    """Return True when (r, s) is a valid ECDSA P-256 signature of `digest` (SHA-256) by the key."""
    if not on_curve(public_x, public_y) or not (0 < r < N and 0 < s < N):
        return False
    e = int.from_bytes(digest, "big") % N
    w = pow(s, -1, N)
    point = _shamir(e * w % N, (GX, GY, 1), r * w % N, (public_x, public_y, 1))
    x, _, z = point
    if z == 0:
        return False
    affine_x = x * pow(z * z % P, -1, P) % P
    return affine_x % N == r
