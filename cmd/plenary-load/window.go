package main

import (
	"context"
	"fmt"
	"time"

	"github.com/plenary/plenary/cmd/plenary-load/internal/report"
	"github.com/plenary/plenary/cmd/plenary-load/internal/usage"
)

// measure waits out the warm-up from start, then opens the measured window
// for cfg.Duration (less if ctx ends first).
func (l *load) measure(ctx context.Context, start time.Time) {
	l.stage.Store("warm-up")
	sleepUntil(ctx, start.Add(l.cfg.Warmup))
	l.m.Open()
	t0 := l.m.Tally()
	server0, err0 := usage.ProcessCPU(l.cfg.PID)
	gcs0, gcCPU0, gcErr0 := usage.GC(ctx, l.httpc, l.cfg.URLs)
	own0 := usage.OwnCPU()
	theirs, ours := usage.PinnedApart(l.cfg.PID)
	serverSpan, ownSpan := usage.StartSpan(theirs), usage.StartSpan(ours)
	l.stage.Store("measure")
	sleepUntil(ctx, time.Now().Add(l.cfg.Duration))
	l.m.Close()
	l.window = l.m.Tally().Since(t0)
	server1, err1 := usage.ProcessCPU(l.cfg.PID)
	if gcs1, gcCPU1, err := usage.GC(ctx, l.httpc, l.cfg.URLs); err == nil && gcErr0 == nil {
		l.gc = &report.GC{Collections: gcs1 - gcs0, CPUSeconds: gcCPU1 - gcCPU0}
	}
	l.own = usage.OwnCPU() - own0
	l.server, l.serverKnown = server1-server0, err0 == nil && err1 == nil
	l.cores, l.serverBusy, l.ownBusy = theirs, serverSpan.Busy(), ownSpan.Busy()
	l.stage.Store("drain")
}

// drainFor bounds the wait for the last changes after the window closes.
const drainFor = 10 * time.Second

// drain waits until every op in flight is answered and every screen has
// the last change of its board, so the latencies of the window's last ops
// are complete.
func (l *load) drain(ctx context.Context) {
	deadline := time.Now().Add(drainFor)
	for {
		l.unfinished = 0
		for _, w := range l.boards {
			l.unfinished += w.Unfinished()
		}
		if l.unfinished == 0 || time.Now().After(deadline) || !sleepUntil(ctx, time.Now().Add(20*time.Millisecond)) {
			return
		}
	}
}

// finish fills in what is known once every screen is closed.
func (l *load) finish(rep *report.Report) {
	w := l.window
	secs := w.Seconds()
	rep.Connected = l.connected
	rep.ConnectSeconds = l.connectTime.Seconds()
	if len(l.failures) > 0 {
		rep.ConnectFailures, rep.ConnectError = l.failures, l.firstError
	}
	rep.Seconds = secs
	rep.OpsSent, rep.OpsAcked, rep.OpsPerSecond = w.Sent, w.Acked, float64(w.Sent)/secs
	rep.Refused, rep.Skipped = w.Refused, w.Skipped
	rep.Deliveries, rep.DeliveriesPerSecond = w.Changes, float64(w.Changes)/secs
	rep.EphemeralSent, rep.EphemeralDelivered = w.EphemeralSent, w.Ephemeral
	rep.OpToScreen, rep.OpToRead, rep.Ack = l.m.Screen.Summary(), l.m.ScreenRead.Summary(), l.m.Ack.Summary()
	rep.Unmatched, rep.Unfinished = l.m.Counts.Unmatched.Load(), l.unfinished
	rep.Dropped = l.m.Drops()
	rep.Reconnects, rep.Resent, rep.Resync = l.m.Counts.Reconnects.Load(), l.m.Counts.Resent.Load(), l.m.Resync.Summary()
	if secs > 0 {
		rep.LoadCores, rep.LoadBusy = l.own/secs, l.ownBusy
	}
	rep.ServerGC = l.gc
	if l.serverKnown && secs > 0 {
		rep.ServerCPU = &report.CPU{Seconds: l.server, Cores: l.server / secs}
		if l.server > 0 {
			rep.ServerCPU.DeliveriesPerCPUSecond = float64(w.Changes) / l.server
		}
		if l.serverBusy > 0 {
			rep.ServerCPU.PinnedTo, rep.ServerCPU.PinnedBusy = l.cores, l.serverBusy
			rep.ServerCPU.DeliveriesPerBusyCore = float64(w.Changes) / secs / l.serverBusy
		}
	}
}

// progress prints a line a second to cfg.Progress until the returned func
// is called.
func (l *load) progress() (stop func()) {
	if l.cfg.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		prev := l.m.Tally()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			now := l.m.Tally()
			d := now.Since(prev)
			secs := d.Seconds()
			var dropped uint64
			for _, n := range l.m.Drops() {
				dropped += n
			}
			fmt.Fprintf(l.cfg.Progress, "%6.1fs %-8s screens %-6d ops %5.0f/s  changes %7.0f/s  eph %6.0f/s  refused %d  dropped %d  p99 %.1f ms\n",
				time.Duration(now.At).Seconds(), l.stage.Load(), l.m.Counts.Open.Load(),
				float64(d.Sent)/secs, float64(d.Changes)/secs, float64(d.Ephemeral)/secs,
				now.Refusals, dropped, l.m.Screen.Summary().P99)
			prev = now
		}
	}()
	return func() { close(done); <-finished }
}
