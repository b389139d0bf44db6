package main

import (
	"maps"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// meter is what a run measures, shared by every connection's reader and
// the goroutines that send. Times are nanoseconds on the meter's own
// monotonic clock (never zero, so zero can mean "unset").
type meter struct {
	epoch time.Time
	// from and until bound the measured window: latencies count for ops
	// sent inside it. Until it opens, from is in the far future.
	from, until atomic.Int64

	// screen is op-to-screen latency over every (op, other client of the
	// board) pair, to when the change reached the screen's socket;
	// screenRead is the same to when this process read it. ack is from
	// sending an op to its own acknowledgement reaching the sender.
	// resync is from a screen's socket dropping to its being back in
	// sync on a new one.
	screen, screenRead, ack, resync *histogram

	counts counts

	mu sync.Mutex
	// refused counts err frames by code, dropped counts connections that
	// ended before the run did, by close code.
	refused map[string]uint64
	dropped map[string]uint64
	// stopping is set when the run closes its connections, so their
	// endings are not counted as drops.
	stopping atomic.Bool
}

// counts are the meter's running totals.
type counts struct {
	open                       atomic.Int64 // screens that have their board
	sent, acked, refusals      atomic.Uint64
	changes, ephemeral, others atomic.Uint64
	ephemeralSent              atomic.Uint64
	// skipped counts ops the plan wanted but could not send: every
	// candidate sender had its window of unacknowledged ops full.
	skipped atomic.Uint64
	// unmatched counts changes a client received whose op's send time
	// was never learned (its sender's acknowledgement did not arrive).
	unmatched atomic.Uint64
	// reconnects counts screens back on a new socket, resent the ops
	// they sent again, snaps the snapshots screens were sent.
	reconnects, resent, snaps atomic.Uint64
}

func newMeter() *meter {
	m := &meter{
		epoch:      time.Now(),
		screen:     newHistogram(),
		screenRead: newHistogram(),
		ack:        newHistogram(),
		resync:     newHistogram(),
		refused:    map[string]uint64{},
		dropped:    map[string]uint64{},
	}
	m.from.Store(math.MaxInt64)
	m.until.Store(math.MaxInt64)
	return m
}

// now is the meter's clock.
func (m *meter) now() int64 { return int64(time.Since(m.epoch)) + 1 }

// fromWall is a wall-clock time in Unix nanoseconds on the meter's clock.
func (m *meter) fromWall(ns int64) int64 { return max(ns-m.epoch.UnixNano()+1, 1) }

// counted reports whether an op sent at sent is measured.
func (m *meter) counted(sent int64) bool {
	return sent >= m.from.Load() && sent < m.until.Load()
}

// delivered records that a client saw the change of an op sent at sent.
func (m *meter) delivered(sent int64, at seen) {
	if m.counted(sent) {
		m.screen.record(time.Duration(at.arrived - sent))
		m.screenRead.record(time.Duration(at.read - sent))
	}
}

func (m *meter) refuse(code []byte) {
	m.counts.refusals.Add(1)
	m.mu.Lock()
	m.refused[string(code)]++
	m.mu.Unlock()
}

func (m *meter) drop(reason string) {
	if m.stopping.Load() {
		return
	}
	m.mu.Lock()
	m.dropped[reason]++
	m.mu.Unlock()
}

// tally is a copy of the running totals at one moment.
type tally struct {
	at                                int64
	sent, acked, refusals             uint64
	changes, ephemeral, ephemeralSent uint64
	skipped, unmatched                uint64
	refused                           map[string]uint64
}

func (m *meter) tally() tally {
	c := &m.counts
	t := tally{
		at: m.now(), sent: c.sent.Load(), acked: c.acked.Load(), refusals: c.refusals.Load(),
		changes: c.changes.Load(), ephemeral: c.ephemeral.Load(), ephemeralSent: c.ephemeralSent.Load(),
		skipped: c.skipped.Load(), unmatched: c.unmatched.Load(),
	}
	m.mu.Lock()
	t.refused = maps.Clone(m.refused)
	m.mu.Unlock()
	return t
}

func (m *meter) drops() map[string]uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.dropped)
}

// since is what happened between an earlier tally and t.
func (t tally) since(earlier tally) tally {
	d := tally{
		at: t.at - earlier.at, sent: t.sent - earlier.sent, acked: t.acked - earlier.acked,
		refusals: t.refusals - earlier.refusals, changes: t.changes - earlier.changes,
		ephemeral: t.ephemeral - earlier.ephemeral, ephemeralSent: t.ephemeralSent - earlier.ephemeralSent,
		skipped: t.skipped - earlier.skipped, unmatched: t.unmatched - earlier.unmatched,
		refused: map[string]uint64{},
	}
	for code, n := range t.refused {
		if n -= earlier.refused[code]; n > 0 {
			d.refused[code] = n
		}
	}
	return d
}

// seconds is the tally's span, for a tally made by since.
func (t tally) seconds() float64 { return time.Duration(t.at).Seconds() }
