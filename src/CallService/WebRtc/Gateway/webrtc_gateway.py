#!/usr/bin/python3
"""One browser party's WebRTC session, bridged to the relay as an ordinary RTMP client (GStreamer webrtcbin).

CallService starts one process per WHIP or WHEP session (docs/webrtc.md):

  whip: browser --(WebRTC H.264 + Opus)--> webrtcbin --> H.264 unchanged + AAC 48 kHz in FLV --> rtmp2sink (push URL)
  whep: rtmp2src (peer's play URL) --> FLV --> H.264 unchanged + Opus --> webrtcbin --(WebRTC)--> browser

Protocol with the parent (stdin/stdout, UTF-8):
  stdin   first line: the RTMP URL (whip: the party's push URL; whep: its play URL of the peer), kept off the command
          line because it carries a signature; then the browser's SDP offer, complete, then end of file.
  stdout  one JSON object per line: {"event": "answer", "sdp": "..."} once (non-trickle: ICE gathering is complete,
          the candidates are in the SDP), then {"event": "state", "ice": "...", "connection": "..."} on changes,
          {"event": "media", "kind": "video|audio"} when the first buffer of a track went through, and
          {"event": "end", "reason": "..."} just before exiting.
  stderr  log lines for humans (no URLs: they carry signatures).
Exit codes: 0 ended normally (relay closed the stream, browser left), 2 bad offer, 3 negotiation failed,
4 relay connection failed, 5 idle (no media from the browser for --idle-timeout seconds).
The process also ends within a second when its parent dies, so a crashed service leaves no gateways behind.
"""

import argparse
import os
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSdp", "1.0")
gi.require_version("GstWebRTC", "1.0")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402

import sdp_offer  # noqa: E402  (beside this file)
from pipelines import Pipelines  # noqa: E402
from protocol import EXIT_BAD_OFFER, EXIT_IDLE, EXIT_NEGOTIATION, EXIT_OK, EXIT_RELAY, emit, log  # noqa: E402

PARENT = os.getppid()


def parent_alive():
    """A gateway outlives no service: when the parent is gone we are re-parented (PR_SET_PDEATHSIG is no help, it
    fires when the parent's *thread* that started us exits, and .NET starts processes from pool threads)."""
    return os.getppid() == PARENT


