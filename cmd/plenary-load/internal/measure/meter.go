// Package measure is what a load run measures and how: latencies in
// log-linear histograms, the running totals thousands of screens count
// into at once, and the kernel's receive stamp on each screen's socket,
// which tells when a change reached a screen rather than when this
// process got round to reading it.
package measure

import (
	"maps"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Meter is what a run measures, shared by every connection's reader and
// the goroutines that send. Times are nanoseconds on the meter's own
// monotonic clock (never zero, so zero can mean "unset"). The histograms
// and counts are atomic; mu guards the counts by code.
type Meter struct {
	epoch time.Time
	// from and until bound the measured window: latencies count for ops
	// sent inside it. Until it opens, from is in the far future.
	from, until atomic.Int64

	// Screen is op-to-screen latency over every (op, other client of the
	// board) pair, to when the change reached the screen's socket;
	// ScreenRead is the same to when this process read it. Ack is from
	// sending an op to its own acknowledgement reaching the sender.
	// Resync is from a screen's socket dropping to its being back in
	// sync on a new one.
	Screen, ScreenRead, Ack, Resync *Histogram

	Counts Counts

	mu sync.Mutex
	// refused counts err frames by code, dropped counts connections that
	// ended before the run did, by close code.
	refused map[string]uint64
	dropped map[string]uint64
	// stopping is set when the run closes its connections, so their
	// endings are not counted as drops.
	stopping atomic.Bool
}

// Counts are the meter's running totals.
type Counts struct {
	Open                       atomic.Int64 // screens that have their board
	Sent, Acked, Refusals      atomic.Uint64
	Changes, Ephemeral, Others atomic.Uint64
	EphemeralSent              atomic.Uint64
	// Skipped counts ops the plan wanted but could not send: every
	// candidate sender had its window of unacknowledged ops full.
	Skipped atomic.Uint64
	// Unmatched counts changes a client received whose op's send time
	// was never learned (its sender's acknowledgement did not arrive).
	Unmatched atomic.Uint64
	// Reconnects counts screens back on a new socket, Resent the ops
	// they sent again, Snaps the snapshots screens were sent.
	Reconnects, Resent, Snaps atomic.Uint64
}

// NewMeter starts a meter's clock, its window not yet open.
func NewMeter() *Meter {
	m := &Meter{
		epoch:      time.Now(),
		Screen:     NewHistogram(),
		ScreenRead: NewHistogram(),
		Ack:        NewHistogram(),
		Resync:     NewHistogram(),
		refused:    map[string]uint64{},
		dropped:    map[string]uint64{},
	}
	m.from.Store(math.MaxInt64)
	m.until.Store(math.MaxInt64)
	return m
}

// Now is the meter's clock.
func (m *Meter) Now() int64 { return int64(time.Since(m.epoch)) + 1 }

// FromWall is a wall-clock time in Unix nanoseconds on the meter's clock.
func (m *Meter) FromWall(ns int64) int64 { return max(ns-m.epoch.UnixNano()+1, 1) }

// Seen is when the bytes just read from sock arrived, and now; sock is
// nil if the dial went without stamps.
func (m *Meter) Seen(sock *StampedConn) Seen {
	at := Seen{Read: m.Now()}
	at.Arrived = at.Read
	if sock != nil {
		if wall := sock.arrived.Load(); wall != 0 {
			at.Arrived = min(m.FromWall(wall), at.Read)
		}
	}
	return at
}

// Open opens the measured window now, with no end yet.
func (m *Meter) Open() {
	m.until.Store(math.MaxInt64)
	m.from.Store(m.Now())
}

// Close ends the measured window now.
func (m *Meter) Close() { m.until.Store(m.Now()) }

// Opened reports whether the window had opened by at.
func (m *Meter) Opened(at int64) bool { return at >= m.from.Load() }

// Counted reports whether an op sent at sent is measured.
func (m *Meter) Counted(sent int64) bool {
	return sent >= m.from.Load() && sent < m.until.Load()
}

// Seen is when a screen had some bytes, on the meter's clock: Arrived
// when they reached its socket, Read when this process read them.
type Seen struct{ Arrived, Read int64 }

// Delivered records that a client saw the change of an op sent at sent.
func (m *Meter) Delivered(sent int64, at Seen) {
	if m.Counted(sent) {
		m.Screen.Record(time.Duration(at.Arrived - sent))
		m.ScreenRead.Record(time.Duration(at.Read - sent))
	}
}

// Refuse counts an err frame by its code.
func (m *Meter) Refuse(code []byte) {
	m.Counts.Refusals.Add(1)
	m.mu.Lock()
	m.refused[string(code)]++
	m.mu.Unlock()
}

// Drop counts a connection that ended before the run did, unless the run
// is stopping.
func (m *Meter) Drop(reason string) {
	if m.stopping.Load() {
		return
	}
	m.mu.Lock()
	m.dropped[reason]++
	m.mu.Unlock()
}

// Stop says the run is closing its connections: no more drops.
func (m *Meter) Stop() { m.stopping.Store(true) }

// Stopping reports whether Stop was called.
func (m *Meter) Stopping() bool { return m.stopping.Load() }

// Drops is the connections dropped so far, by reason.
func (m *Meter) Drops() map[string]uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.dropped)
}

// Tally is a copy of the running totals at one moment.
type Tally struct {
	At                                int64
	Sent, Acked, Refusals             uint64
	Changes, Ephemeral, EphemeralSent uint64
	Skipped, Unmatched                uint64
	Refused                           map[string]uint64
}

// Tally copies the running totals now.
func (m *Meter) Tally() Tally {
	c := &m.Counts
	t := Tally{
		At: m.Now(), Sent: c.Sent.Load(), Acked: c.Acked.Load(), Refusals: c.Refusals.Load(),
		Changes: c.Changes.Load(), Ephemeral: c.Ephemeral.Load(), EphemeralSent: c.EphemeralSent.Load(),
		Skipped: c.Skipped.Load(), Unmatched: c.Unmatched.Load(),
	}
	m.mu.Lock()
	t.Refused = maps.Clone(m.refused)
	m.mu.Unlock()
	return t
}

// Since is what happened between an earlier tally and t.
func (t Tally) Since(earlier Tally) Tally {
	d := Tally{
		At: t.At - earlier.At, Sent: t.Sent - earlier.Sent, Acked: t.Acked - earlier.Acked,
		Refusals: t.Refusals - earlier.Refusals, Changes: t.Changes - earlier.Changes,
		Ephemeral: t.Ephemeral - earlier.Ephemeral, EphemeralSent: t.EphemeralSent - earlier.EphemeralSent,
		Skipped: t.Skipped - earlier.Skipped, Unmatched: t.Unmatched - earlier.Unmatched,
		Refused: map[string]uint64{},
	}
	for code, n := range t.Refused {
		if n -= earlier.Refused[code]; n > 0 {
			d.Refused[code] = n
		}
	}
	return d
}

// Seconds is the tally's span, for a tally made by Since.
func (t Tally) Seconds() float64 { return time.Duration(t.At).Seconds() }
