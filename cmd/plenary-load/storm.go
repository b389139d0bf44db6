package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/cmd/plenary-load/internal/report"
	"github.com/plenary/plenary/cmd/plenary-load/internal/workshop"
	"github.com/plenary/plenary/hub/client"
)

// churnEvery is how often the churning participant of a storm run
// reconnects.
const churnEvery = 100 * time.Millisecond

// storm times the facilitator's ops, sent from a process of their own
// (facilitator.go), in a quiet room, then while the whole room joins at
// once (at the connect rate), then has one participant reconnect every
// 100 ms and counts what that costs everyone else.
func (l *load) storm(ctx context.Context, rep *report.Report) error {
	w := l.boards[0]
	w.AcksOnly = true
	fac, err := workshop.Dial(ctx, l.screens, w.Base, w, client.Hello{Board: w.ID, Token: w.Token}, workshop.MaxWindow)
	if err != nil {
		return fmt.Errorf("board %s: the facilitator could not connect: %w", w.ID, err)
	}
	w.Facilitator = fac
	timed, err := l.startFacilitator(ctx, w)
	if err != nil {
		return err
	}
	defer timed.stop()

	l.stage.Store("quiet")
	sleepUntil(ctx, time.Now().Add(l.cfg.Warmup))
	l.m.Open()
	sleepUntil(ctx, time.Now().Add(l.cfg.Duration))
	l.m.Close()
	l.drain(ctx)
	rep.Storm, rep.Rate = &report.Storm{QuietAck: l.m.Ack.Summary()}, l.cfg.Rate
	l.m.Ack.Reset()
	l.m.Screen.Reset()
	l.m.ScreenRead.Reset()

	t0 := l.m.Tally()
	l.m.Open()
	err = l.connect(ctx, false, 1)
	l.m.Close()
	l.window = l.m.Tally().Since(t0)
	if stopErr := timed.stop(); err == nil && stopErr != nil {
		err = fmt.Errorf("the facilitator's process: %w", stopErr)
	}
	if err != nil {
		return err
	}
	// One more op, after every join: once every screen has it, the
	// storm's changes are all delivered and the churn is measured alone.
	if !fac.Take(ctx) {
		return fmt.Errorf("the facilitator's connection ended in the storm: %w", fac.Err())
	}
	if err := fac.Send(&board.Op{Kind: board.TimerStop}); err != nil {
		return err
	}
	l.drain(ctx)

	l.stage.Store("churn")
	return l.churn(ctx, w, rep.Storm)
}

// churn has the room's first participant drop its socket every churnEvery
// for cfg.Duration, each time waiting until it is back in sync, and notes
// in s what the others were sent meanwhile.
func (l *load) churn(ctx context.Context, w *workshop.Board, s *report.Storm) error {
	churner, others := w.People[0], w.People[1:]
	before := make([]uint64, len(others))
	for i, c := range others {
		before[i] = c.Received()
	}
	start := time.Now()
	reconnects := 0
	for next := start; time.Since(start) < l.cfg.Duration && sleepUntil(ctx, next); next = next.Add(churnEvery) {
		churner.Cut()
		select {
		case <-churner.Resynced():
		case <-churner.Done():
			return fmt.Errorf("reconnect %d: %w", reconnects+1, churner.Err())
		case <-ctx.Done():
			return ctx.Err()
		}
		reconnects++
	}
	secs := time.Since(start).Seconds()
	rates := make([]float64, 0, len(others))
	for i, c := range others {
		if !c.Ended() {
			rates = append(rates, float64(c.Received()-before[i])/secs)
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
