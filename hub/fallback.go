package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/protocol"
)

// The fallback transport, for networks whose proxies refuse or cut
// websockets (docs/protocol.md, "Fallback"): the server's frames go down
// an event stream, the client's frames go up in POSTs. Both carry the
// websocket's very frames, and both go through a session, so every check,
// limit and answer is the websocket's.
//
// No instance keeps anything for a client between requests: a POST is
// applied by whichever instance it reaches, and its answers come back in
// its own response, so neither needs the load balancer to keep a client
// on one instance.

const (
	// maxPostBytes and maxPostFrames bound one POST: a burst of ops
	// typed while the last POST was under way, not a board.
	maxPostBytes  = 64 << 10
	maxPostFrames = 64
	// maxStreams bounds the open streams of one participant: a few tabs,
	// a console and a presenter screen.
	maxStreams = 8
	// streamHeartbeat paces the comment a quiet stream is sent, so load
	// balancers and proxies do not close it as idle and the client can
	// tell a live stream from a dead one (served in /api/config, as are
	// the bounds of a POST).
	streamHeartbeat = 15 * time.Second
	// pollFor is the longest a long poll is held with nothing to say,
	// inside the idle timeouts of proxies and load balancers.
	pollFor = 25 * time.Second
	// answerWithin bounds a POST's wait for the answers to its ops: an op
	// waits storeWait at most for the store, then for its room to apply
	// it. An op not answered by then is answered unknown_outcome, and the
	// client sends it again.
	answerWithin = storeWait + 2*time.Second
	// streamGrace is how long a stream that ended still counts its
	// participant online: the client opens the next one at once.
	streamGrace = 3 * time.Second
)

// fallback is the hub's bounds on the fallback transport: POSTs per
// participant, a write to a stream (Config.WriteTimeout, as a socket's),
// and the streams each participant holds open (streams, guarded by mu).
type fallback struct {
	posts        *limiters
	writeTimeout time.Duration

	mu      sync.Mutex
	streams map[string]int // board/participant → open streams
}

func newFallback(opRate int, writeTimeout time.Duration) fallback {
	return fallback{posts: newLimiters(rate.Limit(opRate), 2*opRate), writeTimeout: writeTimeout, streams: map[string]int{}}
}

// holdStream counts one more stream of key, unless key holds maxStreams;
// the caller lets go with releaseStream.
func (f *fallback) holdStream(key string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.streams[key] >= maxStreams {
		return false
	}
	f.streams[key]++
	return true
}

func (f *fallback) releaseStream(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.streams[key]--; f.streams[key] <= 0 {
		delete(f.streams, key)
	}
}

// sender is the session a log ref names on this instance: a screen, or a
// POST waiting for its answers.
func (r *room) sender(id uint64) *session {
	if s := r.clients[id]; s != nil {
		return s
	}
	return r.posters[id]
}

// closeFrame ends a stream as the websocket's close frame ends a socket:
// its status, a close code, says whether to come back and whether to
// resume.
type closeFrame struct {
	T      string `json:"t"`
	Status int    `json:"status"`
	Reason string `json:"reason"`
}

// serveStream opens a session whose body is its hello and streams what
// the server says to it as Server-Sent Events, one event per batch of
// frames, one frame per data line. The hello is in the body rather than
// the URL, so the token stays out of every log a URL lands in.
//
// With ?mode=poll the response ends once it has brought news (a change,
// a snapshot, a refusal), or after pollFor: for proxies that hold a
// response until it ends. The client then opens the next one with since.
func (h *Hub) serveStream(c echo.Context) error {
	if err := h.checkOrigin(c.Request()); err != nil {
		return err
	}
	addr := c.RealIP()
	if wait := untilToken(h.misses.of(addr)); wait > 0 {
		return tooMany(c, wait, "unknown join codes")
	}
	hello, err := readBody(c, maxFrame)
	if err != nil {
		return err
	}
	if key := h.streamKey(hello); key != "" {
		if !h.fallback.holdStream(key) {
			return refuseHTTP(http.StatusTooManyRequests, protocol.CodeRateLimited, fmt.Sprintf("at most %d open streams per participant", maxStreams))
		}
		defer h.fallback.releaseStream(key)
	}
	w := c.Response()
	hd := w.Header()
	hd.Set(echo.HeaderContentType, "text/event-stream")
	hd.Set("Cache-Control", "no-cache, no-transform")
	// nginx and those that copy it pass the stream on as it comes.
	hd.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	st := &stream{w: w, rc: http.NewResponseController(w), timeout: h.fallback.writeTimeout,
		wake: make(chan struct{}, 1), poll: c.QueryParam("mode") == "poll"}
	// Headers and a first line at once: the client knows the stream is
	// through before the board is loaded.
	if st.write([]byte(":\n\n")) != nil {
		return nil
	}
	ctx := c.Request().Context()
	s := newSession(h, addr)
	s.out.Schedule = st.kick
	defer func() {
		s.close(protocol.CloseNormal, "")
		if s.room != nil {
			// The next poll, or the stream that resumes this one, is on
			// its way: until it is in, the ending session still counts its
			// participant online, so screens do not see them leave and
			// come back every poll.
			time.AfterFunc(streamGrace, func() { s.room.detach(s) })
		}
	}()
	s.handle(ctx, hello)
	st.run(ctx, s)
	return nil
}

