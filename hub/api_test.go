package hub_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
)

// TestBadRequests: every refusal of the HTTP API is JSON with a code and a
// status that fits, and refuses without creating anything.
func TestBadRequests(t *testing.T) {
	ts := startServer(t)
	b := ts.create("API", "What does the API refuse?")
	fac := ts.facilitator(b)
	alice := ts.join(b, "Alice", board.CivilSociety)

	cases := []struct {
		name, method, path, body, token string
		status                          int
		code                            string
	}{
		{"create with invalid JSON", "POST", "/api/boards", `{"title":`, "", 400, "bad_frame"},
		{"create with an unknown field", "POST", "/api/boards", `{"title":"x","owner":"me"}`, "", 400, "bad_frame"},
		{"create without a title", "POST", "/api/boards", `{"prompt":"x"}`, "", 400, "bad_op"},
		{"create with a title over its limit", "POST", "/api/boards", `{"title":"` + strings.Repeat("t", board.MaxTitle+1) + `"}`, "", 400, "too_long"},
		{"create with impossible settings", "POST", "/api/boards", `{"title":"x","settings":{"votesPerParticipant":0,"maxVotesPerItem":1,"groupSize":6}}`, "", 400, "bad_op"},
		{"create with a body over 4 MiB", "POST", "/api/boards", `{"title":"` + strings.Repeat("t", 5<<20) + `"}`, "", 413, "request_entity_too_large"},
		{"no such board", "GET", "/api/boards/ZZZZZZ", "", "", 404, "no_board"},
		{"not a board code", "GET", "/api/boards/..%2f", "", "", 404, "no_board"},
		{"export without a token", "GET", "/api/boards/" + b.ID + "/export.md", "", "", 401, "bad_token"},
		{"export with the token in the URL", "GET", "/api/boards/" + b.ID + "/export.csv?token=" + url.QueryEscape(b.facilitatorToken()), "", "", 401, "bad_token"},
		{"export with another board's token", "GET", "/api/boards/" + b.ID + "/export.json", "", tokenOf(t, ts), 401, "bad_token"},
		{"a participant exports the JSON", "GET", "/api/boards/" + b.ID + "/export.json", "", alice.Token, 403, "forbidden"},
		{"a participant reads the report before discuss", "GET", "/api/boards/" + b.ID + "/export.md", "", alice.Token, 403, "forbidden"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, ts.url+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var refusal struct{ Code, Msg string }
			if err := json.NewDecoder(resp.Body).Decode(&refusal); err != nil {
				t.Fatalf("%d with a body that is not JSON: %v", resp.StatusCode, err)
			}
			if resp.StatusCode != tc.status || refusal.Code != tc.code || refusal.Msg == "" {
				t.Fatalf("got %d %+v, want %d %s with a message", resp.StatusCode, refusal, tc.status, tc.code)
			}
		})
	}
	var info struct {
		Title        string `json:"title"`
		Participants int    `json:"participants"`
	}
	resp, body := ts.get("/api/boards/"+strings.ToLower(b.ID), "")
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &info) != nil || info.Title != "API" || info.Participants != 1 {
		t.Fatalf("board info by a lower-case code: %d %s", resp.StatusCode, body)
	}
	do(t, fac, board.Op{Kind: board.PhaseSet, Phase: board.Discuss})
	if resp, _ := ts.get("/api/boards/"+b.ID+"/export.md", alice.Token); resp.StatusCode != http.StatusOK {
		t.Fatalf("a participant cannot read the report in discuss: %d", resp.StatusCode)
	}
}

// tokenOf is the facilitator token of a fresh board.
func tokenOf(t *testing.T, ts *testServer) string {
	return ts.create("Elsewhere", "Another room").facilitatorToken()
}

// TestProbesAndMetrics: the probes answer and the metrics count what
// happened, in Prometheus' text format.
func TestProbesAndMetrics(t *testing.T) {
	ts := startServer(t)
	b := ts.create("Metrics", "What is counted?")
	fac := ts.facilitator(b)
	refused(t, fac, board.Op{Kind: board.NoteDelete, Note: "n404"}, board.CodeNotFound)
	do(t, fac, board.Op{Kind: board.BoardLock})

	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready"} {
		if resp, body := ts.get(path, ""); resp.StatusCode != http.StatusOK || string(body) != want {
			t.Errorf("%s: %d %q", path, resp.StatusCode, body)
		}
	}
	resp, body := ts.get("/metrics", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	for _, want := range []string{
		"plenary_connections 1",
		"plenary_sessions 1",
		"plenary_boards 1",
		`plenary_ops_refused_total{code="not_found"} 1`,
		"# TYPE plenary_broadcast_seconds histogram",
		"plenary_send_queue_overflows_total 0",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if !strings.Contains(string(body), "plenary_ops_applied_total ") || strings.Contains(string(body), "plenary_ops_applied_total 0\n") {
		t.Error("/metrics does not count applied ops")
	}

	// The runtime's and the process's figures: a collection is counted,
	// and resident memory is the process's own, from /proc.
	before := metricValue(t, body, "go_gc_cycles_total")
	runtime.GC()
	_, body = ts.get("/metrics", "")
	if after := metricValue(t, body, "go_gc_cycles_total"); after <= before {
		t.Errorf("go_gc_cycles_total went from %v to %v across a collection", before, after)
	}
	for _, name := range []string{"go_gc_cpu_seconds_total", "go_heap_live_bytes", "go_goroutines"} {
		if v := metricValue(t, body, name); v <= 0 {
			t.Errorf("%s is %v, want above 0", name, v)
		}
	}
	if rss := metricValue(t, body, "process_resident_memory_bytes"); rss < 1<<20 || rss > 1<<40 {
		t.Errorf("process_resident_memory_bytes is %v, want this process's, at least a MiB", rss)
	}
}

// metricValue reads one unlabelled metric from /metrics's body.
func metricValue(t *testing.T, body []byte, name string) float64 {
	t.Helper()
	for line := range strings.Lines(string(body)) {
		if rest, ok := strings.CutPrefix(line, name+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return v
		}
	}
	t.Fatalf("/metrics lacks %s", name)
	return 0
}

// TestShutdownTellsClientsToReconnect: closing the hub closes every
// websocket with 1001, so browsers reconnect elsewhere and resume.
func TestShutdownTellsClientsToReconnect(t *testing.T) {
	ts := startServer(t)
	b := ts.create("Shutdown", "Where did everyone go?")
	fac := ts.facilitator(b)
	ana := ts.join(b, "Ana", board.CivilSociety)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ts.hub.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*client.Client{fac, ana} {
		select {
		case <-c.Closed():
		case <-ctx.Done():
			t.Fatal("a client was not closed on shutdown")
		}
		if c.CloseStatus() != 1001 {
			t.Errorf("%s closed with %d, want 1001", c.You, c.CloseStatus())
		}
	}
	if snap, err := ts.log.LoadSnapshot(ctx, b.ID); err != nil || snap.Seq == 0 {
		t.Errorf("no snapshot saved on shutdown: %v", err)
	}
}
