package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
	"github.com/plenary/plenary/internal/plenarytest"
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
		{"create with a body over 4 MiB", "POST", "/api/boards", `{"title":"` + strings.Repeat("t", 5<<20) + `"}`, "", 413, "too_large"},
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
			assertRefusal(t, resp, tc.status, tc.code)
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

// TestEchoRefusals: what Echo's router and middleware refuse, and a
// request body over the limit however it is sent, is answered by the one
// error handler, as JSON with a documented code; every request is logged
// on one line, without its query string.
func TestEchoRefusals(t *testing.T) {
	var log lockedBuffer
	ts := startServer(t, func(c *plenarytest.Config) {
		c.Hub.Logger = slog.New(slog.NewJSONHandler(&log, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	large := `{"title":"` + strings.Repeat("t", 5<<20) + `"}`
	for _, tc := range []struct {
		name, method, path string
		body               io.Reader
		status             int
		code               string
	}{
		{"no such address", "GET", "/api/nothing?token=secret-in-a-query", nil, 404, "no_route"},
		{"no such method", "DELETE", "/api/boards", nil, 405, "bad_method"},
		{"a body over 4 MiB", "POST", "/api/boards", strings.NewReader(large), 413, "too_large"},
		{"a body over 4 MiB of no stated length", "POST", "/api/boards", io.MultiReader(strings.NewReader(large)), 413, "too_large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, ts.url+tc.path, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			assertRefusal(t, resp, tc.status, tc.code)
		})
	}

	// The request log: a line for each request, with what it asked and
	// how it was answered.
	type line struct {
		Msg, Method, Path string
		Status            int
		Duration          int64
	}
	var lines []line
	for raw := range strings.Lines(log.String()) {
		var l line
		if err := json.Unmarshal([]byte(raw), &l); err != nil {
			t.Fatalf("log line %q: %v", raw, err)
		}
		if l.Msg == "http" && l.Method != "" {
			lines = append(lines, l)
		}
	}
	want := []line{{"http", "GET", "/api/nothing", 404, 0}, {"http", "DELETE", "/api/boards", 405, 0}, {"http", "POST", "/api/boards", 413, 0}, {"http", "POST", "/api/boards", 413, 0}}
	if len(lines) != len(want) {
		t.Fatalf("logged %d requests, want %d: %+v", len(lines), len(want), lines)
	}
	for i, l := range lines {
		if l.Duration <= 0 {
			t.Errorf("%+v: no duration", l)
		}
		l.Duration = 0
		if l != want[i] {
			t.Errorf("logged %+v, want %+v", l, want[i])
		}
	}
	if strings.Contains(log.String(), "secret-in-a-query") {
		t.Errorf("the log holds a query string: %s", log.String())
	}
}

// lockedBuffer is a log that the server's goroutines write while the test
// reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// tokenOf is the facilitator token of a fresh board.
func tokenOf(t *testing.T, ts *testServer) string {
	return ts.create("Elsewhere", "Another room").facilitatorToken()
}

// TestProbesAndMetrics: the probes answer, and /metrics, read with
// Prometheus' own parser, has every family docs/operations.md lists, of
// the type it gives, each moving with what happened.
func TestProbesAndMetrics(t *testing.T) {
	ts := startServer(t)
	b := ts.create("Metrics", "What is counted?")
	fac := ts.facilitator(b)

	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready"} {
		if resp, body := ts.get(path, ""); resp.StatusCode != http.StatusOK || string(body) != want {
			t.Errorf("%s: %d %q", path, resp.StatusCode, body)
		}
	}
	before := scrape(t, ts)
	refused(t, fac, board.Op{Kind: board.NoteDelete, Note: "n404"}, board.CodeNotFound)
	do(t, fac, board.Op{Kind: board.BoardLock})
	ana := ts.join(b, "Ana", board.CivilSociety)
	runtime.GC()
	after := scrape(t, ts)

	for _, m := range documentedMetrics(t) {
		f := after[m.name]
		if f == nil {
			t.Errorf("/metrics lacks %s, which docs/operations.md lists", m.name)
			continue
		}
		if got := strings.ToLower(f.GetType().String()); got != m.kind {
			t.Errorf("%s is a %s, docs/operations.md says %s", m.name, got, m.kind)
		}
	}
	for _, name := range []string{"go_memstats_heap_inuse_bytes", "go_gc_duration_seconds", "process_cpu_seconds_total", "process_open_fds"} {
		if after[name] == nil {
			t.Errorf("/metrics lacks %s, of the standard Go and process collectors", name)
		}
	}

	moved := func(name string) float64 { return sample(after, name) - sample(before, name) }
	for name, want := range map[string]float64{
		"plenary_connections": 1, "plenary_sessions": 1, "plenary_boards": 0, `plenary_ops_refused_total{code="not_found"}`: 1,
		"plenary_send_queue_overflows_total": 0,
	} {
		if got := moved(name); got != want {
			t.Errorf("%s moved by %v, want %v", name, got, want)
		}
	}
	if got := sample(after, "plenary_boards"); got != 1 {
		t.Errorf("plenary_boards is %v, want 1", got)
	}
	applied := moved("plenary_ops_applied_total")
	if applied < 2 { // the lock and Ana's joining
		t.Errorf("plenary_ops_applied_total moved by %v, want at least 2", applied)
	}
	if got := moved("plenary_broadcast_seconds"); got != applied {
		t.Errorf("plenary_broadcast_seconds counted %v broadcasts for %v ops applied", got, applied)
	}
	if moved("go_gc_cycles_total") < 1 {
		t.Error("go_gc_cycles_total did not count a collection")
	}
	for _, name := range []string{"go_gc_cpu_seconds_total", "go_heap_live_bytes", "go_goroutines"} {
		if v := sample(after, name); v <= 0 {
			t.Errorf("%s is %v, want above 0", name, v)
		}
	}
	if rss := sample(after, "process_resident_memory_bytes"); rss < 1<<20 || rss > 1<<40 {
		t.Errorf("process_resident_memory_bytes is %v, want this process's, at least a MiB", rss)
	}

	// Another hub in this process counts apart.
	other := scrape(t, startServer(t))
	for _, name := range []string{"plenary_boards", "plenary_ops_applied_total", "plenary_connections"} {
		if v := sample(other, name); v != 0 {
			t.Errorf("%s is %v on a hub that has seen nothing", name, v)
		}
	}

	// Ana leaves: her connection and session are counted out.
	if err := ana.Close(); err != nil {
		t.Fatal(err)
	}
	if !waitFor(func() bool {
		return sample(scrape(t, ts), "plenary_connections") == sample(before, "plenary_connections")
	}) {
		t.Error("plenary_connections did not fall back when Ana left")
	}
	if got := sample(scrape(t, ts), "plenary_sessions"); got != sample(before, "plenary_sessions") {
		t.Errorf("plenary_sessions is %v once Ana left, want %v", got, sample(before, "plenary_sessions"))
	}
}

// scrape reads /metrics with Prometheus' text parser.
func scrape(t *testing.T, ts *testServer) map[string]*dto.MetricFamily {
	t.Helper()
	resp, body := ts.get("/metrics", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return families
}

// sample is the value of name, which may carry one label as name{k="v"};
// a histogram's value is its count. A series not there yet is 0.
func sample(families map[string]*dto.MetricFamily, name string) float64 {
	name, label, _ := strings.Cut(strings.TrimSuffix(name, "}"), "{")
	f := families[name]
	if f == nil {
		return 0
	}
	for _, m := range f.GetMetric() {
		if label != "" {
			k, v, _ := strings.Cut(label, "=")
			if len(m.GetLabel()) != 1 || m.GetLabel()[0].GetName() != k || strconv.Quote(m.GetLabel()[0].GetValue()) != v {
				continue
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return 0
}

type documentedMetric struct{ name, kind string }

// documentedMetrics is the table of metrics in docs/operations.md.
func documentedMetrics(t *testing.T) []documentedMetric {
	t.Helper()
	doc, err := os.ReadFile("../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(doc), "| metric | type | what |")
	if !ok {
		t.Fatal("docs/operations.md has no table of metrics")
	}
	var list []documentedMetric
	for line := range strings.Lines(strings.TrimSpace(table)) {
		cells := strings.Split(line, "|")
		if len(cells) < 4 {
			break
		}
		name, _, _ := strings.Cut(strings.Trim(strings.TrimSpace(cells[1]), "`"), "{")
		if strings.HasPrefix(name, "---") {
			continue
		}
		list = append(list, documentedMetric{name, strings.TrimSpace(cells[2])})
	}
	if len(list) < 10 {
		t.Fatalf("read %d metrics from docs/operations.md's table: %v", len(list), list)
	}
	return list
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

// assertRefusal checks that resp is the documented JSON refusal: status,
// code and a message.
func assertRefusal(t *testing.T, resp *http.Response, status int, code string) {
	t.Helper()
	defer resp.Body.Close()
	var refusal struct{ Code, Msg string }
	if err := json.NewDecoder(resp.Body).Decode(&refusal); err != nil {
		t.Fatalf("%d with a body that is not JSON: %v", resp.StatusCode, err)
	}
	if resp.StatusCode != status || refusal.Code != code || refusal.Msg == "" {
		t.Fatalf("got %d %+v, want %d %s with a message", resp.StatusCode, refusal, status, code)
	}
}