// streamKey is the board/participant a hello's token names, which its
// streams are counted by, or "" for a join or a hello that is not valid
// (the session refuses it).
func (h *Hub) streamKey(hello []byte) string {
	f, bad := decodeFrame(hello)
	if bad != nil || f.T != "hello" || f.Token == "" {
		return ""
	}
	id := strings.ToUpper(f.Board)
	participant, err := h.tokens.open(f.Token, id, time.Now())
	if err != nil {
		return ""
	}
	return id + "/" + participant
}

// stream is one session carried down one response, written by the
// request's own goroutine: a stream is the fallback, a few participants,
// not the thousands the websocket writers are shared among.
type stream struct {
	w       io.Writer
	rc      *http.ResponseController
	timeout time.Duration
	wake    chan struct{} // the outbox has frames, or closed
	poll    bool
	// greeted is set once the whole presence list, the last frame of a
	// session's start, has gone; news once a frame that a poll ends for
	// has.
	greeted, news bool
}

func (st *stream) kick() {
	select {
	case st.wake <- struct{}{}:
	default:
	}
}

// run writes what the session queues until it closes, the client goes,
// the poll has brought news or run its time, or a write fails.
func (st *stream) run(ctx context.Context, s *session) {
	heartbeat := time.NewTicker(streamHeartbeat)
	defer heartbeat.Stop()
	var end <-chan time.Time
	if st.poll {
		t := time.NewTimer(pollFor)
		defer t.Stop()
		end = t.C
	}
	for {
		select {
		case <-st.wake:
		case <-heartbeat.C:
			if st.write([]byte(":\n\n")) != nil {
				return
			}
			continue
		case <-end:
			return
		case <-ctx.Done():
			return
		}
		for more := true; more; {
			frames, closing := s.out.Next()
			if closing {
				if s.closeCode == protocol.CloseResume {
					frames = nil // the client resumes from the log
				}
				_ = st.send(append(frames, protocol.Encode(closeFrame{T: "close", Status: s.closeCode, Reason: s.closeMsg})))
				return
			}
			if st.send(frames) != nil {
				s.out.End()
				return
			}
			if st.poll && st.greeted && st.news {
				return
			}
			more = s.out.More(frames)
		}
	}
}

// Frame types as the encoded frames begin, which a poll reads to know
// when to end.
var (
	presenceListPrefix = []byte(`{"t":"presence","online"`)
	ephPrefix          = []byte(`{"t":"eph"`)
	newsPrefixes       = [][]byte{[]byte(`{"t":"chg"`), []byte(`{"t":"snap"`), []byte(`{"t":"err"`)}
)

// send writes frames as one event, one data line per frame. A queued
// item may hold several frames, one per line (held joins). A poll carries
// no drags or cursors: they would arrive stale.
func (st *stream) send(frames [][]byte) error {
	buf := buffers.Get().(*bytes.Buffer)
	defer buffers.Put(buf)
	buf.Reset()
	for _, f := range frames {
		if st.poll && bytes.HasPrefix(f, ephPrefix) {
			continue
		}
		st.greeted = st.greeted || bytes.HasPrefix(f, presenceListPrefix)
		for _, p := range newsPrefixes {
			st.news = st.news || bytes.HasPrefix(f, p)
		}
		for line := range bytes.Lines(f) {
			buf.WriteString("data: ")
			buf.Write(bytes.TrimSuffix(line, []byte("\n")))
			buf.WriteByte('\n')
		}
	}
	if buf.Len() == 0 {
		return nil
	}
	buf.WriteByte('\n')
	return st.write(buf.Bytes())
}

// write writes b and flushes it through, within the write timeout: a
// client that stops reading holds only its own request.
func (st *stream) write(b []byte) error {
	_ = st.rc.SetWriteDeadline(time.Now().Add(st.timeout))
	if _, err := st.w.Write(b); err != nil {
		return err
	}
	return st.rc.Flush()
}

