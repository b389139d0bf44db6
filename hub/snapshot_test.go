package hub_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
)

// snapBody is what both a snap frame and the snapshot endpoint's body say.
type snapBody struct {
	T           string          `json:"t"`
	Seq         uint64          `json:"seq"`
	Epoch       string          `json:"epoch"`
	Changes     json.RawMessage `json:"changes"`
	You         string          `json:"you"`
	Facilitator *bool           `json:"facilitator"`
}

// getSnapshot fetches the snapshot endpoint with token and the given
// Accept-Encoding, gunzipping what is gzipped.
func (ts *testServer) getSnapshot(t testing.TB, path, token, acceptEncoding string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, ts.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	// Set by hand, so Go's transport neither asks for gzip nor unpacks it.
	req.Header.Set("Accept-Encoding", acceptEncoding)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body io.Reader = resp.Body
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		body = zr
	}
	out, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("%s: read the body: %v", path, err)
	}
	return resp, out
}

// TestSnapshotOverHTTP: the snapshot endpoint serves each reader the snap
// frame the websocket sends them, gzipped, with who they are: the
// facilitator their view, a participant theirs with their own dots and
// without the hidden tallies, the presenter the participants' view. A
// token that is not the board's is refused 401, an unknown board 404.
func TestSnapshotOverHTTP(t *testing.T) {
	ts := startServer(t)
	b := ts.create("Snapshot", "")
	fac := ts.facilitator(b)
	settings := board.DefaultSettings()
	settings.HideTallies = true
	do(t, fac, board.Op{Kind: board.BoardSettings, Settings: &settings})
	ana := ts.join(b, "Ana", board.CivilServant)
	do(t, fac, board.Op{Kind: board.GroupsForm, Size: 4})
	x, y := 0.5, 0.5
	var note string
	for i, text := range []string{"Mobile clinics", "Night buses", "Open data"} {
		chg := do(t, fac, board.Op{Kind: board.NoteAdd, Chart: "g1", Text: text, X: &x, Y: &y})
		if i == 0 {
			note = chg.Changes[0].ID
		}
	}
	do(t, fac, board.Op{Kind: board.PhaseSet, Phase: board.Vote})
	last := do(t, ana, board.Op{Kind: board.VoteCast, Item: note})
	if err := fac.WaitSeq(ctxT(t), last.Seq); err != nil {
		t.Fatal(err)
	}

	path := "/api/boards/" + b.ID + "/snapshot"
	for _, tc := range []struct {
		name        string
		hello       client.Hello
		query       string
		facilitator bool
	}{
		{"facilitator", client.Hello{Board: b.ID, Token: b.facilitatorToken()}, "", true},
		{"participant", client.Hello{Board: b.ID, Token: ana.Token}, "", false},
		{"presenter", client.Hello{Board: b.ID, Token: b.facilitatorToken(), View: "presenter"}, "?view=presenter", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, frames := ts.dialRecording(tc.hello)
			var ws snapBody
			var wsRaw []byte
			for _, f := range frames() {
				if f.T == "snap" {
					wsRaw = f.Raw
					if err := json.Unmarshal(f.Raw, &ws); err != nil {
						t.Fatal(err)
					}
					break
				}
			}
			resp, body := ts.getSnapshot(t, path+tc.query, tc.hello.Token, "gzip, deflate")
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" {
				t.Fatalf("snapshot: %d, Content-Encoding %q: %s", resp.StatusCode, resp.Header.Get("Content-Encoding"), body)
			}
			var got snapBody
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("the gunzipped snapshot is not JSON: %v\n%s", err, body)
			}
			if got.T != "snap" || got.Seq != ws.Seq || got.Epoch != ws.Epoch || !bytes.Equal(got.Changes, ws.Changes) {
				t.Errorf("the HTTP snapshot is not the websocket's:\nHTTP %s\nws   %s", body, wsRaw)
			}
			wantYou := ana.You
			if tc.facilitator || tc.name == "presenter" {
				wantYou = fac.You
			}
			if got.You != wantYou || got.Facilitator == nil || *got.Facilitator != tc.facilitator {
				t.Errorf("the snapshot says you %q, facilitator %v; want %q, %v", got.You, got.Facilitator, wantYou, tc.facilitator)
			}
			var changes []client.Change
			if err := json.Unmarshal(got.Changes, &changes); err != nil {
				t.Fatal(err)
			}
			tallies := 0
			for _, c := range changes {
				if c.E == "tally" || c.E == "ranking" {
					tallies++
				}
			}
			if tc.facilitator != (tallies > 0) {
				t.Errorf("the %s's snapshot has %d tallies and rankings while they are hidden", tc.name, tallies)
			}

			_, plain := ts.getSnapshot(t, path+tc.query, tc.hello.Token, "identity")
			if !bytes.Equal(plain, body) {
				t.Errorf("asked without gzip, the snapshot is another:\n%s\n%s", plain, body)
			}
		})
	}

	for _, tc := range []struct {
		name, path, token string
		status            int
	}{
		{"no token", path, "", http.StatusUnauthorized},
		{"another board's token", path, tokenOf(t, ts), http.StatusUnauthorized},
		{"a token that is not one", path, "not.a.token", http.StatusUnauthorized},
		{"unknown board", "/api/boards/ZZZZZZ/snapshot", b.facilitatorToken(), http.StatusNotFound},
	} {
		resp, body := ts.getSnapshot(t, tc.path, tc.token, "gzip")
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, resp.StatusCode, body, tc.status)
		}
	}
}
