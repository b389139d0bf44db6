package hub

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"hash/crc32"
	"io"
	"strconv"
	"sync"
)

// The board's first snapshot over HTTP, gzipped: the websocket carries it
// uncompressed (permessage-deflate stays off, see hub/socket), which
// on a phone's link is most of the wait for a big board. The page fetches
// it while its socket opens, draws it, and resumes the socket from its
// seq.

// packedSnapshot is a snapshotCache's snap frames, each view's up to its
// last shared change, deflated once for every reader of that view. What
// differs between readers (their own votes, who they are) is deflated per
// request after it: a deflate stream flushed to a byte boundary may be
// continued by another, and gzip's checksum is continued over the rest.
// It belongs to the cache it was made for; the room makes it, and the
// first reader of each view packs that view.
type packedSnapshot struct {
	seq   uint64
	epoch string
	body  [2][]byte // the cache's
	once  [2]sync.Once
	head  [2][]byte // gzip header and the deflated frame so far, flushed
	crc   [2]uint32 // of the frame so far
	size  [2]int    // of the frame so far
}

// deflaters keeps the flate writers the snapshots are deflated with: each
// holds about 1 MB of tables, which every newcomer's request would
// otherwise make garbage of, a gigabyte a thousand newcomers.
var deflaters = sync.Pool{New: func() any {
	fw, _ := flate.NewWriter(nil, flate.DefaultCompression) // a valid level: cannot fail
	return fw
}}

// deflate writes b to out deflated, flushed to a byte boundary, and
// closed (a final block) if last.
func deflate(out *bytes.Buffer, b []byte, last bool) {
	fw := deflaters.Get().(*flate.Writer)
	fw.Reset(out)
	_, _ = fw.Write(b) // a bytes.Buffer's writes cannot fail
	if last {
		_ = fw.Close()
	} else {
		_ = fw.Flush()
	}
	deflaters.Put(fw)
}

// gzipHeader is a gzip member's header with no name, time or extra field.
var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}

// start writes the frame's first bytes, to the end of view v's shared
// changes.
func (p *packedSnapshot) start(w io.Writer, v view) {
	_, _ = w.Write(snapHead(p.seq, p.epoch))
	_, _ = w.Write(p.body[v])
}

// packed is view v's frame so far, gzip header first, deflated and
// flushed, with its checksum and length.
func (p *packedSnapshot) packed(v view) ([]byte, uint32, int) {
	p.once[v].Do(func() {
		var plain bytes.Buffer
		p.start(&plain, v)
		out := bytes.NewBuffer(append([]byte(nil), gzipHeader...))
		deflate(out, plain.Bytes(), false)
		p.head[v], p.crc[v], p.size[v] = out.Bytes(), crc32.ChecksumIEEE(plain.Bytes()), plain.Len()
	})
	return p.head[v], p.crc[v], p.size[v]
}

// gzipped is the whole gzip member of view v's frame followed by tail.
func (p *packedSnapshot) gzipped(v view, tail []byte) []byte {
	head, crc, size := p.packed(v)
	out := bytes.NewBuffer(make([]byte, 0, len(head)+len(tail)+64))
	out.Write(head)
	deflate(out, tail, true)
	var trailer [8]byte
	binary.LittleEndian.PutUint32(trailer[:4], crc32.Update(crc, crc32.IEEETable, tail))
	binary.LittleEndian.PutUint32(trailer[4:], uint32(size+len(tail)))
	out.Write(trailer[:])
	return out.Bytes()
}

// Snapshot is what the snapshot endpoint answers a participant: the snap
// frame they would be sent on the websocket, with who they are (you,
// facilitator) as the welcome says it; or, for a page coming back after a
// drop, the frames after its seq (Resumed).
type Snapshot struct {
	// Resumed says Frames holds what a hello with since would replay,
	// one frame per line (none when nothing changed), instead of a snap.
	Resumed bool
	Frames  []byte

	packed *packedSnapshot
	v      view
	tail   []byte // the frame after the view's shared changes
}

// Plain is the snap frame.
func (s *Snapshot) Plain() []byte {
	var plain bytes.Buffer
	s.packed.start(&plain, s.v)
	plain.Write(s.tail)
	return plain.Bytes()
}

// Gzipped is the snap frame gzipped, the part every reader of its view
// shares deflated once.
func (s *Snapshot) Gzipped() []byte { return s.packed.gzipped(s.v, s.tail) }

// Snapshot is the board as participant is sent it, in the presenter's
// view if presenter. since and epoch are the last seq a page coming back
// after a drop holds (zero and "" for none): when the room holds every
// entry after since, the answer is those entries (see resume).
func (b Board) Snapshot(ctx context.Context, participant string, presenter bool, since uint64, epoch string) (*Snapshot, error) {
	r := b.r
	var (
		snap    Snapshot
		refusal error
	)
	ctx, cancel := context.WithTimeout(ctx, StoreWait)
	defer cancel()
	if !r.call(func() {
		p := r.lookUp(ctx, participant)
		if p == nil {
			refusal = errStranger
			return
		}
		facilitator := p.Facilitator && !presenter
		if facilitator {
			snap.v = facilitatorView
		}
		if r.resumable(since, epoch) {
			snap.Resumed = true
			snap.Frames = r.resume(&session{participant: participant, facilitator: facilitator}, since).Bytes()
			return
		}
		cache := r.snapshot()
		if cache.packed == nil {
			cache.packed = &packedSnapshot{seq: cache.seq, epoch: r.epoch, body: cache.body}
		}
		snap.packed = cache.packed
		var tail bytes.Buffer
		n := cache.n[snap.v]
		for _, own := range r.state.OwnChanges(participant) {
			if n > 0 {
				tail.WriteByte(',')
			}
			tail.Write(encode(own))
			n++
		}
		tail.WriteString(`],"you":`)
		tail.Write(encode(participant))
		tail.WriteString(`,"facilitator":`)
		tail.WriteString(strconv.FormatBool(facilitator))
		tail.WriteByte('}')
		snap.tail = tail.Bytes()
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
// replay to its socket, one per line. It is at most the room's recent
// history. Refused entries, which send no frame, leave no line.
func (r *room) resume(reader *session, since uint64) *bytes.Buffer {
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
