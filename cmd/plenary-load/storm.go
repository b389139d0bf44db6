package main

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
)

// churnEvery is how often the churning participant of a storm run
// reconnects.
const churnEvery = 100 * time.Millisecond

// Storm is what a storm run measured beside the report's Ack, which is the
// facilitator's ops sent while the room joined.
type Storm struct {
	// QuietAck is the facilitator's ops in the same room before anyone
	// joined, over the same span.
	QuietAck Latency `json:"quietAck"`
	// Reconnects is how often one participant dropped its socket and
	// came back (with its token and last seq, as the web app does) after
	// the storm, ChurnSeconds over how long; ChurnBytes is what every other
	// screen was sent meanwhile, a second: the mean over them and the
	// most any one was sent. The facilitator is quiet then, so it is
	// presence.
	Reconnects    int     `json:"reconnects"`
	ChurnSeconds  float64 `json:"churnSeconds"`
	ChurnBytes    float64 `json:"churnBytesPerScreenSecond"`
	ChurnBytesMax float64 `json:"churnBytesMaxScreenSecond"`
}

// storm times the facilitator's ops, sent from a process of their own
// (facilitator.go), in a quiet room, then while the whole room joins at
// once (at the connect rate), then has one participant reconnect every
// 100 ms and counts what that costs everyone else.
func (l *load) storm(ctx context.Context, rep *Report) error {
	w := l.boards[0]
	w.acksOnly = true
	fac, err := dial(ctx, l.screens, w.base, w, client.Hello{Board: w.id, Token: w.token}, maxWindow)
	if err != nil {
		return fmt.Errorf("board %s: the facilitator could not connect: %w", w.id, err)
	}
	w.facilitator = fac
	timed, err := l.startFacilitator(ctx, w)
	if err != nil {
		return err
	}
	defer timed.stop()

	l.stage.Store("quiet")
	sleepUntil(ctx, time.Now().Add(l.cfg.Warmup))
	l.m.from.Store(l.m.now())
	sleepUntil(ctx, time.Now().Add(l.cfg.Duration))
	l.m.until.Store(l.m.now())
	l.drain(ctx)
	rep.Storm, rep.Rate = &Storm{QuietAck: l.m.ack.summary()}, l.cfg.Rate
	l.m.ack.reset()
	l.m.screen.reset()
	l.m.screenRead.reset()

	t0 := l.m.tally()
	l.m.until.Store(math.MaxInt64)
	l.m.from.Store(l.m.now())
	err = l.connect(ctx, false, 1)
	l.m.until.Store(l.m.now())
	l.window = l.m.tally().since(t0)
	if stopErr := timed.stop(); err == nil && stopErr != nil {
		err = fmt.Errorf("the facilitator's process: %w", stopErr)
	}
	if err != nil {
		return err
	}
	// One more op, after every join: once every screen has it, the
	// storm's changes are all delivered and the churn is measured alone.
	if !fac.take(ctx) {
		return fmt.Errorf("the facilitator's connection ended in the storm: %w", fac.err)
	}
	if err := fac.send(kindOther, &board.Op{Kind: board.TimerStop}); err != nil {
		return err
	}
	l.drain(ctx)

	l.stage.Store("churn")
	return l.churn(ctx, w, rep.Storm)
}

// churn has the room's first participant drop its socket every churnEvery
// for cfg.Duration, each time waiting until it is back in sync, and notes
// in s what the others were sent meanwhile.
func (l *load) churn(ctx context.Context, w *workshop, s *Storm) error {
	churner, others := w.people[0], w.people[1:]
	before := make([]uint64, len(others))
	for i, c := range others {
		before[i] = c.received.Load()
	}
	start := time.Now()
	reconnects := 0
	for next := start; time.Since(start) < l.cfg.Duration && sleepUntil(ctx, next); next = next.Add(churnEvery) {
		churner.cut()
		select {
		case <-churner.resynced:
		case <-churner.closed:
			return fmt.Errorf("reconnect %d: %w", reconnects+1, churner.err)
		case <-ctx.Done():
			return ctx.Err()
		}
		reconnects++
	}
	secs := time.Since(start).Seconds()
	rates := make([]float64, 0, len(others))
	for i, c := range others {
		if !c.ended() {
			rates = append(rates, float64(c.received.Load()-before[i])/secs)
		}
	}
	s.Reconnects, s.ChurnSeconds = reconnects, secs
	if len(rates) > 0 {
		for _, r := range rates {
			s.ChurnBytes += r
		}
		s.ChurnBytes /= float64(len(rates))
		s.ChurnBytesMax = slices.Max(rates)
	}
	return nil
}
