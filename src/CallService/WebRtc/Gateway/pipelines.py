"""The gateway's two pipelines (docs/webrtc.md, "Pipelines"): WHIP (browser → relay) and WHEP (relay → browser).

A mixin of webrtc_gateway.Gateway: it uses the gateway's pipeline, webrtcbin and arguments, and reports through
its emit/log/stop.
"""

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstWebRTC", "1.0")
gi.require_version("GstVideo", "1.0")
from gi.repository import GLib, Gst, GstVideo, GstWebRTC  # noqa: E402

from protocol import EXIT_OK, emit, log  # noqa: E402


class Pipelines:
    def element(self, factory, **props):
        e = Gst.ElementFactory.make(factory)
        if e is None:
            raise RuntimeError("GStreamer element missing: " + factory)
        for key, value in props.items():
            e.set_property(key.replace("_", "-"), value)
        self.pipeline.add(e)
        return e

    def chain(self, *elements):
        for a, b in zip(elements, elements[1:]):
            if not a.link(b):
                raise RuntimeError(f"cannot link {a.get_name()} to {b.get_name()}")
        return elements[0]

    def watch(self, pad, kind):
        """Counts buffers per track: the first one is reported; the idle timer reads the last time one passed."""
        def probe(_pad, _info):
            self.last_media[kind] = GLib.get_monotonic_time()
            if kind not in self.seen_media:
                self.seen_media.add(kind)
                emit("media", kind=kind)
            return Gst.PadProbeReturn.OK
        pad.add_probe(Gst.PadProbeType.BUFFER, probe)

    def build_whip(self, tracks):
        """Browser → relay. Both FLV tracks exist before negotiation so flvmux writes one header with both."""
        mux = self.element("flvmux", streamable=True, latency=self.args.mux_latency * Gst.MSECOND)
        sink = self.element(self.args.rtmp_sink, location=self.args.rtmp)
        sink.set_property("sync", False)
        sink.set_property("async", False)
        mux.link(sink)
        self.whip_inputs = {}
        for track in tracks:
            self.webrtc.emit("add-transceiver", GstWebRTC.WebRTCRTPTransceiverDirection.RECVONLY,
                             Gst.Caps.from_string(track.caps))
            if track.kind == "video":
                depay = self.element("rtph264depay")
                parse = self.element("h264parse")
                caps = self.element("capsfilter", caps=Gst.Caps.from_string(
                    "video/x-h264,stream-format=avc,alignment=au"))
                queue = self.element("queue", max_size_time=2 * Gst.SECOND, max_size_buffers=0, max_size_bytes=0)
                self.chain(depay, parse, caps, queue)
                queue.get_static_pad("src").link(mux.request_pad_simple("video"))
                self.watch(depay.get_static_pad("sink"), "video")
                self.whip_inputs["video"] = depay
            else:
                encoder = self.aac_encoder()
                elements = [self.element("rtpopusdepay"), self.element("opusdec", plc=True),
                            self.element("audioconvert"), self.element("audioresample"),
                            self.element("capsfilter", caps=Gst.Caps.from_string("audio/x-raw,rate=48000,channels=2")),
                            encoder, self.element("aacparse"),
                            self.element("queue", max_size_time=2 * Gst.SECOND, max_size_buffers=0, max_size_bytes=0)]
                self.chain(*elements)
                elements[-1].get_static_pad("src").link(mux.request_pad_simple("audio"))
                self.watch(elements[0].get_static_pad("sink"), "audio")
                self.whip_inputs["audio"] = elements[0]
        self.webrtc.connect("pad-added", self.on_whip_pad)
        GLib.timeout_add(self.args.keyframe_interval * 1000, self.request_keyframe)

    def aac_encoder(self):
        for factory, props in (("fdkaacenc", {"bitrate": 64000}), ("avenc_aac", {"bitrate": 64000}),
                               ("voaacenc", {"bitrate": 64000})):
            if Gst.ElementFactory.find(factory) is not None:
                return self.element(factory, **props)
        raise RuntimeError("no AAC encoder (gstreamer1.0-libav's avenc_aac)")

    def on_whip_pad(self, _webrtc, pad):
        if pad.get_direction() != Gst.PadDirection.SRC:
            return
        caps = pad.get_current_caps() or pad.query_caps(None)
        media = caps.get_structure(0).get_string("media")
        target = self.whip_inputs.get(media)
        if target is None:
            pad.link(self.fakesink().get_static_pad("sink"))
            return
        result = pad.link(target.get_static_pad("sink"))
        log(f"browser {media} track linked: {result.value_nick}")
        if media == "video":
            self.video_src = pad

    def fakesink(self):
        sink = self.element("fakesink")
        sink.set_property("sync", False)
        sink.set_property("async", False)
        sink.sync_state_with_parent()
        return sink

    def request_keyframe(self):
        """RTP has no periodic keyframes: ask the browser for one (rtpsession turns the event into RTCP PLI/FIR), so
        a viewer joining late starts within one interval (the relay fast-starts from the latest keyframe)."""
        pad = getattr(self, "video_src", None)
        if pad is not None:
            pad.send_event(GstVideo.video_event_new_upstream_force_key_unit(Gst.CLOCK_TIME_NONE, True, 0))
        return True

    def build_whep(self, tracks):
        """Relay → browser. The payloaders are linked to webrtcbin before negotiation (the relay holds a play that
        comes before the peer publishes, so flvdemux's pads may appear much later)."""
        source = self.element(self.args.rtmp_source, location=self.args.rtmp)
        demux = self.element("flvdemux")
        source.link(demux)
        # The peer stopped publishing (the relay's unpublish notify / end of stream): the EOS never reaches the bus,
        # webrtcbin's network sinks do not end, so the gateway watches for it itself and leaves.
        source.get_static_pad("src").add_probe(Gst.PadProbeType.EVENT_DOWNSTREAM, self.on_source_event)
        self.whep_outputs = {}
        for track in tracks:
            if track.kind == "video":
                elements = [self.element("queue", max_size_time=2 * Gst.SECOND, max_size_buffers=0, max_size_bytes=0),
                            self.element("h264parse"),
                            self.element("rtph264pay", config_interval=-1, pt=track.payload_type,
                                         aggregate_mode=1),  # zero-latency: no STAP-A waiting
                            # rtph264pay states the stream's own profile-level-id (x264: 42c00d, a phone: 64001f);
                            # webrtcbin only accepts the negotiated one. The SDP value is a capability, not the stream:
                            # browsers' decoders take any profile they can decode.
                            self.element("capssetter", join=True, replace=False, caps=Gst.Caps.from_string(
                                "application/x-rtp,profile-level-id=(string)" + track.profile)),
                            self.element("capsfilter", caps=Gst.Caps.from_string(track.payload_caps))]
            else:
                elements = [self.element("queue", max_size_time=2 * Gst.SECOND, max_size_buffers=0, max_size_bytes=0),
                            self.element("aacparse"), self.element("avdec_aac"), self.element("audioconvert"),
                            self.element("audioresample"),
                            self.element("capsfilter", caps=Gst.Caps.from_string("audio/x-raw,rate=48000")),
                            self.element("opusenc", bitrate=64000),
                            self.element("rtpopuspay", pt=track.payload_type),
                            self.element("capsfilter", caps=Gst.Caps.from_string(track.payload_caps))]
            self.chain(*elements)
            sink = self.webrtc.request_pad_simple("sink_%u")
            transceiver = sink.get_property("transceiver")
            transceiver.set_property("direction", GstWebRTC.WebRTCRTPTransceiverDirection.SENDONLY)
            transceiver.set_property("codec-preferences", Gst.Caps.from_string(track.caps))
            elements[-1].get_static_pad("src").link(sink)
            self.watch(elements[0].get_static_pad("src"), track.kind)
            self.whep_outputs[track.kind] = elements[0]
        demux.connect("pad-added", self.on_flv_pad)

    def on_source_event(self, _pad, info):
        if info.get_event().type == Gst.EventType.EOS:
            GLib.idle_add(lambda: self.stop(EXIT_OK, "the relay ended the stream") or False)
        return Gst.PadProbeReturn.OK

    def on_flv_pad(self, _demux, pad):
        kind = "video" if pad.get_name().startswith("video") else "audio"
        target = self.whep_outputs.get(kind)
        if target is None:
            pad.link(self.fakesink().get_static_pad("sink"))
            return
        pad.add_probe(Gst.PadProbeType.BUFFER, self.live_gate, kind)
        log(f"relay {kind} track linked: {pad.link(target.get_static_pad('sink')).value_nick}")

    def live_gate(self, _pad, info, kind):
        """Drops the relay's fast start. A new player first gets the stream from its latest keyframe (up to a GOP
        old) in one burst: an RTMP player catches up by decoding fast, but a browser anchors its playout on the first
        frames' timestamps and would keep that lag for the whole call. So nothing passes until video arrives at
        live pace (a gap between two frames, where the burst has none), and then from the next keyframe on; audio
        from that keyframe's time on."""
        buffer = info.get_buffer()
        now = GLib.get_monotonic_time()
        if self.live_from is None:
            if kind != "video":
                return Gst.PadProbeReturn.DROP
            previous, self.last_video_arrival = self.last_video_arrival, now
            if not self.live and previous is not None and now - previous > 15_000:
                self.live = True
            if not self.live or buffer.has_flags(Gst.BufferFlags.DELTA_UNIT):
                return Gst.PadProbeReturn.DROP
            self.live_from = buffer.pts
            log("relay video is live from a keyframe: passing media on")
        return Gst.PadProbeReturn.OK if buffer.pts >= self.live_from else Gst.PadProbeReturn.DROP