class Gateway(Pipelines):
    def __init__(self, args, offer):
        self.args = args
        self.offer = offer
        self.loop = GLib.MainLoop()
        self.exit_code = EXIT_OK
        self.answered = False
        self.answered_at = self.connected_at = None
        self.last_media = {}
        self.live, self.live_from, self.last_video_arrival = False, None, None
        self.seen_media = set()
        self.pipeline = Gst.Pipeline.new("gateway")
        self.webrtc = Gst.ElementFactory.make("webrtcbin", "webrtc")
        self.webrtc.set_property("bundle-policy", GstWebRTC.WebRTCBundlePolicy.MAX_BUNDLE)
        self.webrtc.set_property("latency", args.latency)
        if args.stun:
            self.webrtc.set_property("stun-server", args.stun)
        for turn in args.turn or []:
            self.webrtc.emit("add-turn-server", turn)
        # webrtcbin never sinks its ICE agent's floating reference; PyGObject takes it over, so the wrapper must live
        # as long as webrtcbin or the agent is freed under it.
        self.ice = ice = self.webrtc.get_property("ice-agent")
        # libnice's UPnP port mapping is useless for a server (and warns when it cannot bind); 1:1 NAT is --public-ip.
        self.nice = ice.get_property("agent")
        if self.nice is not None and self.nice.find_property("upnp") is not None:
            self.nice.set_property("upnp", False)
        if args.port_min:
            ice.set_property("min-rtp-port", args.port_min)
        if args.port_max:
            ice.set_property("max-rtp-port", args.port_max)
        for address in args.local_ip or []:
            ice.emit("add-local-ip-address", address)
        self.pipeline.add(self.webrtc)
        self.webrtc.connect("notify::ice-gathering-state", self.on_gathering)
        self.webrtc.connect("notify::ice-connection-state", self.on_state)
        self.webrtc.connect("notify::connection-state", self.on_state)
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message", self.on_message)

    # ---- negotiation ---------------------------------------------------------------------------------------------

    def start(self, tracks):
        (self.build_whip if self.args.mode == "whip" else self.build_whep)(tracks)
        self.pipeline.set_state(Gst.State.PLAYING)
        result, message = GstSdp.SDPMessage.new_from_text(self.offer)
        if result != GstSdp.SDPResult.OK:
            self.fail(EXIT_BAD_OFFER, "the offer is not SDP")
            return
        offer = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.OFFER, message)
        self.webrtc.emit("set-remote-description", offer, Gst.Promise.new_with_change_func(self.on_remote_set))
        GLib.timeout_add_seconds(self.args.negotiation_timeout, self.on_negotiation_timeout)
        if self.args.mode == "whip" and self.args.idle_timeout > 0:
            GLib.timeout_add_seconds(1, self.check_idle)

    def on_remote_set(self, promise):
        promise.wait()
        reply = promise.get_reply()
        if reply is not None and reply.has_field("error"):
            self.fail(EXIT_NEGOTIATION, "the offer was refused: " + str(reply.get_value("error")))
            return
        self.webrtc.emit("create-answer", None, Gst.Promise.new_with_change_func(self.on_answer_created))

    def on_answer_created(self, promise):
        promise.wait()
        reply = promise.get_reply()
        answer = reply.get_value("answer") if reply is not None and reply.has_field("answer") else None
        if answer is None:
            error = reply.get_value("error") if reply is not None and reply.has_field("error") else "no answer"
            self.fail(EXIT_NEGOTIATION, "cannot answer the offer: " + str(error))
            return
        self.webrtc.emit("set-local-description", answer, Gst.Promise.new())
        self.on_gathering(self.webrtc, None)

    def on_gathering(self, webrtc, _spec):
        if self.answered or webrtc.get_property("ice-gathering-state") != GstWebRTC.WebRTCICEGatheringState.COMPLETE:
            return
        local = webrtc.get_property("local-description")
        if local is None:
            return
        self.answered = True
        self.answered_at = GLib.get_monotonic_time()
        sdp = local.sdp.as_text()
        if self.args.public_ip:
            sdp = sdp_offer.add_public_candidates(sdp, self.args.public_ip)
        emit("answer", sdp=sdp)

    def on_negotiation_timeout(self):
        if not self.answered:
            self.fail(EXIT_NEGOTIATION, "ICE gathering did not complete")
        return False

    def on_state(self, webrtc, _spec):
        ice = webrtc.get_property("ice-connection-state").value_nick
        connection = webrtc.get_property("connection-state").value_nick
        emit("state", ice=ice, connection=connection)
        if connection == "connected" and self.connected_at is None:
            self.connected_at = GLib.get_monotonic_time()
        if connection in ("failed", "closed") or ice == "failed":
            self.stop(EXIT_OK, "browser connection " + (connection if connection in ("failed", "closed") else "ice failed"))

    def check_idle(self):
        """No media from the browser for --idle-timeout s once connected (tab closed, network gone): leave, so the
        relay sees the publisher go and the call's publisher-lost grace starts. Before the connection is up, the
        negotiation timeout applies (from the answer on: the browser must still apply it, then ICE and DTLS)."""
        now = GLib.get_monotonic_time()
        if self.connected_at is None:
            if self.answered_at is not None and now - self.answered_at > self.args.negotiation_timeout * 1_000_000:
                self.stop(EXIT_NEGOTIATION, "the browser did not connect")
                return False
            return True
        newest = max(max(self.last_media.values(), default=0), self.connected_at)
        if now - newest > self.args.idle_timeout * 1_000_000:
            self.stop(EXIT_IDLE, "no media from the browser")
            return False
        return True

    def on_message(self, _bus, message):
        if message.type == Gst.MessageType.ERROR:
            error, _debug = message.parse_error()
            source = message.src.get_name() if message.src else "?"
            relay = message.src is not None and message.src.get_factory() is not None and \
                message.src.get_factory().get_name() in (self.args.rtmp_sink, self.args.rtmp_source)
            self.stop(EXIT_OK if relay and self.answered else EXIT_RELAY if relay else EXIT_NEGOTIATION,
                      f"{source}: {error.message}")
        elif message.type == Gst.MessageType.EOS:
            self.stop(EXIT_OK, "the relay ended the stream")

    def fail(self, code, reason):
        self.stop(code, reason)

    def stop(self, code, reason):
        if not self.loop.is_running():
            self.exit_code = code
            return
        self.exit_code = code
        log(reason)
        emit("end", reason=reason)
        self.loop.quit()

    def run(self, tracks):
        self.started_at = GLib.get_monotonic_time()
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, lambda: self.stop(EXIT_OK, "stopped") or False)
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, lambda: self.stop(EXIT_OK, "stopped") or False)
        GLib.idle_add(lambda: self.start(tracks) and False)
        GLib.timeout_add_seconds(1, lambda: parent_alive() or self.stop(EXIT_OK, "the service is gone") or False)
        self.loop.run()
        self.pipeline.set_state(Gst.State.NULL)
        return self.exit_code


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mode", choices=("whip", "whep"))
    p.add_argument("--check", action="store_true", help="print what the engine lacks (nothing: ok) and exit")
    p.add_argument("--stun", help="stun://host:port")
    p.add_argument("--turn", action="append", help="turn(s)://user:password@host:port (repeatable)")
    p.add_argument("--port-min", type=int, default=0, help="lowest local UDP port for ICE (0: any)")
    p.add_argument("--port-max", type=int, default=0, help="highest local UDP port for ICE (0: any)")
    p.add_argument("--local-ip", action="append", help="gather host candidates on this address only (repeatable)")
    p.add_argument("--public-ip", help="also announce each host candidate with this address (1:1 NAT)")
    p.add_argument("--idle-timeout", type=int, default=10, help="whip: seconds without browser media before leaving")
    p.add_argument("--negotiation-timeout", type=int, default=10)
    p.add_argument("--keyframe-interval", type=int, default=2, help="whip: seconds between keyframe requests")
    p.add_argument("--latency", type=int, default=50, help="jitter buffer, ms")
    p.add_argument("--mux-latency", type=int, default=20,
                   help="whip: how long flvmux waits for the later of audio and video before writing, ms")
    p.add_argument("--rtmp-sink", default="rtmp2sink")
    p.add_argument("--rtmp-source", default="rtmp2src")
    return p.parse_args(argv)


