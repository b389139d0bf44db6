package hub_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
)

// presenterKey is the answer to POST /api/boards/{id}/presenter.
type presenterKey struct {
	Token string `json:"token"`
	Link  string `json:"link"`
	Code  string `json:"code"`
	Msg   string `json:"msg"`
}

// askPresenterKey asks board id for a presenter key with token (none if
// empty) and returns the status and the answer.
func (ts *testServer) askPresenterKey(id, token string) (int, presenterKey) {
	ts.t.Helper()
	resp, body := ts.send(http.MethodPost, "/api/boards/"+id+"/presenter", token)
	var k presenterKey
	if err := json.Unmarshal(body, &k); err != nil {
		ts.t.Fatalf("presenter key for %s: %d %s: %v", id, resp.StatusCode, body, err)
	}
	return resp.StatusCode, k
}

// TestPresenterKey: the facilitator gets a key that opens the presenter
// view of their board on a machine that holds no one's token. It shows
// what a presenter on the facilitator's token shows, changes nothing, is
// not counted online, and opens nothing else: not the board, not another
// board's presenter view, not the API's other routes.
func TestPresenterKey(t *testing.T) {
	ts := startServer(t)
	b := ts.createHidden("Projector")
	other := ts.create("Another workshop", "")
	fac := ts.facilitator(b)
	ana := ts.join(b, "Ana", board.CivilServant)
	ben := ts.join(b, "Ben", board.CivilSociety)

	// Who may have one: the facilitator; a participant is forbidden; no
	// token, a forged one or another board's is no one.
	status, k := ts.askPresenterKey(b.ID, b.facilitatorToken())
	if status != http.StatusOK || k.Token == "" || k.Link != "/p/"+b.ID+"#key="+k.Token {
		t.Fatalf("the facilitator asked for a presenter key: %d %+v", status, k)
	}
	key := k.Token
	for _, c := range []struct {
		name, token string
		status      int
		code        string
	}{
		{"a participant", ana.Token, http.StatusForbidden, "forbidden"},
		{"no token", "", http.StatusUnauthorized, "bad_token"},
		{"a forged token", b.facilitatorToken() + "x", http.StatusUnauthorized, "bad_token"},
		{"another board's facilitator", other.facilitatorToken(), http.StatusUnauthorized, "bad_token"},
		{"the presenter key itself", key, http.StatusUnauthorized, "bad_token"},
	} {
		if status, k := ts.askPresenterKey(b.ID, c.token); status != c.status || k.Code != c.code || k.Msg == "" || k.Token != "" {
			t.Errorf("%s asked for a presenter key: %d %+v, want %d %s", c.name, status, k, c.status, c.code)
		}
	}

	do(t, fac, board.Op{Kind: board.GroupsForm})
	group := groupOf(t, ts, b.ID, ana)
	half := 0.5
	n1 := do(t, ana, board.Op{Kind: board.NoteAdd, Chart: group, Text: "A shared calendar", X: &half, Y: &half}).Changes[0].ID
	do(t, ben, board.Op{Kind: board.NoteAdd, Chart: group, Text: "One intake form", X: &half, Y: &half})
	do(t, fac, board.Op{Kind: board.PhaseSet, Phase: board.Vote})
	do(t, ana, board.Op{Kind: board.VoteCast, Item: n1})
	do(t, ben, board.Op{Kind: board.VoteCast, Item: n1})

	// The key opens the presenter view, as nobody.
	screen, frames := ts.dialRecording(client.Hello{Board: b.ID, Token: key, View: "presenter"})
	if screen.You != "" || screen.Facilitator {
		t.Fatalf("the presenter key's welcome names %q, facilitator %v; want nobody, in the participants' view", screen.You, screen.Facilitator)
	}
	onFacToken := ts.dial(client.Hello{Board: b.ID, Token: b.facilitatorToken(), View: "presenter"})
	do(t, fac, board.Op{Kind: board.TimerStart, Seconds: 300}) // brings every view to the last seq

	// It shows exactly what a participant may see, as the presenter on
	// the facilitator's token does, and no frame carried more.
	assertConverged(t, ts.log, b.ID, screen, onFacToken)
	if got, want := replicaView(screen), replicaView(onFacToken); !reflect.DeepEqual(got, want) {
		t.Errorf("the presenter key's board differs from the presenter's on the facilitator's token:\n key %v\n fac %v", got, want)
	}
	for _, f := range frames() {
		for _, c := range f.Changes {
			if (c.E == "tally" || c.E == "ranking") && !c.Del {
				t.Errorf("the presenter key was sent a hidden %s: %s", c.E, c.V)
			}
			if c.E == "myvotes" {
				t.Errorf("the presenter key was sent someone's votes: %s", c.V)
			}
		}
	}
	if !screen.Get("note", n1, &board.Note{}) {
		t.Fatalf("the presenter key's board has no note %s", n1)
	}

	assertReadOnly(t, ts, b.ID, screen, group)
	// On the fallback too: its POSTs are answered pings, and refused ops.
	status, answers := postFrames(t, ts.url, b.ID, key, []byte(`{"t":"ping"}`+"\n"+`{"t":"op","id":"x1","op":{"kind":"vote.reveal"}}`))
	if status != http.StatusOK || len(answers) != 2 || answers[0].T != "pong" || answers[1].Code != "read_only" {
		t.Fatalf("the presenter key's POST was answered %d %+v, want a pong and a read_only refusal", status, answers)
	}

	// Not counted online: a projector is not a person. Cid joins after
	// the projectors are in, so the presence Ana has once she sees Cid
	// counts them if it ever will.
	cid := ts.join(b, "Cid", board.CivilServant)
	want := []string{fac.You, ana.You, ben.You, cid.You}
	slices.Sort(want)
	if !waitFor(func() bool { return slices.Contains(ana.Online(), cid.You) }) {
		t.Fatalf("ana never saw cid online: %v", ana.Online())
	}
	if got := slices.Sorted(slices.Values(ana.Online())); !slices.Equal(got, want) {
		t.Errorf("ana sees %v online, want %v: the people, not the projector", got, want)
	}
	// Its leaving takes no one off the list.
	_ = screen.Close()
	dan := ts.join(b, "Dan", board.CivilSociety)
	want = append(want, dan.You)
	slices.Sort(want)
	if !waitFor(func() bool { return slices.Contains(ana.Online(), dan.You) }) {
		t.Fatalf("ana never saw dan online: %v", ana.Online())
	}
	if got := slices.Sorted(slices.Values(ana.Online())); !slices.Equal(got, want) {
		t.Errorf("after the projector left ana sees %v online, want %v", got, want)
	}

	// A hello without the presenter view, or for another board, is
	// refused: the key opens nothing else.
	for name, h := range map[string]client.Hello{
		"the board":                      {Board: b.ID, Token: key},
		"another board's presenter view": {Board: other.ID, Token: key, View: "presenter"},
	} {
		_, err := client.Dial(ctxT(t), ts.url, h, client.Options{})
		var be *board.Error
		if !errors.As(err, &be) || be.Code != "bad_token" {
			t.Errorf("the presenter key opened %s: %v, want a bad_token refusal", name, err)
			continue
		}
		if name == "the board" && !strings.Contains(be.Message, "presenter view") {
			t.Errorf("the refusal of the presenter key on the board says %q, want that it only opens the presenter view", be.Message)
		}
	}

	// The snapshot endpoint: the presenter view only, as nobody.
	resp, body := ts.get("/api/boards/"+b.ID+"/snapshot?view=presenter", key)
	var snap struct {
		T           string            `json:"t"`
		You         *string           `json:"you"`
		Facilitator bool              `json:"facilitator"`
		Changes     []json.RawMessage `json:"changes"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &snap) != nil || snap.T != "snap" || snap.You == nil || *snap.You != "" || snap.Facilitator || len(snap.Changes) == 0 {
		t.Errorf("the presenter key's snapshot: %d %.300s", resp.StatusCode, body)
	}
	if bytes.Contains(body, []byte(`"e":"tally"`)) {
		t.Errorf("the presenter key's snapshot holds hidden tallies: %.300s", body)
	}
	for name, path := range map[string]string{
		"without the presenter view":     "/api/boards/" + b.ID + "/snapshot",
		"another board's presenter view": "/api/boards/" + other.ID + "/snapshot?view=presenter",
		"the board's export":             "/api/boards/" + b.ID + "/export.md",
	} {
		resp, body := ts.get(path, key)
		var refusal presenterKey
		if resp.StatusCode != http.StatusUnauthorized || json.Unmarshal(body, &refusal) != nil || refusal.Code != "bad_token" {
			t.Errorf("the presenter key asked for %s: %d %s, want 401 bad_token", name, resp.StatusCode, body)
		}
	}
}