// serveFrames applies the frames a POST carries, one per line, as the
// participant its bearer token names, and answers with what the session
// was told: each op's acknowledging chg or its refusal, pongs, refusals
// of bad frames, one per line. Whatever instance it reaches, an op is
// applied once: its idempotency key is the participant's and the op's id,
// as on the websocket.
func (h *Hub) serveFrames(c echo.Context) error {
	if err := h.checkOrigin(c.Request()); err != nil {
		return err
	}
	r, participant, err := h.holder(c)
	if err != nil {
		return err
	}
	if wait, ok := take(h.fallback.posts.of(r.id + "/" + participant)); !ok {
		c.Response().Header().Set("Retry-After", "1")
		return refuseHTTP(http.StatusTooManyRequests, protocol.CodeRateLimited, fmt.Sprintf("slow down: try again in %d ms", wait.Milliseconds()+1))
	}
	body, err := readBody(c, maxPostBytes)
	if err != nil {
		return err
	}
	var frames [][]byte
	for line := range bytes.Lines(body) {
		if line = bytes.TrimSpace(line); len(line) > 0 {
			frames = append(frames, line)
		}
	}
	if len(frames) > maxPostFrames {
		return refuseHTTP(http.StatusRequestEntityTooLarge, protocol.CodeBadFrame, fmt.Sprintf("at most %d frames per request", maxPostFrames))
	}

	s := newSession(h, c.RealIP())
	s.become(r, participant)
	answered := make(chan struct{}, 1)
	s.out.Schedule = func() {
		select {
		case answered <- struct{}{}:
		default:
		}
	}
	defer s.close(protocol.CloseNormal, "")
	var refusal *apiError
	if !r.call(func() {
		p := r.replica.State().Participants[participant]
		if p == nil {
			refusal = refuseHTTP(http.StatusUnauthorized, protocol.CodeBadToken, "you are not a participant of this workshop")
			return
		}
		s.facilitator = p.Facilitator
		r.posters[s.id] = s
	}) {
		return refuseHTTP(http.StatusServiceUnavailable, protocol.CodeUnavailable, "the workshop was closed; try again")
	}
	if refusal != nil {
		return refusal
	}
	defer r.post(func() { delete(r.posters, s.id) })

	ctx := c.Request().Context()
	var waiting []string // ops not yet answered, in the order sent
	for _, f := range frames {
		if id := opID(f); id != "" {
			waiting = append(waiting, id)
		}
		s.handle(ctx, f)
	}
	answers := s.collect(ctx, waiting, answered)
	if ctx.Err() != nil {
		return nil
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "application/x-ndjson", bytes.Join(answers, []byte("\n")))
}

// collect takes what s is told until every op in waiting is answered or
// answerWithin has gone by; an op not answered by then is answered
// unknown_outcome.
func (s *session) collect(ctx context.Context, waiting []string, answered <-chan struct{}) [][]byte {
	deadline := time.NewTimer(answerWithin)
	defer deadline.Stop()
	var out [][]byte
	for {
		frames, _ := s.out.Next()
		for _, f := range frames {
			out = append(out, f)
			if ref := answerRef(f); ref != "" {
				if i := slices.Index(waiting, ref); i >= 0 {
					waiting = slices.Delete(waiting, i, i+1)
				}
			}
		}
		if len(waiting) == 0 {
			return out
		}
		if s.out.More(frames) {
			continue
		}
		select {
		case <-answered:
		case <-deadline.C:
			for _, id := range waiting {
				out = append(out, errorBytes(id, errUnknownOutcome))
			}
			return out
		case <-ctx.Done():
			return nil
		}
	}
}

// opID is the id of an op frame, which its answer will carry as ref, or
// "" for any other frame (or an id no answer carries, being too long).
func opID(frame []byte) string {
	var probe struct {
		T  string `json:"t"`
		ID string `json:"id"`
	}
	if json.Unmarshal(frame, &probe) != nil || probe.T != "op" || len(probe.ID) > maxRefLen {
		return ""
	}
	return probe.ID
}

// answerRef is the ref of a chg or err frame: the op it answers.
func answerRef(frame []byte) string {
	var probe struct {
		Ref string `json:"ref"`
	}
	_ = json.Unmarshal(frame, &probe) // a frame the server encoded
	return probe.Ref
}

// checkOrigin refuses a browser's request from a page of another site,
// as a websocket upgrade is refused: the page's origin must be this host,
// or one of the hosts allowed to open websockets (Config.Origins, the
// public URL's), matched as coder/websocket matches them.
func (h *Hub) checkOrigin(r *http.Request) error {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil // not sent by a page of another site
	}
	refusal := refuseHTTP(http.StatusForbidden, board.CodeForbidden, "pages of another site may not open sessions here")
	u, err := url.Parse(origin)
	if err != nil {
		return refusal
	}
	if strings.EqualFold(u.Host, r.Host) {
		return nil
	}
	for _, pattern := range h.origins {
		target := u.Host
		if strings.Contains(pattern, "://") {
			target = u.Scheme + "://" + u.Host
		}
		if ok, _ := path.Match(strings.ToLower(pattern), strings.ToLower(target)); ok {
			return nil
		}
	}
	return refusal
}

// readBody reads a request's body, at most limit bytes of it.
func readBody(c echo.Context, limit int64) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, limit))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, refuseHTTP(http.StatusRequestEntityTooLarge, protocol.CodeBadFrame, fmt.Sprintf("the body is over %d bytes", limit))
	case err != nil:
		return nil, refuseHTTP(http.StatusBadRequest, protocol.CodeBadFrame, "cannot read the body")
	}
	return body, nil
}
