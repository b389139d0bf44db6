package hub_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
	"github.com/plenary/plenary/internal/plenarytest"
	"github.com/plenary/plenary/store/redis/redistest"
)

// streamPeer is a participant on the fallback transport: an event stream
// opened with a hello, and POSTs for what it says.
type streamPeer struct {
	t     testing.TB
	board string

	mu      sync.Mutex
	frames  []client.Frame
	welcome client.Frame
	seq     uint64
	ended   bool
	changed chan struct{} // closed and made anew whenever frames grow
}

// openStream posts hello to base's stream endpoint and reads the events
// until the response ends or the test does.
func openStream(t testing.TB, base string, hello map[string]any, mode string) *streamPeer {
	t.Helper()
	hello["t"], hello["v"] = "hello", 1
	body, _ := json.Marshal(hello)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	url := base + "/api/stream"
	if mode != "" {
		url += "?mode=" + mode
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	p := &streamPeer{t: t, board: hello["board"].(string), changed: make(chan struct{})}
	go p.read(resp)
	return p
}

func (p *streamPeer) read(resp *http.Response) {
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var f client.Frame
		if err := json.Unmarshal([]byte(data), &f); err != nil {
			p.t.Errorf("undecodable frame %q: %v", data, err)
			continue
		}
		p.mu.Lock()
		p.frames = append(p.frames, f)
		switch f.T {
		case "welcome":
			p.welcome = f
		case "chg", "snap":
			p.seq = max(p.seq, f.Seq)
		}
		close(p.changed)
		p.changed = make(chan struct{})
		p.mu.Unlock()
	}
	p.mu.Lock()
	p.ended = true
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
}

// waitUntil waits for cond over the peer's frames so far, driven by the
// frames' arrival.
func (p *streamPeer) waitUntil(what string, cond func(frames []client.Frame) bool) {
	p.t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		p.mu.Lock()
		ok, changed := cond(p.frames), p.changed
		p.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			p.t.Fatalf("stream: no %s in 30 s", what)
		}
	}
}

func (p *streamPeer) welcomed() client.Frame {
	p.t.Helper()
	p.waitUntil("welcome", func(fs []client.Frame) bool { return p.welcome.T != "" })
	return p.welcome
}

func (p *streamPeer) waitSeq(seq uint64) {
	p.t.Helper()
	p.waitUntil(fmt.Sprintf("seq %d", seq), func([]client.Frame) bool { return p.seq >= seq })
}

// post sends frames to base (any instance) as the peer and returns the
// status and the frames answered.
func (p *streamPeer) post(base string, frames ...any) (int, []client.Frame) {
	p.t.Helper()
	var body bytes.Buffer
	for _, f := range frames {
		b, _ := json.Marshal(f)
		body.Write(b)
		body.WriteByte('\n')
	}
	return postFrames(p.t, base, p.board, p.welcomed().Token, body.Bytes())
}

func postFrames(t testing.TB, base, boardID, token string, body []byte) (int, []client.Frame) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/boards/"+boardID+"/frames", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var answers []client.Frame
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var f client.Frame
		if err := json.Unmarshal(sc.Bytes(), &f); err == nil {
			answers = append(answers, f)
		}
	}
	return resp.StatusCode, answers
}

func opFrame(id string, op board.Op) map[string]any {
	return map[string]any{"t": "op", "id": id, "op": op}
}

// answerTo is the answer to op id among answers.
func answerTo(t testing.TB, answers []client.Frame, id string) client.Frame {
	t.Helper()
	for _, f := range answers {
		if f.Ref == id {
			return f
		}
	}
	t.Fatalf("no answer to %s in %+v", id, answers)
	return client.Frame{}
}

// groupChart forms groups of everyone joined and returns who's chart.
func groupChart(t *testing.T, ts *testServer, fac *client.Client, id, who string) string {
	t.Helper()
	do(t, fac, board.Op{Kind: board.GroupsForm, Size: 2})
	return replay(t, ts.log, id).Participants[who].Group
}

