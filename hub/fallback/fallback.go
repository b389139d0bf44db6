// Package fallback carries sessions where proxies refuse or cut
// websockets (docs/protocol.md, "Fallback"): the server's frames go down
// an event stream (POST /api/stream), the client's frames go up in POSTs
// (POST /api/boards/:id/frames). Both carry the websocket's very frames,
// and both go through a hub.Session, so every check, limit and answer is
// the websocket's.
//
// No instance keeps anything for a client between requests: a POST is
// applied by whichever instance it reaches, and its answers come back in
// its own response, so neither needs the load balancer to keep a client
// on one instance.
package fallback

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub"
	"github.com/plenary/plenary/hub/internal/limits"
	"github.com/plenary/plenary/protocol"
)

const (
	// MaxPostBytes and MaxPostFrames bound one POST: a burst of ops
	// typed while the last POST was under way, not a board. The web app
	// is told them (GET /api/config).
	MaxPostBytes  = 64 << 10
	MaxPostFrames = 64
	// maxStreams bounds the open streams of one participant: a few tabs,
	// a console and a presenter screen.
	maxStreams = 8
	// Heartbeat paces the comment a quiet stream is sent, so load
	// balancers and proxies do not close it as idle and the client can
	// tell a live stream from a dead one (the web app is told it, as it
	// is the bounds of a POST).
	Heartbeat = 15 * time.Second
	// pollFor is the longest a long poll is held with nothing to say,
	// inside the idle timeouts of proxies and load balancers.
	pollFor = 25 * time.Second
	// answerWithin bounds a POST's wait for the answers to its ops: an op
	// waits hub.StoreWait at most for the store, then for its room to
	// apply it. An op not answered by then is answered unknown_outcome,
	// and the client sends it again.
	answerWithin = hub.StoreWait + 2*time.Second
	// streamGrace is how long a stream that ended still counts its
	// participant online: the client opens the next one at once.
	streamGrace = 3 * time.Second
)

// Server serves a hub's sessions over the fallback: it bounds POSTs per
// participant, a write to a stream (as a socket's), and the streams each
// participant holds open (streams, guarded by mu).
type Server struct {
	hub          *hub.Hub
	posts        *limits.Keyed
	writeTimeout time.Duration

	mu      sync.Mutex
	streams map[string]int // board/participant → open streams
}

// New is a Server of h's sessions, whose writes to a stream give up after
// writeTimeout.
func New(h *hub.Hub, writeTimeout time.Duration) *Server {
	opRate := h.OpsPerSecond()
	return &Server{hub: h, posts: limits.New(rate.Limit(opRate), 2*opRate), writeTimeout: writeTimeout, streams: map[string]int{}}
}

// holdStream counts one more stream of key, unless key holds maxStreams;
// the caller lets go with releaseStream.
func (f *Server) holdStream(key string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.streams[key] >= maxStreams {
		return false
	}
	f.streams[key]++
	return true
}

func (f *Server) releaseStream(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.streams[key]--; f.streams[key] <= 0 {
		delete(f.streams, key)
	}
}

// closeFrame ends a stream as the websocket's close frame ends a socket:
// its status, a close code, says whether to come back and whether to
// resume.
type closeFrame struct {
	T      string `json:"t"`
	Status int    `json:"status"`
	Reason string `json:"reason"`
}

