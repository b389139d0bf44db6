package bolt

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plenary/plenary/store"
)

// crashCopy copies the bbolt file and its segments, as they are on disk
// while l is open, to a new directory: what a machine that lost power
// right now would restart with, since every acknowledged record is
// synced. It returns the copy's bbolt path.
func crashCopy(t *testing.T, l *Log) string {
	t.Helper()
	dir := t.TempDir()
	paths, _, err := segmentPaths(l.path)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range append(paths, l.path) {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(p)), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, filepath.Base(l.path))
}

func openLog(t *testing.T, path string) *Log {
	t.Helper()
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

func appendN(t *testing.T, l *Log, board string, n int, size int) {
	t.Helper()
	for i := 0; i < n; i++ {
		data := bytes.Repeat([]byte{byte(i)}, size)
		if _, _, err := l.Append(t.Context(), board, "", "", data); err != nil {
			t.Fatal(err)
		}
	}
}

// checkLog checks the board holds exactly records 1..n, each as appendN
// wrote it.
func checkLog(t *testing.T, l *Log, board string, n int) {
	t.Helper()
	recs, err := l.Read(t.Context(), board, "", 0, 10*n+10)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != n {
		t.Fatalf("board %s holds %d records, want %d", board, len(recs), n)
	}
	for i, r := range recs {
		if r.Seq != uint64(i+1) || len(r.Data) == 0 || r.Data[0] != byte(i) {
			t.Fatalf("board %s record %d = seq %d, data %.8q; want seq %d, data of %d", board, i, r.Seq, r.Data, i+1, byte(i))
		}
	}
	if last, err := l.Last(t.Context(), board); err != nil || last != uint64(n) {
		t.Fatalf("Last(%s) = %d, %v; want %d", board, last, err, n)
	}
}

// TestCrashKeepsAcknowledged: records acknowledged but not yet
// checkpointed are in the segment only; a restart puts them into bbolt.
func TestCrashKeepsAcknowledged(t *testing.T) {
	l := openLog(t, filepath.Join(t.TempDir(), "plenary.db"))
	appendN(t, l, "a", 30, 100)
	appendN(t, l, "b", 7, 100)
	if err := l.SaveSnapshot(t.Context(), "a", store.Snapshot{Seq: 20, Data: []byte("twenty")}); err != nil {
		t.Fatal(err)
	}

	back := openLog(t, crashCopy(t, l))
	checkLog(t, back, "a", 30)
	checkLog(t, back, "b", 7)
	if seq, _, err := back.Append(t.Context(), "a", "", "", []byte{30}); err != nil || seq != 31 {
		t.Fatalf("Append after the restart = %d, %v; want 31", seq, err)
	}
	if paths, _, _ := segmentPaths(back.path); len(paths) != 1 {
		t.Errorf("after recovery %d segments are on disk, want only the new one: %v", len(paths), paths)
	}
}

// TestTornTailIsDropped: a crash in the middle of a write leaves part of a
// record, never acknowledged; the records before it are all recovered.
func TestTornTailIsDropped(t *testing.T) {
	for name, tear := range map[string]func([]byte) []byte{
		"cut short":      func(b []byte) []byte { return b[:len(b)-3] },
		"bad checksum":   func(b []byte) []byte { b[len(b)-1] ^= 0xff; return b },
		"header only":    func(b []byte) []byte { return append(b, 0xff, 0, 0, 0, 1, 2) },
		"zeroed on disk": func(b []byte) []byte { return append(b, make([]byte, 100)...) },
	} {
		t.Run(name, func(t *testing.T) {
			l := openLog(t, filepath.Join(t.TempDir(), "plenary.db"))
			appendN(t, l, "a", 10, 50)
			path := crashCopy(t, l)
			segs, _, err := segmentPaths(path)
			if err != nil || len(segs) != 1 {
				t.Fatalf("segments of the copy: %v, %v", segs, err)
			}
			data, err := os.ReadFile(segs[0])
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(segs[0], tear(data), 0o600); err != nil {
				t.Fatal(err)
			}
			want := 10
			if name == "cut short" || name == "bad checksum" {
				want = 9
			}
			checkLog(t, openLog(t, path), "a", want)
		})
	}
}

// TestCheckpoint: a full segment moves into bbolt and is deleted while
// appends go on, and reads see bbolt and the newer records as one log.
func TestCheckpoint(t *testing.T) {
	l := openLog(t, filepath.Join(t.TempDir(), "plenary.db"))
	const size = 64 << 10
	n := segmentBytes/size + 2 // past one segment: the next append starts another
	appendN(t, l, "a", n, size)
	deadline := time.Now().Add(30 * time.Second)
	for {
		paths, _, err := segmentPaths(l.path)
		if err != nil {
			t.Fatal(err)
		}
		l.mu.Lock()
		waiting := len(l.pending["a"])
		l.mu.Unlock()
		if len(paths) == 1 && waiting < n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint after 30 s: segments %v, %d records waiting", paths, waiting)
		}
		time.Sleep(10 * time.Millisecond)
	}
	checkLog(t, l, "a", n)
	// And a restart finds the same, from bbolt and the segment after it.
	back := openLog(t, crashCopy(t, l))
	checkLog(t, back, "a", n)
}