// TestFallbackSession: a participant who only has the event stream and
// POSTs joins, is sent the board, adds a note that a websocket screen
// sees, is acknowledged in the POST's answer, and a resend of the op
// under its id is applied once.
func TestFallbackSession(t *testing.T) {
	ts := startServer(t)
	b := ts.create("Fallback", "Blocked websockets")
	fac := ts.facilitator(b)
	ws := ts.join(b, "On a socket", board.CivilSociety)
	peer := openStream(t, ts.url, map[string]any{"board": b.ID, "join": map[string]any{"name": "Behind a proxy", "role": board.CivilServant}}, "")
	me := peer.welcomed()
	peer.waitUntil("board and presence", func(fs []client.Frame) bool {
		snap, list := false, false
		for _, f := range fs {
			snap = snap || f.T == "snap"
			list = list || (f.T == "presence" && f.Online != nil)
		}
		return snap && list
	})
	chart := groupChart(t, ts, fac, b.ID, me.You)

	x, y := 0.25, 0.5
	note := board.Op{Kind: board.NoteAdd, Chart: chart, Text: "sent by POST", X: &x, Y: &y}
	status, answers := peer.post(ts.url, opFrame("n1", note), map[string]any{"t": "ping"})
	if status != http.StatusOK {
		t.Fatalf("POST: %d %+v", status, answers)
	}
	ack := answerTo(t, answers, "n1")
	if ack.T != "chg" || ack.Seq == 0 {
		t.Fatalf("n1 answered %+v, want its chg", ack)
	}
	if !slices.ContainsFunc(answers, func(f client.Frame) bool { return f.T == "pong" }) {
		t.Errorf("the ping was answered %+v, want a pong", answers)
	}
	peer.waitSeq(ack.Seq)
	assertConverged(t, ts.log, b.ID, fac, ws)

	// The answer was lost: the op goes again under its id.
	_, again := peer.post(ts.url, opFrame("n1", note))
	if f := answerTo(t, again, "n1"); f.T != "chg" || f.Seq != ack.Seq {
		t.Fatalf("the resent n1 was answered %+v, want the chg at seq %d", f, ack.Seq)
	}
	if n := len(replay(t, ts.log, b.ID).Notes); n != 1 {
		t.Fatalf("%d notes after a resend, want 1", n)
	}

	// A refusal comes back in the answer, beside its op.
	_, refusals := peer.post(ts.url, opFrame("p1", board.Op{Kind: board.PhaseSet, Phase: board.Share}))
	if f := answerTo(t, refusals, "p1"); f.T != "err" || f.Code != board.CodeForbidden {
		t.Fatalf("a participant's phase change was answered %+v, want forbidden", f)
	}

	// A drag goes up in a POST and reaches the websocket screens.
	peer.post(ts.url, map[string]any{"t": "eph", "kind": "drag", "note": noteID(t, ack), "x": 0.5, "y": 0.5})
	if !waitFor(func() bool { return len(fac.Ephemerals()) > 0 }) {
		t.Fatal("the facilitator never saw the drag sent by POST")
	}
}

// TestFallbackAcrossInstances: the POST reaches another instance than the
// one holding the stream, with no stickiness; the op is applied once, the
// stream sees it, and a resend to the first instance is answered with the
// same seq.
func TestFallbackAcrossInstances(t *testing.T) {
	srv := redistest.Start(t)
	servers := instances(t, srv.URL(), 2)
	a, b := servers[0], servers[1]
	brd := a.create("Two instances", "No stickiness")
	fac := b.facilitator(brd)
	b.join(brd, "On a socket", board.CivilSociety)
	peer := openStream(t, a.url, map[string]any{"board": brd.ID, "join": map[string]any{"name": "Behind a proxy", "role": board.CivilServant}}, "")
	me := peer.welcomed()
	chart := groupChart(t, a, fac, brd.ID, me.You)

	x, y := 0.1, 0.9
	note := board.Op{Kind: board.NoteAdd, Chart: chart, Text: "applied on the other instance", X: &x, Y: &y}
	_, answers := peer.post(b.url, opFrame("n1", note))
	ack := answerTo(t, answers, "n1")
	if ack.T != "chg" {
		t.Fatalf("n1 answered %+v", ack)
	}
	peer.waitSeq(ack.Seq)
	_, again := peer.post(a.url, opFrame("n1", note))
	if f := answerTo(t, again, "n1"); f.T != "chg" || f.Seq != ack.Seq {
		t.Fatalf("the resend to the stream's instance was answered %+v, want the chg at seq %d", f, ack.Seq)
	}
	if n := len(replay(t, a.log, brd.ID).Notes); n != 1 {
		t.Fatalf("%d notes, want 1", n)
	}
	assertConverged(t, a.log, brd.ID, fac)
}

// TestFallbackPoll: a long poll with nothing new is held, and ends with
// the first change; the next resumes from it.
func TestFallbackPoll(t *testing.T) {
	ts := startServer(t)
	b := ts.create("Polls", "")
	fac := ts.facilitator(b)
	first := openStream(t, ts.url, map[string]any{"board": b.ID, "join": map[string]any{"name": "Polling", "role": board.CivilServant}}, "poll")
	me := first.welcomed()
	first.waitUntil("the end of the first poll", func([]client.Frame) bool { return first.ended })

	held := openStream(t, ts.url, map[string]any{"board": b.ID, "token": me.Token, "since": first.seq, "epoch": fac.Epoch()}, "poll")
	held.waitUntil("the presence list", func(fs []client.Frame) bool { return len(fs) > 0 && fs[len(fs)-1].T == "presence" })
	held.mu.Lock()
	ended := held.ended
	held.mu.Unlock()
	if ended {
		t.Fatal("a poll with nothing new ended at once")
	}
	f := do(t, fac, board.Op{Kind: board.BoardEdit, Title: "Renamed"})
	held.waitUntil("the end of the poll", func([]client.Frame) bool { return held.ended })
	if held.seq != f.Seq {
		t.Fatalf("the poll ended at seq %d, want %d", held.seq, f.Seq)
	}
}

