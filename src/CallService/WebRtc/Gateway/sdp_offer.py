"""Reads what the gateway needs from a browser's SDP offer (RFC 8866) and adjusts its answer.

Only H.264 (RFC 6184, packetization-mode 1: what flvmux/rtph264pay carry) and Opus (RFC 7587) are accepted, because
the relay's side is H.264 + AAC in FLV and H.264 passes through unchanged. Among the browser's H.264 payload types
the constrained baseline ones are preferred (profile-level-id 42e01f, then 42001f): every WebRTC browser decodes and
encodes them (RFC 7742 §6.2 makes constrained baseline mandatory to implement).
"""

import re
from dataclasses import dataclass

PREFERRED_PROFILES = ("42e01f", "42001f")


@dataclass
class Track:
    kind: str           # "video" or "audio"
    mid: str
    payload_type: int
    caps: str           # GStreamer application/x-rtp caps for the chosen payload type (codec preferences)

    @property
    def profile(self):
        """The negotiated H.264 profile-level-id (RFC 6184 §8.1), lower-case hex; None for audio."""
        m = re.search(r"profile-level-id=\(string\)([0-9a-f]{6})", self.caps)
        return m.group(1) if m else None

    @property
    def payload_caps(self):
        """What the payloader must produce: only media, codec, clock and payload type are pinned (the stream's own
        profile-level-id, e.g. 42c00d from x264, differs from the SDP's 42e01f and the browser decodes it anyway)."""
        keep = ("application/x-rtp", "media=", "encoding-name=", "clock-rate=", "payload=")
        return ",".join(f for f in self.caps.split(",") if f.startswith(keep))


def _sections(sdp):
    """The media sections, each a list of its lines (the m= line first)."""
    sections = []
    for line in sdp.replace("\r\n", "\n").split("\n"):
        if line.startswith("m="):
            sections.append([line])
        elif sections:
            sections[-1].append(line)
    return sections


def _attributes(section, name):
    prefix = "a=" + name + ":"
    return [line[len(prefix):] for line in section if line.startswith(prefix)]


def _fmtp(section, pt):
    for value in _attributes(section, "fmtp"):
        head, _, params = value.partition(" ")
        if head == str(pt):
            return dict(p.strip().split("=", 1) for p in params.split(";") if "=" in p)
    return {}


def _feedback(section, pt):
    fields = []
    for value in _attributes(section, "rtcp-fb"):
        head, _, kind = value.partition(" ")
        # Only the feedback webrtcbin's rtpsession acts on (RFC 4585 NACK/PLI, RFC 5104 FIR).
        if head in (str(pt), "*") and kind.strip() in ("nack", "nack pli", "ccm fir"):
            fields.append("rtcp-fb-" + kind.strip().replace(" ", "-") + "=(boolean)true")
    return fields


def _codecs(section, name):
    found = []
    for value in _attributes(section, "rtpmap"):
        m = re.match(r"(\d+) ([^/]+)/(\d+)(?:/(\d+))?", value)
        if m and m.group(2).upper() == name:
            found.append((int(m.group(1)), int(m.group(3)), m.group(4)))
    return found


def _h264(section, mid):
    candidates = []
    for pt, clock, _ in _codecs(section, "H264"):
        fmtp = _fmtp(section, pt)
        if fmtp.get("packetization-mode") != "1":
            continue
        profile = fmtp.get("profile-level-id", "42001f").lower()
        rank = PREFERRED_PROFILES.index(profile) if profile in PREFERRED_PROFILES else \
            len(PREFERRED_PROFILES) + (0 if profile.startswith("42") else 1)
        candidates.append((rank, pt, clock, fmtp, profile))
    if not candidates:
        raise ValueError("the offer's video has no H.264 with packetization-mode=1")
    _, pt, clock, fmtp, profile = min(candidates)
    fields = ["application/x-rtp", "media=video", "encoding-name=H264", f"clock-rate={clock}", f"payload={pt}",
              "packetization-mode=(string)1", f"profile-level-id=(string){profile}"]
    if "level-asymmetry-allowed" in fmtp:
        fields.append("level-asymmetry-allowed=(string)" + fmtp["level-asymmetry-allowed"])
    return Track("video", mid, pt, ",".join(fields + _feedback(section, pt)))


def _opus(section, mid):
    codecs = _codecs(section, "OPUS")
    if not codecs:
        raise ValueError("the offer's audio has no Opus")
    pt, clock, channels = codecs[0]
    fields = ["application/x-rtp", "media=audio", "encoding-name=OPUS", f"clock-rate={clock}", f"payload={pt}",
              "encoding-params=(string)" + (channels or "2")]
    fmtp = _fmtp(section, pt)
    for key in ("minptime", "useinbandfec", "stereo", "sprop-stereo"):
        if key in fmtp:
            fields.append(f"{key}=(string){fmtp[key]}")
    return Track("audio", mid, pt, ",".join(fields + _feedback(section, pt)))


def tracks(sdp, mode):
    """The offer's usable audio/video m-lines in order. whip: the browser must send them; whep: receive them.
    Raises ValueError (a sentence for the client) when the offer is unusable."""
    if "v=0" not in sdp:
        raise ValueError("the body is not an SDP offer")
    wanted = ("sendonly", "sendrecv") if mode == "whip" else ("recvonly", "sendrecv")
    found = []
    for section in _sections(sdp):
        media, port = section[0][2:].split(" ")[:2]
        if media not in ("video", "audio") or port == "0":
            continue
        direction = next((line[2:] for line in section if line[2:] in ("sendonly", "recvonly", "sendrecv", "inactive")),
                         "sendrecv")
        if direction not in wanted:
            continue
        mid = next(iter(_attributes(section, "mid")), str(len(found)))
        found.append(_h264(section, mid) if media == "video" else _opus(section, mid))
    if not found:
        raise ValueError(f"the offer has no audio or video the gateway can {'receive' if mode == 'whip' else 'send'}")
    kinds = [t.kind for t in found]
    if len(set(kinds)) != len(kinds):
        raise ValueError("the offer has more than one audio or video track")
    return found


def add_public_candidates(sdp, public_ip):
    """1:1 NAT (WebRtc:PublicIp): each host candidate is also announced with the public address and the same port
    (libnice has no NAT mapping of its own). The copy gets a new foundation and a slightly lower priority."""
    out = []
    for line in sdp.split("\r\n"):
        out.append(line)
        m = re.match(r"a=candidate:(\S+) (\d) (\S+) (\d+) (\S+) (\d+) typ host(.*)", line)
        if m and m.group(5) != public_ip and ":" not in m.group(5):
            foundation, component, transport, priority, _, port, rest = m.groups()
            out.append(f"a=candidate:{foundation}9 {component} {transport} {max(int(priority) - 1, 0)} "
                       f"{public_ip} {port} typ host{rest}")
    return "\r\n".join(out)
