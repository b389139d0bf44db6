package bolt

import (
	"bytes"
	"testing"

	"github.com/plenary/plenary/store"
)

// FuzzSegment: whatever bytes a segment holds, decoding never panics and
// never invents a record. What an older segment yields is exactly its
// bytes, re-encoded; what the newest yields is the start of its bytes, and
// the rest is a tail with nothing intact in it.
func FuzzSegment(f *testing.F) {
	var seg []byte
	for i, board := range []string{"a", "B2", "a"} {
		seg = appendFrame(seg, walRecord{board: board, Record: store.Record{Seq: uint64(i + 1), Data: []byte(`{"kind":"note.add"}`)}})
	}
	f.Add(seg)
	f.Add(seg[:len(seg)-3])
	f.Add(append(bytes.Clone(seg), make([]byte, 20)...))
	flipped := bytes.Clone(seg)
	flipped[12] ^= 1
	f.Add(flipped)
	f.Fuzz(func(t *testing.T, data []byte) {
		older, olderErr := decodeSegment(data, false)
		newest, newestErr := decodeSegment(data, true)
		if olderErr == nil && !bytes.Equal(encodeAll(older), data) {
			t.Fatalf("an older segment of %d bytes decoded to records that encode to %d", len(data), len(encodeAll(older)))
		}
		if olderErr == nil && (newestErr != nil || len(newest) != len(older)) {
			t.Fatalf("a whole segment read as the newest: %d records, %v; as an older one: %d", len(newest), newestErr, len(older))
		}
		if newestErr != nil {
			return
		}
		prefix := encodeAll(newest)
		if !bytes.HasPrefix(data, prefix) {
			t.Fatal("the newest segment's records are not the start of its bytes")
		}
		if tail := data[len(prefix):]; len(tail) > 0 && intactAfter(tail) {
			t.Fatal("the tail dropped from the newest segment holds an intact record")
		}
	})
}

func encodeAll(records []walRecord) []byte {
	var out []byte
	for _, r := range records {
		out = appendFrame(out, r)
	}
	return out
}
