package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub"
	"github.com/plenary/plenary/hub/client"
	"github.com/plenary/plenary/internal/plenarytest"
	"github.com/plenary/plenary/store"
)

// testServer is a real hub on a real HTTP server over the embedded store.
type testServer struct {
	t   testing.TB
	url string
	log store.Log
	hub *hub.Hub
	srv *httptest.Server
}

func startServer(t testing.TB, opts ...func(*plenarytest.Config)) *testServer {
	t.Helper()
	return serverOf(t, plenarytest.Start(t, opts...))
}

func startServerOn(t testing.TB, log store.Log, opts ...func(*plenarytest.Config)) *testServer {
	t.Helper()
	return serverOf(t, plenarytest.StartOn(t, log, opts...))
}

func serverOf(t testing.TB, s *plenarytest.Server) *testServer {
	return &testServer{t: t, url: s.URL, log: s.Log, hub: s.Hub, srv: s.HTTP}
}

type created struct {
	ID             string `json:"id"`
	JoinCode       string `json:"joinCode"`
	JoinURL        string `json:"joinUrl"`
	FacilitatorURL string `json:"facilitatorUrl"`
}

// facilitatorToken is the key in the facilitator link's fragment.
func (c created) facilitatorToken() string {
	_, key, _ := strings.Cut(c.FacilitatorURL, "#key=")
	return key
}

func (ts *testServer) post(path string, body any) (*http.Response, []byte) {
	ts.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		ts.t.Fatal(err)
	}
	resp, err := http.Post(ts.url+path, "application/json", bytes.NewReader(b))
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	_, _ = out.ReadFrom(resp.Body)
	return resp, out.Bytes()
}

func (ts *testServer) get(path, token string) (*http.Response, []byte) {
	ts.t.Helper()
	return ts.send(http.MethodGet, path, token)
}

