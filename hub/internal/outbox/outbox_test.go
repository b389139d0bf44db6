package outbox

import (
	"bytes"
	"slices"
	"testing"
)

// TestDragsThinnedWhileQueued: while a session's queue waits for its
// writer, a drag of a note replaces the one of the same note still
// queued, in its place, and logged frames are all kept, in order.
func TestDragsThinnedWhileQueued(t *testing.T) {
	var o Outbox
	o.Schedule = func() {}
	frame := func(s string) []byte { return []byte(s) }
	drag := func(note, x string) []byte {
		return frame(`{"t":"eph","from":"p4","kind":"drag","note":"` + note + `","x":` + x + `,"y":0.5}`)
	}
	// A drag's key is all of it but the position, as the hub's.
	eph := func(f []byte) { o.PushLatest(f, string(f[:bytes.Index(f, []byte(`,"x":`))]), 512, nil) }
	eph(drag("n1", "0.1"))
	o.Push(frame(`{"t":"chg","seq":7}`), 1024)
	eph(drag("n2", "0.1"))
	eph(drag("n1", "0.2"))
	eph(drag("n1", "0.3"))
	o.Push(frame(`{"t":"chg","seq":8}`), 1024)

	got, _ := o.Next()
	want := [][]byte{drag("n1", "0.3"), frame(`{"t":"chg","seq":7}`), drag("n2", "0.1"), frame(`{"t":"chg","seq":8}`)}
	if !slices.EqualFunc(got, want, func(a, b []byte) bool { return string(a) == string(b) }) {
		t.Fatalf("queued:\n%s\nwant:\n%s", got, want)
	}

	// Once written, the next drag of n1 queues anew.
	o.More(got)
	eph(drag("n1", "0.4"))
	if got, _ := o.Next(); len(got) != 1 || string(got[0]) != string(drag("n1", "0.4")) {
		t.Fatalf("after a write, queued %s", got)
	}
}
