package hub

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/plenary/plenary/hub/replica"
	"github.com/plenary/plenary/protocol"
)

// The board's first snapshot over HTTP, gzipped: the websocket carries it
// uncompressed (permessage-deflate stays off, see serveWebsocket), which
// on a phone's link is most of the wait for a big board. The page fetches
// it while its socket opens, draws it, and resumes the socket from its
// seq.

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
		packed      *replica.Packed
		v           replica.View
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
		reader := replica.Viewer{Participant: participant, Facilitator: facilitator}
		v = reader.View()
		if r.replica.Resumable(since, epoch) {
			resumed = r.resume(reader, since)
			return
		}
		var own []byte
		packed, own = r.replica.PackedSnapshot(reader)
		tail.Write(own)
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
	tail.Write(protocol.Encode(participant))
	tail.WriteString(`,"facilitator":`)
	tail.WriteString(strconv.FormatBool(facilitator))
	tail.WriteByte('}')

	if !gzipped {
		var plain bytes.Buffer
		packed.Start(&plain, v)
		plain.Write(tail.Bytes())
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, plain.Bytes())
	}
	hd.Set(echo.HeaderContentEncoding, "gzip")
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, packed.Gzipped(v, tail.Bytes()))
}

// resume is what reader, which holds the board up to since, is sent of
// the recent entries after it: the very frames a hello with since would
// replay to its socket, one per line. It is at most the room's recent
// history. Refused entries, which send no frame, leave no line.
func (r *room) resume(reader replica.Viewer, since uint64) *bytes.Buffer {
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