// TestFallbackBounds: what a POST or a stream may not be.
func TestFallbackBounds(t *testing.T) {
	ts := startServer(t)
	b := ts.create("Bounds", "")
	token := b.facilitatorToken()
	if status, _ := postFrames(t, ts.url, b.ID, "forged", []byte(`{"t":"ping"}`)); status != http.StatusUnauthorized {
		t.Errorf("a forged token: %d, want 401", status)
	}
	if status, _ := postFrames(t, ts.url, b.ID, token, bytes.Repeat([]byte(`{"t":"ping"}`+"\n"), 65)); status != http.StatusRequestEntityTooLarge {
		t.Errorf("65 frames: %d, want 413", status)
	}
	if status, _ := postFrames(t, ts.url, b.ID, token, bytes.Repeat([]byte("x"), 64<<10+1)); status != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over 64 KiB: %d, want 413", status)
	}
	status, answers := postFrames(t, ts.url, b.ID, token, []byte(`{"t":"op","id":"x1"}`))
	if status != http.StatusOK || answerTo(t, answers, "x1").Code != "bad_frame" {
		t.Errorf("an op without its op: %d %+v, want bad_frame", status, answers)
	}
	for range 8 {
		openStream(t, ts.url, map[string]any{"board": b.ID, "token": token}, "").welcomed()
	}
	body, _ := json.Marshal(map[string]any{"t": "hello", "v": 1, "board": b.ID, "token": token})
	resp, err := http.Post(ts.url+"/api/stream", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a ninth stream of one participant: %d, want 429", resp.StatusCode)
	}
	for _, path := range []string{"/api/stream", "/api/boards/" + b.ID + "/frames"} {
		req, _ := http.NewRequest(http.MethodPost, ts.url+path, bytes.NewReader(body))
		req.Header.Set("Origin", "https://elsewhere.example")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s from a page of another site: %d, want 403 as a websocket's", path, resp.StatusCode)
		}
	}
	bad := openStream(t, ts.url, map[string]any{"board": b.ID, "token": "forged"}, "")
	bad.waitUntil("the close", func(fs []client.Frame) bool { return bad.ended })
	if last := bad.frames[len(bad.frames)-1]; last.T != "close" {
		t.Errorf("a forged token's stream ended with %+v, want a close", last)
	}
}

// TestFallbackPollsStayOnline: a participant on long polls is online
// between two polls, as the next is on its way; once they stop polling,
// they leave.
func TestFallbackPollsStayOnline(t *testing.T) {
	ts := startServer(t)
	b := ts.create("Presence", "")
	fac := ts.facilitator(b)
	watcher, frames := ts.dialRecording(client.Hello{Board: b.ID, Join: &client.Join{Name: "Watching", Role: board.CivilSociety}})
	first := openStream(t, ts.url, map[string]any{"board": b.ID, "join": map[string]any{"name": "Polling", "role": board.CivilServant}}, "poll")
	me := first.welcomed()
	first.waitUntil("the end of the first poll", func([]client.Frame) bool { return first.ended })
	if !waitFor(func() bool { return slices.Contains(watcher.Online(), me.You) }) {
		t.Fatal("the poller never came online")
	}
	since := first.seq
	for i := range 5 {
		poll := openStream(t, ts.url, map[string]any{"board": b.ID, "token": me.Token, "since": since, "epoch": fac.Epoch()}, "poll")
		poll.waitUntil("the presence list", func(fs []client.Frame) bool { return len(fs) > 0 && fs[len(fs)-1].T == "presence" })
		f := do(t, fac, board.Op{Kind: board.BoardEdit, Title: fmt.Sprintf("Poll %d", i)})
		poll.waitUntil("the end of the poll", func([]client.Frame) bool { return poll.ended })
		since = f.Seq
		// A slow link's round trip before the next poll: longer than a
		// presence tick.
		time.Sleep(300 * time.Millisecond)
	}
	if !waitFor(func() bool { return !slices.Contains(watcher.Online(), me.You) }) {
		t.Fatal("the poller never left once it stopped polling")
	}
	left := 0
	for _, f := range frames() {
		if f.T == "presence" && slices.Contains(f.Left, me.You) {
			left++
		}
	}
	if left != 1 {
		t.Fatalf("the watcher saw the poller leave %d times, want once, when it stopped", left)
	}
}

// TestFallbackPostsLimited: POSTs are limited per participant, as ops
// are, and a limited one says when to come back.
func TestFallbackPostsLimited(t *testing.T) {
	ts := startServer(t, func(c *plenarytest.Config) { c.Hub.OpsPerSecond = 1 })
	b := ts.create("Slow down", "")
	for range 10 {
		req, _ := http.NewRequest(http.MethodPost, ts.url+"/api/boards/"+b.ID+"/frames", strings.NewReader(`{"t":"ping"}`))
		req.Header.Set("Authorization", "Bearer "+b.facilitatorToken())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			if resp.Header.Get("Retry-After") == "" {
				t.Fatal("a limited POST does not say when to come back")
			}
			return
		}
	}
	t.Fatal("10 POSTs at once from a participant allowed 1 a second were all taken")
}
