package measure

import (
	"maps"
	"testing"
	"time"
)

// TestMeterWindow: only ops sent inside the window are timed, whenever
// their changes arrive.
func TestMeterWindow(t *testing.T) {
	m := NewMeter()
	before := m.Now()
	if m.Counted(before) || m.Opened(before) {
		t.Fatal("an op sent before the window opened is counted")
	}
	m.Open()
	inside := m.Now()
	if !m.Counted(inside) || !m.Opened(inside) || m.Opened(before) {
		t.Fatal("the open window does not count what is sent in it alone")
	}
	m.Close()
	after := m.Now() + 1
	if m.Counted(after) || !m.Counted(inside) {
		t.Fatal("the closed window counts what was sent after it, or forgot what was sent in it")
	}

	late := Seen{Arrived: after + int64(time.Millisecond), Read: after + int64(2*time.Millisecond)}
	m.Delivered(before, late)
	m.Delivered(inside, late)
	m.Delivered(after, late)
	if n := m.Screen.Summary().Samples; n != 1 {
		t.Fatalf("%d op-to-screen samples, want the one op sent inside the window", n)
	}
	if screen, read := m.Screen.Summary().Max, m.ScreenRead.Summary().Max; read-screen < 0.9 || read-screen > 1.1 {
		t.Errorf("op to screen %g ms, to read %g ms: want the read a millisecond later", screen, read)
	}

	// A second span, as a storm measures: the window opens again.
	m.Open()
	if again := m.Now(); !m.Counted(again) || m.Counted(inside) {
		t.Error("a window opened again does not count from its new start")
	}
}

// TestTallySince: a span's totals are the difference of two tallies, codes
// that did not move left out.
func TestTallySince(t *testing.T) {
	m := NewMeter()
	m.Counts.Sent.Add(5)
	m.Refuse([]byte("vote_budget"))
	m.Refuse([]byte("forbidden"))
	t0 := m.Tally()
	m.Counts.Sent.Add(3)
	m.Counts.Changes.Add(40)
	m.Refuse([]byte("vote_budget"))
	d := m.Tally().Since(t0)
	if d.Sent != 3 || d.Changes != 40 || d.Refusals != 1 || d.At <= 0 {
		t.Errorf("span %+v: want 3 sent, 40 changes, 1 refusal, a positive length", d)
	}
	if want := map[string]uint64{"vote_budget": 1}; !maps.Equal(d.Refused, want) {
		t.Errorf("refused in the span %v, want %v", d.Refused, want)
	}
}

// TestMeterDrops: connections that end before the run are counted by
// reason; those the run closes are not.
func TestMeterDrops(t *testing.T) {
	m := NewMeter()
	m.Drop("4000")
	m.Drop("4000")
	m.Drop("error")
	m.Stop()
	m.Drop("1000")
	if want := map[string]uint64{"4000": 2, "error": 1}; !maps.Equal(m.Drops(), want) || !m.Stopping() {
		t.Errorf("drops %v, want %v", m.Drops(), want)
	}
}