// send makes a request with no body, as token's holder if token is not
// empty, and returns the response and its body.
func (ts *testServer) send(method, path, token string) (*http.Response, []byte) {
	ts.t.Helper()
	req, err := http.NewRequest(method, ts.url+path, nil)
	if err != nil {
		ts.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	_, _ = out.ReadFrom(resp.Body)
	return resp, out.Bytes()
}

func (ts *testServer) create(title, prompt string) created {
	ts.t.Helper()
	return ts.createBoard(map[string]any{"title": title, "prompt": prompt})
}

// createBoard creates the board a POST /api/boards body describes.
func (ts *testServer) createBoard(req map[string]any) created {
	ts.t.Helper()
	resp, body := ts.post("/api/boards", req)
	if resp.StatusCode != http.StatusCreated {
		ts.t.Fatalf("create board: %d %s", resp.StatusCode, body)
	}
	var c created
	if err := json.Unmarshal(body, &c); err != nil {
		ts.t.Fatal(err)
	}
	return c
}

func (ts *testServer) dial(h client.Hello) *client.Client {
	ts.t.Helper()
	return ts.dialWith(h, client.Options{})
}

// dialRecording is dial that also keeps every frame the client is sent;
// frames returns them so far, in order.
func (ts *testServer) dialRecording(h client.Hello) (c *client.Client, frames func() []client.Frame) {
	ts.t.Helper()
	var mu sync.Mutex
	var got []client.Frame
	c = ts.dialWith(h, client.Options{OnFrame: func(f client.Frame, _ time.Time) {
		mu.Lock()
		got = append(got, f)
		mu.Unlock()
	}})
	return c, func() []client.Frame {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(got)
	}
}

func (ts *testServer) dialWith(h client.Hello, opt client.Options) *client.Client {
	ts.t.Helper()
	// A bound, not a timing: a snapshot of a board of thousands under the
	// race detector on a busy machine can take seconds.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, ts.url, h, opt)
	if err != nil {
		ts.t.Fatalf("dial %+v: %v", h, err)
	}
	ts.t.Cleanup(func() { _ = c.Close() })
	return c
}

func (ts *testServer) facilitator(b created) *client.Client {
	return ts.dial(client.Hello{Board: b.ID, Token: b.facilitatorToken()})
}

func (ts *testServer) join(b created, name string, role board.Role) *client.Client {
	return ts.dial(client.Hello{Board: b.ID, Join: &client.Join{Name: name, Role: role}})
}

// caughtUp waits until c, a screen of board id open on ts, has been sent
// every entry of the board's log, so its room has applied them: entries
// appended straight to the log (appendMany) reach the room when it reads
// the log, as it does once a second while a screen is open. Reading
// thousands at once on a busy machine may outlast an op's bound, which
// marks the store stalled until its next probe: caughtUp waits for that
// too, so the next op is not answered unknown_outcome.
func caughtUp(t *testing.T, ts *testServer, id string, c *client.Client) {
	t.Helper()
	last, err := ts.log.Last(ctxT(t), id)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitSeq(ctxT(t), last); err != nil {
		t.Fatalf("%s has seq %d, want the log's %d: %v", c.You, c.Seq(), last, err)
	}
	ts.waitReady(t, 200)
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// waitFor polls cond until it holds, and reports whether it did within a
// bound generous enough for a busy machine under the race detector.
func waitFor(cond func() bool) bool {
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}

// do sends op as c and fails the test if it is refused.
func do(t testing.TB, c *client.Client, op board.Op) client.Frame {
	t.Helper()
	f, err := c.Do(ctxT(t), op)
	if err != nil {
		t.Fatalf("%s by %s: %v", op.Kind, c.You, err)
	}
	return f
}

// refused sends op as c and fails the test unless it is refused with code.
func refused(t testing.TB, c *client.Client, op board.Op, code string) {
	t.Helper()
	_, err := c.Do(ctxT(t), op)
	var be *board.Error
	if !errors.As(err, &be) || be.Code != code {
		t.Fatalf("%s by %s: got %v, want refusal %s", op.Kind, c.You, err, code)
	}
}

// replay loads the board as a fresh replica would: the latest snapshot,
// then every entry after it.
func replay(t testing.TB, log store.Log, id string) *board.State {
	t.Helper()
	st := board.New()
	snap, err := log.LoadSnapshot(ctxT(t), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		t.Fatal(err)
	default:
		if err := json.Unmarshal(snap.Data, st); err != nil {
			t.Fatal(err)
		}
	}
	epoch := snap.Epoch // so every record read is of the snapshot's history
	for {
		recs, err := log.Read(ctxT(t), id, epoch, st.Seq, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 0 {
			return st
		}
		epoch = recs[0].Epoch
		for _, rec := range recs {
			var e board.Entry
			if err := json.Unmarshal(rec.Data, &e); err != nil {
				t.Fatal(err)
			}
			e.Seq = rec.Seq
			_, _ = st.Apply(e)
		}
	}
}

// view is what viewer may see of st, in the replica's shape.
func view(t testing.TB, st *board.State, viewer string, facilitator bool) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, c := range st.Changes() {
		if !c.Visible(viewer, facilitator) {
			continue
		}
		b, err := json.Marshal(c.Value)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		_ = json.Unmarshal(b, &v)
		if out[c.Entity] == nil {
			out[c.Entity] = map[string]any{}
		}
		out[c.Entity][c.ID] = v
	}
	return out
}

func replicaView(c *client.Client) map[string]map[string]any {
	out := map[string]map[string]any{}
	for e, m := range c.Replica() {
		if len(m) == 0 {
			continue // all of its kind deleted: the same as none ever sent
		}
		out[e] = map[string]any{}
		for id, raw := range m {
			var v any
			_ = json.Unmarshal(raw, &v)
			out[e][id] = v
		}
	}
	return out
}

// assertConverged checks that every client, once it has caught up, holds
// exactly what a fresh replay of the log says it may see.
func assertConverged(t testing.TB, log store.Log, id string, clients ...*client.Client) {
	t.Helper()
	want := replay(t, log, id)
	for _, c := range clients {
		if err := c.WaitSeq(ctxT(t), want.Seq); err != nil {
			t.Fatalf("%s: %v", c.You, err)
		}
		got, exp := replicaView(c), view(t, want, c.You, c.Facilitator)
		if !reflect.DeepEqual(got, exp) {
			for e := range exp {
				if !reflect.DeepEqual(got[e], exp[e]) {
					t.Errorf("%s's replica differs in %s:\n got %v\nwant %v", c.You, e, got[e], exp[e])
				}
			}
			for e := range got {
				if _, ok := exp[e]; !ok {
					t.Errorf("%s's replica has %s it should not: %v", c.You, e, got[e])
				}
			}
			t.FailNow()
		}
	}
}
