package hub

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"encoding/binary"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/plenary/plenary/protocol"
)

// The board's first snapshot over HTTP, gzipped: the websocket carries it
// uncompressed (permessage-deflate stays off, see serveWebsocket), which
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
		fw, _ := flate.NewWriter(out, flate.DefaultCompression) // a valid level: cannot fail
		_, _ = fw.Write(plain.Bytes())
		_ = fw.Flush()
		p.head[v], p.crc[v], p.size[v] = out.Bytes(), crc32.ChecksumIEEE(plain.Bytes()), plain.Len()
	})
	return p.head[v], p.crc[v], p.size[v]
}

// gzipped is the whole gzip member of view v's frame followed by tail.
func (p *packedSnapshot) gzipped(v view, tail []byte) []byte {
	head, crc, size := p.packed(v)
	out := bytes.NewBuffer(make([]byte, 0, len(head)+len(tail)+64))
	out.Write(head)
	fw, _ := flate.NewWriter(out, flate.DefaultCompression)
	_, _ = fw.Write(tail)
	_ = fw.Close()
	var trailer [8]byte
	binary.LittleEndian.PutUint32(trailer[:4], crc32.Update(crc, crc32.IEEETable, tail))
	binary.LittleEndian.PutUint32(trailer[4:], uint32(size+len(tail)))
	out.Write(trailer[:])
	return out.Bytes()
}

// boardSnapshot serves GET /api/boards/:id/snapshot: the snap frame the
// token's holder would be sent on the websocket, with who they are (you,
// facilitator) as the welcome says it, gzipped when the client accepts
// it. ?view=presenter is the presenter's view, as hello's view is.
// ?since=&epoch= is a page coming back after a drop: when the room holds
// every entry after since, it is sent what a hello with them would
// replay, one frame per line, instead (see resume).
func (h *Hub) boardSnapshot(c echo.Context) error {
	r, participant, err := h.holder(c)
	if err != nil {
		return err
	}
	since, _ := strconv.ParseUint(c.QueryParam("since"), 10, 64) // 0, the snapshot, if absent or not a seq
	epoch := c.QueryParam("epoch")
	var (
		packed      *packedSnapshot
		v           view
		tail        bytes.Buffer
		facilitator bool
		refusal     *apiError
		resumed     *bytes.Buffer
	)
	ctx, cancel := context.WithTimeout(c.Request().Context(), storeWait)
	defer cancel()
	if !r.call(func() {
		p := r.lookUp(ctx, participant)
		if p == nil {
			refusal = refuseHTTP(http.StatusUnauthorized, protocol.CodeBadToken, "you are not a participant of this workshop")
			return
		}
		facilitator = p.Facilitator && c.QueryParam("view") != protocol.ViewPresenter
		if facilitator {
			v = facilitatorView
		}
		if r.resumable(since, epoch) {
			resumed = r.resume(&session{participant: participant, facilitator: facilitator}, since)
			return
		}
		cache := r.snapshot()
		if cache.packed == nil {
			cache.packed = &packedSnapshot{seq: cache.seq, epoch: r.epoch, body: cache.body}
		}
		packed = cache.packed
		n := cache.n[v]
		for _, own := range r.state.OwnChanges(participant) {
			if n > 0 {
				tail.WriteByte(',')
			}
			tail.Write(encode(own))
			n++
		}
	}) {
		return refuseHTTP(http.StatusServiceUnavailable, protocol.CodeUnavailable, "the workshop was closed; try again")
	}
	if refusal != nil {
		return refusal
	}
	hd := c.Response().Header()
	hd.Set("Cache-Control", "no-store")
	hd.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
	gzipped := strings.Contains(c.Request().Header.Get(echo.HeaderAcceptEncoding), "gzip")
	if resumed != nil {
		return sendResume(c, resumed.Bytes(), gzipped)
	}
	tail.WriteString(`],"you":`)
	tail.Write(encode(participant))
	tail.WriteString(`,"facilitator":`)
	tail.WriteString(strconv.FormatBool(facilitator))
	tail.WriteByte('}')

	if !gzipped {
		var plain bytes.Buffer
		packed.start(&plain, v)
		plain.Write(tail.Bytes())
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, plain.Bytes())
	}
	hd.Set(echo.HeaderContentEncoding, "gzip")
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, packed.gzipped(v, tail.Bytes()))
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

// sendResume answers a resume's frames, gzipped if asked. Its first line's
// t, chg, tells it from a snapshot's snap; an empty body means nothing
// changed after since, and is not worth a gzip header.
func sendResume(c echo.Context, frames []byte, gzipped bool) error {
	if !gzipped || len(frames) == 0 {
		return c.Blob(http.StatusOK, mimeFrames, frames)
	}
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	_, _ = zw.Write(frames) // a bytes.Buffer's writes cannot fail
	_ = zw.Close()
	c.Response().Header().Set(echo.HeaderContentEncoding, "gzip")
	return c.Blob(http.StatusOK, mimeFrames, out.Bytes())
}

// mimeFrames is the type of a body of frames one per line (JSON Lines).
const mimeFrames = "application/jsonl"
