package bolt

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/plenary/plenary/store"
)

// crashCopy copies the bbolt file, as it is on disk while l is open, to a
// new directory: what a machine that lost power right now would restart
// with, since every acknowledged record is committed. It returns the
// copy's path.
func crashCopy(t *testing.T, l *Log) string {
	t.Helper()
	data, err := os.ReadFile(l.db.Path())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), filepath.Base(l.db.Path()))
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
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

// TestCrashKeepsAcknowledged: every acknowledged record is in the file
// on disk, without a Close.
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
}

// TestKeysAfterCrash: the key of an acknowledged op is in the file on
// disk with its record, so a resend after the restart is still known.
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

// TestDamageRefusesToOpen: a file whose meta pages are both damaged is
// refused, and left as it is for whoever repairs it.
func TestDamageRefusesToOpen(t *testing.T) {
	l := openLog(t, filepath.Join(t.TempDir(), "plenary.db"))
	appendN(t, l, "a", 5, 50)
	path := crashCopy(t, l)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := os.Getpagesize()
	for _, meta := range []int{0, page} {
		data[meta+20] ^= 0x40 // inside the meta, under its checksum
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if l, err := Open(path); err == nil {
		l.Close()
		t.Fatal("opened a file with both meta pages damaged")
	}
	if after, err := os.ReadFile(path); err != nil || !bytes.Equal(after, data) {
		t.Errorf("the refused file changed: %v", err)
	}
}