// Stream opens a session whose body is its hello and streams what the
// server says to it as Server-Sent Events, one event per batch of frames,
// one frame per data line. The hello is in the body rather than the URL,
// so the token stays out of every log a URL lands in.
//
// With ?mode=poll the response ends once it has brought news (a change,
// a snapshot, a refusal), or after pollFor: for proxies that hold a
// response until it ends. The client then opens the next one with since.
func (f *Server) Stream(c echo.Context) error {
	hello, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, protocol.MaxFrame))
	if err != nil {
		return err
	}
	if id, participant := f.hub.HelloHolder(hello); participant != "" {
		key := id + "/" + participant
		if !f.holdStream(key) {
			return echo.NewHTTPError(http.StatusTooManyRequests, &board.Error{Code: protocol.CodeRateLimited, Message: fmt.Sprintf("at most %d open streams per participant", maxStreams)})
		}
		defer f.releaseStream(key)
	}
	w := c.Response()
	hd := w.Header()
	hd.Set(echo.HeaderContentType, "text/event-stream")
	hd.Set("Cache-Control", "no-cache, no-transform")
	// nginx and those that copy it pass the stream on as it comes.
	hd.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	st := &stream{w: w, rc: http.NewResponseController(w), timeout: f.writeTimeout,
		wake: make(chan struct{}, 1), poll: c.QueryParam("mode") == "poll"}
	// Headers and a first line at once: the client knows the stream is
	// through before the board is loaded.
	if st.write([]byte(":\n\n")) != nil {
		return nil
	}
	ctx := c.Request().Context()
	s := f.hub.Open(c.RealIP(), st.kick, nil)
	defer func() {
		s.Close(protocol.CloseNormal, "")
		// The next poll, or the stream that resumes this one, is on its
		// way: until it is in, the ending session still counts its
		// participant online, so screens do not see them leave and come
		// back every poll.
		time.AfterFunc(streamGrace, s.Leave)
	}()
	s.Handle(ctx, hello)
	st.run(ctx, s)
	return nil
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
func (st *stream) run(ctx context.Context, s hub.Session) {
	heartbeat := time.NewTicker(Heartbeat)
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
			frames, closing := s.Next()
			if closing {
				code, msg := s.Closed()
				if code == protocol.CloseResume {
					frames = nil // the client resumes from the log
				}
				end, _ := json.Marshal(closeFrame{T: "close", Status: code, Reason: msg}) // plain struct: cannot fail
				_ = st.send(append(frames, end))
				return
			}
			if st.send(frames) != nil {
				s.Failed()
				return
			}
			if st.poll && st.greeted && st.news {
				return
			}
			more = s.More(frames)
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
	var buf bytes.Buffer
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

// Frames applies the frames a POST carries, one per line, as the
// participant its bearer token names, and answers with what the session
// was told: each op's acknowledging chg or its refusal, pongs, refusals
// of bad frames, one per line. Whatever instance it reaches, an op is
// applied once: its idempotency key is the participant's and the op's id,
// as on the websocket.
func (f *Server) Frames(c echo.Context) error {
	token, _ := strings.CutPrefix(c.Request().Header.Get(echo.HeaderAuthorization), "Bearer ")
	b, participant, err := f.hub.Holder(c.Request().Context(), c.Param("id"), token, c.RealIP())
	if err != nil {
		return err
	}
	if wait, ok := limits.Take(f.posts.Of(b.ID() + "/" + participant)); !ok {
		c.Response().Header().Set(echo.HeaderRetryAfter, "1")
		return echo.NewHTTPError(http.StatusTooManyRequests, &board.Error{Code: protocol.CodeRateLimited, Message: fmt.Sprintf("slow down: try again in %d ms", wait.Milliseconds()+1)})
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, MaxPostBytes))
	if err != nil {
		return err
	}
	var frames [][]byte
	for line := range bytes.Lines(body) {
		if line = bytes.TrimSpace(line); len(line) > 0 {
			frames = append(frames, line)
		}
	}
	if len(frames) > MaxPostFrames {
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge, &board.Error{Code: protocol.CodeBadFrame, Message: fmt.Sprintf("at most %d frames per request", MaxPostFrames)})
	}

	answered := make(chan struct{}, 1)
	s, err := b.OpenSender(participant, c.RealIP(), func() {
		select {
		case answered <- struct{}{}:
		default:
		}
	})
	if err != nil {
		return err
	}
	defer s.Leave()
	defer s.Close(protocol.CloseNormal, "")

	ctx := c.Request().Context()
	var waiting []string // ops not yet answered, in the order sent
	for _, f := range frames {
		if id := opID(f); id != "" {
			waiting = append(waiting, id)
		}
		s.Handle(ctx, f)
	}
	answers := collect(ctx, s, waiting, answered)
	if ctx.Err() != nil {
		return nil
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "application/x-ndjson", bytes.Join(answers, []byte("\n")))
}

// collect takes what s is told until every op in waiting is answered or
// answerWithin has gone by; an op not answered by then is answered
// unknown_outcome.
func collect(ctx context.Context, s hub.Session, waiting []string, answered <-chan struct{}) [][]byte {
	deadline := time.NewTimer(answerWithin)
	defer deadline.Stop()
	var out [][]byte
	for {
		frames, _ := s.Next()
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
		if s.More(frames) {
			continue
		}
		select {
		case <-answered:
		case <-deadline.C:
			for _, id := range waiting {
				out = append(out, hub.UnknownOutcome(id))
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
	if json.Unmarshal(frame, &probe) != nil || probe.T != "op" || len(probe.ID) > protocol.MaxOpID {
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
