'use strict';

/**
 * Which realtime events (`seq`, counted per user by CallService) were processed, and the `afterSeq` to send in
 * `{"type":"resume","afterSeq":N}` after a reconnect.
 *
 * After a reconnect the service replays the missed events on the new socket while new events may already arrive
 * live on it (docs/api.md: a fresh socket receives new events; `resume` replays every kept event with
 * `seq > N`). So events can come twice or out of order: `accept` drops repeats, and `resumeAfter` is the highest seq
 * below which nothing is missing, so a gap is asked for again at the next reconnect.
 */
class SeqTracker {
  constructor() {
    this.watermark = 0;      // every seq <= watermark was processed (or predates this page)
    this.above = new Set();  // processed seqs > watermark + 1 (gaps below them)
    this.started = false;
  }

  /**
   * Records `seq`; false when it was already processed (a replayed duplicate).
   * The first event ever seen starts the count: a fresh socket only receives events newer than its attach.
   * @param {number} seq
   */
  accept(seq) {
    if (!this.started) {
      this.started = true;
      this.watermark = seq;
      return true;
    }
    if (seq <= this.watermark || this.above.has(seq)) return false;
    this.above.add(seq);
    while (this.above.delete(this.watermark + 1)) this.watermark++;
    return true;
  }

  /** The `afterSeq` for `resume`: 0 when no event was seen yet (replay everything the service kept). */
  get resumeAfter() {
    return this.watermark;
  }
}

module.exports = { SeqTracker };
