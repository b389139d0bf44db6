package replica

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"io"
	"log/slog"
	"strconv"
	"sync"

	"github.com/plenary/plenary/protocol"
)

// snapStale is how many entries a cached snapshot may lag the state: a
// joining client is sent the cached snapshot and then the entries after
// it, so a storm of joins re-encodes the board at most once per snapStale
// entries instead of once per join.
const snapStale = 128

// snapshotCache is the board's shared changes at seq as one view sees
// them, encoded and joined with commas (n of them): the body of a snap
// frame. Each view has its own, encoded when first asked for after it
// went stale: in a storm of joins only the participants' view is asked
// for, and it leaves out the thousands of newcomers the facilitators'
// view lists.
type snapshotCache struct {
	valid bool
	seq   uint64
	body  []byte
	n     int
	// behind is the bytes of the view's chg frames applied since seq.
	// Past a quarter of the snapshot, the cache is encoded again: a few
	// entries can outweigh the board (moving to cluster lays out every
	// note), and a newcomer sent them after the snapshot would draw the
	// board twice, once as it was and once as it is.
	behind int
	// packed is the snapshot gzipped for the HTTP endpoint, made when
	// first asked for.
	packed *Packed
}

// behindPerParticipant is, per participant on the board, how many bytes
// of entries a cached snapshot may lag before it is encoded again, if a
// quarter of it is less. Encoding a view walks every participant, even
// where it shows few of them: a lobby of thousands is a kilobyte in the
// participants' view, whose quarter its entries passed every other join.
const behindPerParticipant = 16

// stale reports whether the cache is too far behind a state at seq, with
// participants on the board, to send.
func (c *snapshotCache) stale(seq uint64, participants int) bool {
	return !c.valid || seq-c.seq > snapStale || c.behind > max(len(c.body)/4, behindPerParticipant*participants)
}

// snapshot is view v's cached snapshot, encoded again first if it is
// stale or the recent entries no longer follow it.
func (r *Replica) snapshot(v View) *snapshotCache {
	if c := &r.snap[v]; c.stale(r.state.Seq, len(r.state.Participants)) || !r.holdsAfter(c.seq) {
		*c = r.encodeSnapshot(v)
	}
	return &r.snap[v]
}

// holdsAfter reports whether the recent entries cover everything after seq.
func (r *Replica) holdsAfter(seq uint64) bool {
	oldest, ok := r.recent.oldest()
	return seq == r.state.Seq || (ok && oldest <= seq+1)
}

func (r *Replica) encodeSnapshot(v View) snapshotCache {
	c := snapshotCache{valid: true, seq: r.state.Seq}
	var body bytes.Buffer
	for _, ch := range r.state.SharedChanges(v == Facilitators) {
		b, err := json.Marshal(ch)
		if err != nil {
			slog.Error("encode snapshot change", "entity", ch.Entity, "id", ch.ID, "err", err)
			continue
		}
		if c.n > 0 {
			body.WriteByte(',')
		}
		body.Write(b)
		c.n++
	}
	c.body = body.Bytes()
	return c
}

// snapHead is how a snap frame at seq of epoch begins, up to its first
// change.
func snapHead(seq uint64, epoch string) []byte {
	head := append([]byte(`{"t":"snap","seq":`), strconv.FormatUint(seq, 10)...)
	if epoch != "" {
		head = append(head, `,"epoch":`...)
		head = append(head, protocol.Encode(epoch)...)
	}
	return append(head, `,"changes":[`...)
}

// SnapshotFrame is the snap frame v is sent, and its seq, which may be a
// little behind the state's: the entries after it (After) follow.
func (r *Replica) SnapshotFrame(v Viewer) (frame []byte, seq uint64) {
	c := r.snapshot(v.View())
	var b bytes.Buffer
	b.Write(snapHead(c.seq, r.epoch))
	b.Write(c.body)
	r.writeOwn(&b, v, c)
	b.WriteString(`]}`)
	return b.Bytes(), c.seq
}

// PackedSnapshot is the snapshot for the HTTP endpoint, deflated once for
// every reader of a view, and what v is sent after its view's shared
// changes: v's own (a participant's own dots), each after a comma, up to
// where the snap frame's changes end.
func (r *Replica) PackedSnapshot(v Viewer) (p *Packed, own []byte) {
	c := r.snapshot(v.View())
	if c.packed == nil {
		c.packed = &Packed{seq: c.seq, epoch: r.epoch, body: c.body}
	}
	var b bytes.Buffer
	r.writeOwn(&b, v, c)
	return c.packed, b.Bytes()
}

// writeOwn writes the changes addressed to v alone, after the c.n shared
// ones of v's view.
func (r *Replica) writeOwn(b *bytes.Buffer, v Viewer, c *snapshotCache) {
	n := c.n
	for _, own := range r.state.OwnChanges(v.Participant) {
		if n > 0 {
			b.WriteByte(',')
		}
		b.Write(protocol.Encode(own))
		n++
	}
}

// Packed is a cached snapshot's snap frame up to its last shared change,
// deflated once for every reader of its view. What differs between
// readers (their own votes, who they are) is deflated per request after
// it: a deflate stream flushed to a byte boundary may be continued by
// another, and gzip's checksum is continued over the rest. It belongs to
// the snapshot it was made for; the room makes it, and its first reader
// packs it, on the reader's goroutine.
type Packed struct {
	seq   uint64
	epoch string
	body  []byte // the cache's
	once  sync.Once
	head  []byte // gzip header and the deflated frame so far, flushed
	crc   uint32 // of the frame so far
	size  int    // of the frame so far
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

// Start writes the frame's first bytes, to the end of its view's shared
// changes.
func (p *Packed) Start(w io.Writer) {
	_, _ = w.Write(snapHead(p.seq, p.epoch))
	_, _ = w.Write(p.body)
}

// packed is the frame so far, gzip header first, deflated and flushed,
// with its checksum and length.
func (p *Packed) packed() ([]byte, uint32, int) {
	p.once.Do(func() {
		var plain bytes.Buffer
		p.Start(&plain)
		out := bytes.NewBuffer(append([]byte(nil), gzipHeader...))
		deflate(out, plain.Bytes(), false)
		p.head, p.crc, p.size = out.Bytes(), crc32.ChecksumIEEE(plain.Bytes()), plain.Len()
	})
	return p.head, p.crc, p.size
}

// Gzipped is the whole gzip member of the frame followed by tail.
func (p *Packed) Gzipped(tail []byte) []byte {
	head, crc, size := p.packed()
	out := bytes.NewBuffer(make([]byte, 0, len(head)+len(tail)+64))
	out.Write(head)
	deflate(out, tail, true)
	var trailer [8]byte
	binary.LittleEndian.PutUint32(trailer[:4], crc32.Update(crc, crc32.IEEETable, tail))
	binary.LittleEndian.PutUint32(trailer[4:], uint32(size+len(tail)))
	out.Write(trailer[:])
	return out.Bytes()
}
