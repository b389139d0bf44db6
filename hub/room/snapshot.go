package room

import (
	"bytes"
	"context"
	"strconv"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/internal/token"
	"github.com/plenary/plenary/hub/replica"
	"github.com/plenary/plenary/protocol"
)

// The board's first snapshot over HTTP, gzipped: the websocket carries it
// uncompressed (permessage-deflate stays off, see hub/socket), which
// on a phone's link is most of the wait for a big board. The page fetches
// it while its socket opens, draws it, and resumes the socket from its
// seq.

// Snapshot is what the snapshot endpoint answers a participant: the snap
// frame they would be sent on the websocket, with who they are (you,
// facilitator) as the welcome says it; or, for a page coming back after a
// drop, the frames after its seq (Resumed).
type Snapshot struct {
	// Resumed says Frames holds what a hello with since would replay,
	// one frame per line (none when nothing changed), instead of a snap.
	Resumed bool
	Frames  []byte

	packed *replica.Packed
	tail   []byte // the frame after the view's shared changes
}

// Plain is the snap frame.
func (s *Snapshot) Plain() []byte {
	var plain bytes.Buffer
	s.packed.Start(&plain)
	plain.Write(s.tail)
	return plain.Bytes()
}

// Gzipped is the snap frame gzipped, the part every reader of its view
// shares deflated once.
func (s *Snapshot) Gzipped() []byte { return s.packed.Gzipped(s.tail) }

// Snapshot is the board as participant is sent it, in the presenter's
// view if presenter. since and epoch are the last seq a page coming back
// after a drop holds (zero and "" for none): when the room holds every
// entry after since, the answer is those entries (see resume). A
// presenter key (token.Presenter) is answered in the presenter's view
// only, as nobody (you "").
func (r *Room) Snapshot(ctx context.Context, participant string, presenter bool, since uint64, epoch string) (*Snapshot, error) {
	var (
		snap    Snapshot
		refusal error
	)
	byKey := participant == token.Presenter
	if byKey && !presenter {
		return nil, errPresenterOnly
	}
	ctx, cancel := context.WithTimeout(ctx, StoreWait)
	defer cancel()
	if !r.call(func() {
		p := &board.Participant{} // a presenter key's: nobody, as admit has it
		if !byKey {
			if p = r.lookUp(ctx, participant); p == nil {
				refusal = errStranger
				return
			}
		}
		reader := replica.Viewer{Participant: participant, Facilitator: p.Facilitator && !presenter}
		if r.replica.Resumable(since, epoch) {
			snap.Resumed = true
			snap.Frames = r.resume(reader, since).Bytes()
			return
		}
		packed, own := r.replica.PackedSnapshot(reader)
		tail := bytes.NewBuffer(own)
		tail.WriteString(`],"you":`)
		tail.Write(protocol.Encode(p.ID))
		tail.WriteString(`,"facilitator":`)
		tail.WriteString(strconv.FormatBool(reader.Facilitator))
		tail.WriteByte('}')
		snap.packed, snap.tail = packed, tail.Bytes()
	}) {
		return nil, errClosed
	}
	if refusal != nil {
		return nil, refusal
	}
	return &snap, nil
}

// resume is what reader, which holds the board up to since, is sent of
// the recent entries after it: the very frames a hello with since would
// replay to its socket, one per line. It is at most the replica's recent
// history. Refused entries, which send no frame, leave no line.
func (r *Room) resume(reader replica.Viewer, since uint64) *bytes.Buffer {
	var out bytes.Buffer
	r.replay(reader, since, func(frame []byte) {
		if len(frame) == 0 {
			return
		}
		out.Write(frame)
		out.WriteByte('\n')
	})
	return &out
}