// TestTrimWhileWaiting: a snapshot trims records that are still waiting
// for a checkpoint, and the checkpoint does not put them back.
func TestTrimWhileWaiting(t *testing.T) {
	l := openLog(t, filepath.Join(t.TempDir(), "plenary.db"))
	total := store.Keep + 100
	appendN(t, l, "a", total, 10)
	if err := l.SaveSnapshot(t.Context(), "a", store.Snapshot{Seq: uint64(total), Data: []byte("all")}); err != nil {
		t.Fatal(err)
	}
	path := l.path
	if err := l.Close(); err != nil { // checkpoints every segment
		t.Fatal(err)
	}
	back := openLog(t, path)
	recs, err := back.Read(t.Context(), "a", "", 0, 2*total)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != store.Keep || recs[0].Seq != 101 {
		t.Fatalf("after a snapshot at %d and a checkpoint, the log holds %d records from %v; want %d from 101", total, len(recs), recs[0].Seq, store.Keep)
	}
}

// TestKeysAfterCrash: the keys of ops still in a segment when the machine
// stops are read back with their records, so a resend after the restart
// is still known.
func TestKeysAfterCrash(t *testing.T) {
	l := openLog(t, filepath.Join(t.TempDir(), "plenary.db"))
	if _, _, err := l.Append(t.Context(), "a", "", "p1/c1", []byte("once")); err != nil {
		t.Fatal(err)
	}
	back := openLog(t, crashCopy(t, l))
	seq, dup, err := back.Append(t.Context(), "a", "", "p1/c1", []byte("resent"))
	if err != nil || seq != 1 || !dup {
		t.Fatalf("resend after the crash = %d, dup %v, %v; want 1, dup", seq, dup, err)
	}
	if last, err := back.Last(t.Context(), "a"); err != nil || last != 1 {
		t.Fatalf("Last = %d, %v; want 1", last, err)
	}
}

// writeSegments writes segments of board "a" as a crash would leave them,
// without a Log: segment i+1 holds the next counts[i] records, each as
// appendN writes them. It returns the bbolt path and the segments' paths.
func writeSegments(t *testing.T, counts ...int) (db string, paths []string) {
	t.Helper()
	db = filepath.Join(t.TempDir(), "plenary.db")
	seq := uint64(0)
	for i, n := range counts {
		seg, err := createSegment(db, uint64(i+1), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		var batch []walRecord
		for range n {
			seq++
			batch = append(batch, walRecord{board: "a", Record: store.Record{Seq: seq, Data: bytes.Repeat([]byte{byte(seq - 1)}, 50)}})
		}
		if _, err := seg.write(nil, batch); err != nil {
			t.Fatal(err)
		}
		seg.file.Close()
		paths = append(paths, seg.path)
	}
	return db, paths
}

// TestDamageRefusesToOpen: a damaged record anywhere but in a torn tail
// of the newest segment is damage to acknowledged records. Open refuses,
// naming the file and the offset, and deletes nothing, so that no record
// is lost without a word and whoever repairs it has every file.
func TestDamageRefusesToOpen(t *testing.T) {
	frame := len(appendFrame(nil, walRecord{board: "a", Record: store.Record{Data: make([]byte, 50)}}))
	for name, c := range map[string]struct{ segment, offset int }{
		"older segment, first record":   {0, 0},
		"older segment, a middle one":   {1, 2 * frame},
		"older segment, the last one":   {1, 4*frame + frame - 1},
		"newest segment, intact behind": {2, 3*frame + 9},
	} {
		t.Run(name, func(t *testing.T) {
			db, paths := writeSegments(t, 5, 5, 10)
			data, err := os.ReadFile(paths[c.segment])
			if err != nil {
				t.Fatal(err)
			}
			data[c.offset] ^= 0x40
			if err := os.WriteFile(paths[c.segment], data, 0o600); err != nil {
				t.Fatal(err)
			}
			l, err := Open(db)
			if err == nil {
				recs, _ := l.Read(t.Context(), "a", "", 0, 100)
				l.Close()
				t.Fatalf("opened with %d records, want a refusal", len(recs))
			}
			record := c.offset / frame * frame
			for _, want := range []string{paths[c.segment], fmt.Sprintf("offset %d", record)} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the error %q does not name %q", err, want)
				}
			}
			left, _, _ := segmentPaths(db)
			if !slices.Equal(left, paths) {
				t.Errorf("after the refusal the segments are %v, want all of %v", left, paths)
			}
		})
	}
}

// TestTornNewestTailAfterOlderSegments: older segments are read whole and
// the newest one's torn tail is dropped.
func TestTornNewestTailAfterOlderSegments(t *testing.T) {
	db, paths := writeSegments(t, 5, 5, 10)
	newest := paths[2]
	data, err := os.ReadFile(newest)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(newest, data[:len(data)-7], 0o600); err != nil {
		t.Fatal(err)
	}
	checkLog(t, openLog(t, db), "a", 19)
}

// TestMissingSegmentRefusesToOpen: a segment gone from between two others
// leaves a gap in a board's seqs, which Open refuses rather than fill.
func TestMissingSegmentRefusesToOpen(t *testing.T) {
	db, paths := writeSegments(t, 5, 5, 10)
	if err := os.Remove(paths[1]); err != nil {
		t.Fatal(err)
	}
	if l, err := Open(db); err == nil {
		l.Close()
		t.Fatal("opened with records 6 to 10 missing")
	} else if !strings.Contains(err.Error(), "record 11 follows 5") {
		t.Errorf("the error %q does not say where the gap is", err)
	}
}
