package hub

import (
	"slices"
	"testing"
)

// TestDragsThinnedWhileQueued: while a session's queue waits for its
// writer, a drag of a note replaces the one of the same note still
// queued, in its place, and logged frames are all kept, in order.
func TestDragsThinnedWhileQueued(t *testing.T) {
	var o outbox
	o.schedule = func() {}
	frame := func(s string) []byte { return []byte(s) }
	drag := func(note, x string) []byte {
		return frame(`{"t":"eph","from":"p4","kind":"drag","note":"` + note + `","x":` + x + `,"y":0.5}`)
	}
	eph := func(f []byte) { o.pushLatest(f, ephKey(f), sendQueueLen/2, nil) }
	eph(drag("n1", "0.1"))
	o.push(frame(`{"t":"chg","seq":7}`), sendQueueLen)
	eph(drag("n2", "0.1"))
	eph(drag("n1", "0.2"))
	eph(drag("n1", "0.3"))
	o.push(frame(`{"t":"chg","seq":8}`), sendQueueLen)

	got, _ := o.next()
	want := [][]byte{drag("n1", "0.3"), frame(`{"t":"chg","seq":7}`), drag("n2", "0.1"), frame(`{"t":"chg","seq":8}`)}
	if !slices.EqualFunc(got, want, func(a, b []byte) bool { return string(a) == string(b) }) {
		t.Fatalf("queued:\n%s\nwant:\n%s", got, want)
	}

	// Once written, the next drag of n1 queues anew.
	o.more(got)
	eph(drag("n1", "0.4"))
	if got, _ := o.next(); len(got) != 1 || string(got[0]) != string(drag("n1", "0.4")) {
		t.Fatalf("after a write, queued %s", got)
	}
}
