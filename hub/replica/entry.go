package replica

import (
	"encoding/json"
	"log/slog"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/store"
)

// How an entry goes into the log and comes back out. The instance that
// appends an entry applies the value it holds, never decoding its own
// bytes; every other replica (another instance, this one after a restart)
// applies what it decodes from the log. So the value is first made what
// its encoding keeps (normal), and decode(encode(e)) is e for every entry
// (TestEntryRoundTrip, FuzzEntryRoundTrip): otherwise the writer's replica
// could drift from the others, a time zone or a clock reading apart.

// EncodeEntry is e as the log keeps it, and e made what the log keeps: the
// value to apply, once the log has given it a seq.
func EncodeEntry(e board.Entry) (board.Entry, []byte, error) {
	e = normal(e)
	data, err := json.Marshal(e)
	return e, data, err
}

// normal is e as its encoding keeps it: the time in UTC with no monotonic
// clock reading (time.Time's JSON keeps the wall time and its offset
// only), and an empty list as none (omitempty leaves it out).
func normal(e board.Entry) board.Entry {
	e.At = e.At.UTC()
	if len(e.Op.Notes) == 0 {
		e.Op.Notes = nil
	}
	return e
}

// DecodeEntry is the entry of a record read from the log.
func DecodeEntry(rec store.Record) board.Entry {
	var e board.Entry
	if err := json.Unmarshal(rec.Data, &e); err != nil {
		// Every replica decodes the same bytes the same way, so each
		// refuses this entry alike (it has no kind) and stays in step.
		slog.Error("undecodable log entry", "seq", rec.Seq, "err", err)
		e = board.Entry{}
	}
	e.Seq = rec.Seq
	return e
}