REQUIRED = ("webrtcbin", "nicesrc", "dtlssrtpenc", "rtmp2sink", "rtmp2src", "flvmux", "flvdemux", "h264parse",
            "rtph264pay", "rtph264depay", "capssetter", "opusenc", "opusdec", "rtpopuspay", "rtpopusdepay", "avdec_aac",
            "aacparse", "audioconvert", "audioresample")


def check():
    """What the engine lacks: GStreamer elements (and an AAC encoder), one line; empty when the gateway can run."""
    missing = [name for name in REQUIRED if Gst.ElementFactory.find(name) is None]
    if not any(Gst.ElementFactory.find(n) for n in ("fdkaacenc", "avenc_aac", "voaacenc")):
        missing.append("an AAC encoder (avenc_aac)")
    print(("missing GStreamer elements: " + ", ".join(missing)) if missing else "ok")
    return 1 if missing else 0


def main(argv):
    args = parse_args(argv)
    Gst.init(None)
    if args.check:
        return check()
    if args.mode is None:
        log("--mode whip|whep is required")
        return EXIT_BAD_OFFER
    args.rtmp = sys.stdin.readline().strip()
    offer = sys.stdin.read()
    try:
        tracks = sdp_offer.tracks(offer, args.mode)
    except ValueError as error:
        log(str(error))
        emit("end", reason=str(error))
        return EXIT_BAD_OFFER
    try:
        return Gateway(args, offer).run(tracks)
    except RuntimeError as error:
        log(str(error))
        emit("end", reason=str(error))
        return EXIT_NEGOTIATION


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
